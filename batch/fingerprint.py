"""What a park's run depends on, as one hash: its files, its store, the options and the code.

A rerun of the batch skips a park whose fingerprint equals the one recorded
by its last successful run (``OUT/<park>/batch.json``) when every file that
run wrote is still there.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.util
import json
from pathlib import Path

from layers.manifest import read_manifest

from .defaults import CODE_PACKAGES, VERSION_PACKAGES

CHUNK = 1 << 20
STORE_FILES = ("store.gpkg", "store.gpkg-wal")


def file_digest(path: Path) -> str:
    """sha256 of a file's bytes (read in 1 MB chunks), or ``"missing"``."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(CHUNK), b""):
                h.update(block)
    except FileNotFoundError:
        return "missing"
    return h.hexdigest()


def park_inputs(folder: Path) -> dict[str, Path]:
    """The files a park's run reads: ``park.toml``, every file it names, and the park store if there is one."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    files = {"park.toml": manifest.path, **{f"layer:{k}": Path(v) for k, v in manifest.all_files().items()}}
    for name in STORE_FILES:
        if (folder / name).exists():
            files[name] = folder / name
    return files


@functools.lru_cache(maxsize=4)
def code_digest(packages: tuple[str, ...] = CODE_PACKAGES) -> str:
    """sha256 over the source of ``packages`` and the versions of the numerical libraries they use."""
    h = hashlib.sha256()
    for name in packages:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            h.update(f"{name}:absent".encode())
            continue
        for root in spec.submodule_search_locations:
            for path in sorted(Path(root).rglob("*.py")):
                h.update(str(path.relative_to(root)).encode())
                h.update(path.read_bytes())
    for dist in VERSION_PACKAGES:
        try:
            h.update(f"{dist}=={importlib.metadata.version(dist)}".encode())
        except importlib.metadata.PackageNotFoundError:
            h.update(f"{dist}:absent".encode())
    return h.hexdigest()


def park_digests(folder: Path, options: dict, packages: tuple[str, ...] = CODE_PACKAGES) -> dict[str, str]:
    """The digest of every input of a park's run: each file, ``"options"`` (JSON) and ``"code"``."""
    out = {key: file_digest(path) for key, path in sorted(park_inputs(folder).items())}
    out["options"] = hashlib.sha256(json.dumps(options, sort_keys=True, default=str).encode()).hexdigest()
    out["code"] = code_digest(tuple(packages))
    return out


def park_fingerprint(folder: Path, options: dict, packages: tuple[str, ...] = CODE_PACKAGES) -> str:
    """One hash of a park's inputs (names and bytes), ``options`` (JSON) and the code of ``packages``."""
    h = hashlib.sha256()
    for key, digest in park_digests(folder, options, packages).items():
        h.update(f"{key}={digest}\n".encode())
    return h.hexdigest()
