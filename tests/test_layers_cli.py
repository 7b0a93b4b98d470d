"""Tests of ``python -m layers check`` and ``python -m layers init``."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import parkfiles as pf

from layers.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_check_ok_text_and_json(tmp_path, capsys):
    folder = pf.make_park(tmp_path)
    assert main(["check", str(folder)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Park: Tiny Park") and "OK: no fatal problem." in out
    assert main(["check", str(folder), "--json", "--cell-size", "1000"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["fatal"] is False and data["park"] == "Tiny Park"
    assert {s["layer"] for s in data["layers"]} >= {"boundary", "incidents", "patrols", "posts", "dem"}
    assert any("1000 m" in p["message"] for p in data["problems"] if p["check"] == "grid")


def test_check_fatal_exits_1_with_the_report(tmp_path, capsys):
    folder = pf.make_park(tmp_path)
    (folder / "boundary.geojson").write_bytes(b"garbage")
    assert main(["check", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "[fatal] boundary: boundary.geojson" in out and "FATAL: the park cannot be loaded." in out
    assert main(["check", str(tmp_path / "nowhere"), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["fatal"] is True


def test_init_writes_a_draft_and_never_overwrites(tmp_path, capsys):
    folder = pf.make_park(tmp_path)
    (folder / "park.toml").unlink()
    assert main(["init", str(folder)]) == 0
    drafted = tomllib.loads((folder / "park.toml").read_text())
    assert drafted["layers"]["boundary"] == "boundary.geojson"
    assert drafted["layers"]["incidents"] == "incidents.csv"
    assert drafted["layers"]["patrols"] == "patrols.gpx"
    assert drafted["layers"]["posts"] == "posts.gpkg"
    assert drafted["layers"]["rasters"]["landcover"]["categorical"] is True
    capsys.readouterr()
    (folder / "park.toml").write_text("# mine\n" + (folder / "park.toml").read_text())
    before = (folder / "park.toml").read_text()
    assert main(["init", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "already exists" in out and "park.draft.toml" in out
    assert (folder / "park.toml").read_text() == before
    assert (folder / "park.draft.toml").exists()
    # the drafted park loads
    assert main(["check", str(folder)]) == 0


def test_init_on_a_missing_folder_fails_cleanly(tmp_path, capsys):
    assert main(["init", str(tmp_path / "nope")]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_module_entry_point(tmp_path):
    folder = pf.make_park(tmp_path)
    run = subprocess.run(
        [sys.executable, "-m", "layers", "check", str(folder)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert "OK: no fatal problem." in run.stdout
