"""access.cache and access.files: no planted pickle is ever loaded; uploads are checked and kept in the park."""

from __future__ import annotations

import os
import pickle
import stat

import pytest

from access.cache import SafeCache
from access.errors import UnsafeLocation, UploadRejected
from access.files import check_upload, private_dir, sanitise_name, save_uploads


class Boom:
    """Unpickling this runs code: it writes a marker file."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_cache_folder_is_private_and_round_trips(tmp_path):
    cache = SafeCache(tmp_path / "c" / "cache")
    assert cache.cached("park-a-1", lambda: {"x": [1, 2]}) == {"x": [1, 2]}
    mode = stat.S_IMODE(os.stat(cache.folder).st_mode)
    assert mode == 0o700, "other accounts must not read the cache folder"
    assert stat.S_IMODE(os.stat(cache.path("park-a-1")).st_mode) == 0o600
    calls = []
    assert cache.cached("park-a-1", lambda: calls.append(1)) == {"x": [1, 2]} and not calls


def test_a_pickle_planted_in_the_cache_is_never_loaded(tmp_path):
    cache = SafeCache(tmp_path / "cache")
    cache.store("park-a-1", "real")
    marker = tmp_path / "ran"
    planted = pickle.dumps(Boom(marker))
    # 1. replaced under the right name, by a process of this account (no valid signature)
    cache.path("park-a-1").write_bytes(planted)
    os.chmod(cache.path("park-a-1"), 0o600)
    assert cache.cached("park-a-1", lambda: "computed") == "computed"
    # 2. a new name with a signature-sized prefix
    cache.path("park-b-1").write_bytes(b"\0" * 32 + planted)
    with pytest.raises(KeyError):
        cache.load("park-b-1")
    assert not marker.exists() and not cache.path("park-b-1").exists()  # deleted unread


def test_a_cache_folder_others_can_write_or_own_is_refused(tmp_path):
    loose = tmp_path / "loose"
    loose.mkdir()
    os.chmod(loose, 0o777)
    marker = tmp_path / "ran"
    (loose / "park-a-1.pickle").write_bytes(pickle.dumps(Boom(marker)))
    with pytest.raises(UnsafeLocation, match="chmod 700"):
        SafeCache(loose).cached("park-a-1", lambda: "computed")
    assert not marker.exists()
    readable = tmp_path / "readable"
    readable.mkdir(mode=0o755)
    os.chmod(readable, 0o755)
    with pytest.raises(UnsafeLocation, match="read or write"):
        SafeCache(readable).load("x")
    link = tmp_path / "link"
    link.symlink_to(private_dir(tmp_path / "real"))
    with pytest.raises(UnsafeLocation, match="symbolic link"):
        SafeCache(link).load("x")
    if os.geteuid() == 0:  # only root can hand a folder to another account
        other = private_dir(tmp_path / "other")
        os.chown(other, 65534, 65534)
        with pytest.raises(UnsafeLocation, match="belongs to account 65534"):
            SafeCache(other).load("x")


def test_the_apps_disk_cache_refuses_an_unsafe_folder_and_computes(tmp_path, monkeypatch):
    from ui import common

    loose = tmp_path / "loose"
    loose.mkdir()
    os.chmod(loose, 0o777)
    monkeypatch.setenv(common.CACHE_ENV, str(loose))
    marker = tmp_path / "ran"
    path = common.disk_cache_path("park", str(tmp_path), "stamp")
    path.write_bytes(pickle.dumps(Boom(marker)))
    assert common.disk_cached("park", str(tmp_path), "stamp", lambda: "computed") == "computed"
    assert not marker.exists()
    monkeypatch.delenv(common.CACHE_ENV)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert common.cache_dir() == tmp_path / "home" / ".cache" / "rhino-patrol"  # not the shared /tmp


# --- uploads ---------------------------------------------------------------------------------------
def test_upload_names_are_sanitised():
    assert sanitise_name("../../etc/passwd.csv") == "passwd.csv"
    assert sanitise_name("C:\\Users\\x\\my park (2).geojson") == "my_park_2_.geojson"
    assert sanitise_name(".bashrc") == "bashrc"


def test_uploads_are_checked_before_anything_is_written(tmp_path):
    with pytest.raises(UploadRejected, match="not accepted"):
        check_upload("run.sh", 10)
    with pytest.raises(UploadRejected, match="over the 1 MB limit"):
        check_upload("big.tif", 2 * 1024 * 1024, max_mb=1)
    folder = tmp_path / "park"
    folder.mkdir()
    with pytest.raises(UploadRejected, match="not accepted"):
        save_uploads(folder, {"a.csv": b"x", "b.exe": b"y"})
    assert list(folder.iterdir()) == []  # nothing written when one file is refused
    with pytest.raises(UploadRejected, match="both named"):
        save_uploads(folder, {"a/x.csv": b"1", "b/x.csv": b"2"})
    written = save_uploads(folder, {"../../outside.csv": b"1", "park.toml": b"[park]"})
    assert sorted(p.name for p in written) == ["outside.csv", "park.toml"]
    assert all(p.parent == folder.resolve() for p in written) and not (tmp_path / "outside.csv").exists()
    with pytest.raises(UploadRejected, match="already in"):  # never overwrites
        save_uploads(folder, {"park.toml": b"other"})


def test_the_app_refuses_a_bad_upload_before_making_the_park_folder(tmp_path, monkeypatch):
    from ui import common

    monkeypatch.setenv(common.PARKS_ENV, str(tmp_path / "parks"))
    with pytest.raises(UploadRejected, match="not accepted"):
        common.create_park("Evil", {"boundary.geojson": b"{}", "run.sh": b"rm -rf /"})
    assert not (tmp_path / "parks").exists()
