"""The batch runner on a two-worker LocalCluster over tiny parks (two good, one broken)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
import rasterio

from batch.defaults import COL_AUC, COL_ERROR, COL_FILES, COL_PARK, COL_REPORT, COL_STATUS, RECORD_FILE
from batch.fingerprint import park_fingerprint
from batch.runner import batch_options, connect, find_parks, run_batch
from batch.task import run_park

TRAIN_UNTIL = "2026-09-30"  # the tiny parks' data end 2026-10-31: October scores the map


@pytest.fixture(scope="module")
def parks(tmp_path_factory):
    from simulator.batch import generate_parks

    root = tmp_path_factory.mktemp("parks")
    generate_parks(root, 2, seed=3, area_km2=(200.0, 250.0), cell_size_m=(1000.0, 1000.0), months=(13, 13))
    broken = root / "park-03"
    shutil.copytree(root / "park-02", broken, ignore=shutil.ignore_patterns("truth", "boundary.geojson"))
    return root


@pytest.fixture(scope="module")
def client():
    c = connect(workers=2, memory_limit="1GB")
    yield c
    cluster = c.cluster
    c.close()
    cluster.close()


@pytest.fixture(scope="module")
def first_run(parks, client, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    seen = []
    summary = run_batch(
        parks, out, batch_options(TRAIN_UNTIL, report=True), client=client, report=lambda d, n, r: seen.append(r)
    )
    return out, summary, seen


def test_good_parks_have_their_outputs_and_the_broken_one_its_error(first_run):
    out, summary, seen = first_run
    assert list(summary[COL_PARK]) == ["park-01", "park-02", "park-03"]
    assert len(seen) == 3
    status = dict(zip(summary[COL_PARK], summary[COL_STATUS]))
    assert status == {"park-01": "done", "park-02": "done", "park-03": "failed"}
    broken = summary.set_index(COL_PARK).loc["park-03"]
    assert "boundary" in broken[COL_ERROR]
    for name in ("park-01", "park-02"):
        row = summary.set_index(COL_PARK).loc[name]
        files = row[COL_FILES].split(";")
        assert f"{name}/risk.tif" in files and all((out / f).exists() for f in files)
        assert 0.0 <= row[COL_AUC] <= 1.0
        assert row[COL_REPORT] in ("written", "not available")
    on_disk = pd.read_csv(out / "summary.csv")
    assert list(on_disk[COL_STATUS]) == list(summary[COL_STATUS])


def test_a_rerun_does_nothing_and_a_changed_park_runs_again(first_run, parks, client):
    out, _, _ = first_run
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*.tif")}
    again = run_batch(parks, out, batch_options(TRAIN_UNTIL, report=True), client=client)
    assert list(again[COL_STATUS]) == ["unchanged", "unchanged", "failed"]
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*.tif")} == before
    record = json.loads((out / "park-01" / RECORD_FILE).read_text())
    other = batch_options("2026-08-31", report=True)
    assert park_fingerprint(parks / "park-01", other, ("layers",)) != park_fingerprint(
        parks / "park-01", record["options"], ("layers",)
    )


def test_the_batch_map_is_the_one_riskmodel_fit_writes(first_run, parks, tmp_path):
    from riskmodel.cli import main as riskmodel_main

    out, _, _ = first_run
    alone = tmp_path / "alone.tif"
    assert riskmodel_main(["fit", str(parks / "park-01"), "--train-until", TRAIN_UNTIL, "--out", str(alone)]) == 0
    for suffix in ("", "_uncertainty", "_classes", "_unsearched"):
        with (
            rasterio.open(out / "park-01" / f"risk{suffix}.tif") as a,
            rasterio.open(tmp_path / f"alone{suffix}.tif") as b,
        ):
            assert a.transform == b.transform and a.crs == b.crs
            np.testing.assert_allclose(a.read(), b.read(), rtol=1e-6, equal_nan=True)


def test_find_parks_and_options_refuse_bad_input(tmp_path, parks):
    from batch.errors import BatchError

    with pytest.raises(BatchError, match="no park folder"):
        find_parks(tmp_path)
    with pytest.raises(BatchError, match="YYYY-MM-DD"):
        batch_options("30/09/2026")
    with pytest.raises(BatchError, match="inside the park folder"):
        run_batch(parks, parks / "park-01" / "out", batch_options(TRAIN_UNTIL))


def test_run_park_reports_a_broken_park_without_raising(parks, tmp_path):
    row = run_park(parks / "park-03", tmp_path, batch_options(TRAIN_UNTIL))
    assert row[COL_STATUS] == "failed" and row[COL_ERROR]
    assert not (tmp_path / "park-03" / RECORD_FILE).exists()


def test_nothing_imports_batch():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    users = [
        str(p.relative_to(root))
        for pkg in ("layers", "riskmodel", "patrols", "simulator", "ui")
        for p in (root / pkg).rglob("*.py")
        if "import batch" in p.read_text() or "from batch" in p.read_text()
    ]
    assert users == []
