"""Risk surfaces, their COG outputs, the hold-out evaluation and the truth reader."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from simarrays import sim_arrays, sim_grid

from layers.grid import Grid
from riskmodel import evaluation as E
from riskmodel import surface as S
from riskmodel.errors import NotEnoughDataError, RiskModelError, TruthError
from riskmodel.shrinkage import unsearched_weight
from riskmodel.truth import read_truth
from simulator.arrays import simulate_park

CRS = "EPSG:32736"


def _write_truth(folder, grid, sim):
    truth = folder / "truth"
    truth.mkdir(parents=True)
    labels = [str(p) for p in sim.periods]
    (truth / "truth.json").write_text(
        json.dumps({"behaviour": "road-avoiding", "periods": labels, "crs": grid.crs.to_wkt(), "cell_size_m": 500})
    )
    grid.write_geotiff(truth / "intensity.tif", sim.intensity, names=labels)
    t, r, c = np.nonzero(sim.attacks)
    n = sim.attacks[t, r, c]
    t, r, c = np.repeat(t, n), np.repeat(r, n), np.repeat(c, n)
    x, y = grid.xy(r, c)
    times = sim.periods[t].start_time + pd.Timedelta(days=10)
    pd.DataFrame({"attack_id": np.arange(len(t)), "time": times.strftime("%Y-%m-%dT%H:%M:%SZ"), "x": x, "y": y,
                  "type": "snare", "found": False}).to_csv(truth / "attacks.csv", index=False)  # fmt: skip


@pytest.fixture(scope="module")
def arrays(tmp_path_factory):
    sim = simulate_park(rows=24, cols=30, months=18, seed=2, attacks_per_month=120)
    folder = tmp_path_factory.mktemp("park")
    _write_truth(folder, sim_grid(sim), sim)
    arr = sim_arrays(sim, folder)
    return arr, sim


def test_n_train_counts_complete_months(arrays):
    arr, _ = arrays
    assert arr.n_train("2023-06-30") == 6
    assert arr.n_train("2023-07-15") == 6
    assert arr.n_train("2023-07-31") == 7


def test_fit_risk_and_write(arrays, tmp_path):
    arr, sim = arrays
    surf = S.fit_risk(None, "2024-03-31", 3, arrays=arr)
    inside = surf.risk[sim.mask]
    assert np.isfinite(inside).all() and (inside > 0).all() and (inside < 1).all()
    assert np.isnan(surf.risk[~sim.mask]).all()
    assert surf.period_range == ("2024-04", "2024-06")
    assert np.isfinite(surf.uncertainty[sim.mask]).all()
    # where nobody looked: the history-free model's weight, 0-1 inside, NaN outside
    w = unsearched_weight(arr.km[: arr.n_train("2024-03-31")], sim.mask, arr.cell_size_m, surf.meta["sweep_km"])
    np.testing.assert_allclose(surf.unsearched[sim.mask], w[sim.mask], rtol=1e-6)
    assert np.isnan(surf.unsearched[~sim.mask]).all()
    assert S.fit_risk(None, "2024-03-31", 1, model="kde", arrays=arr).unsearched is None
    # classes: shares of the park's area
    n = sim.mask.sum()
    shares = [(surf.classes[sim.mask] == k).sum() / n for k in (1, 2, 3, 4)]
    np.testing.assert_allclose(shares, [0.05, 0.05, 0.15, 0.75], atol=1.5 / n)
    assert (surf.classes[~sim.mask] == 0).all()
    # class 1 holds the riskiest cells
    assert inside[surf.classes[sim.mask] == 1].min() >= inside[surf.classes[sim.mask] == 4].max()
    paths = surf.write(tmp_path / "risk.tif")
    names = sorted(p.name for p in paths)
    assert names == ["risk.json", "risk.tif", "risk_classes.tif", "risk_uncertainty.tif", "risk_unsearched.tif"]
    with rasterio.open(tmp_path / "risk.tif") as src:
        assert src.crs.to_epsg() == 32736
        assert src.nodata == -9999
        data = src.read(1, masked=True)
        assert data.mask[~sim.mask].all() and not data.mask[sim.mask].any()
        np.testing.assert_allclose(data.data[sim.mask], inside, rtol=1e-6)
    with rasterio.open(tmp_path / "risk_classes.tif") as src:
        assert src.read(1)[~sim.mask].tolist() == [0] * int((~sim.mask).sum())
    with rasterio.open(tmp_path / "risk_unsearched.tif") as src:
        data = src.read(1, masked=True)
        assert data.mask[~sim.mask].all() and not data.mask[sim.mask].any()
        np.testing.assert_allclose(data.data[sim.mask], surf.unsearched[sim.mask], rtol=1e-6)
        assert "no patrol nearby in 12 months" in src.descriptions[0]


def test_risk_classes_known_answer():
    risk = np.arange(20, dtype=float).reshape(4, 5)
    mask = np.ones((4, 5), bool)
    cls = S.risk_classes(risk, mask)
    assert cls.ravel()[::-1].tolist() == [1] + [2] + [3] * 3 + [4] * 15


def test_truth_reader(arrays):
    arr, sim = arrays
    truth = read_truth(arr.folder, arr.grid)
    assert truth.behaviour == "road-avoiding"
    p = sim.periods[5:8]
    np.testing.assert_allclose(truth.intensity_sum(p), sim.intensity[5:8].sum(0), rtol=1e-5)
    np.testing.assert_array_equal(truth.attack_counts(p, sim.mask.shape), sim.attacks[5:8].sum(0))
    assert truth.attack_counts(p, sim.mask.shape, types=("arrest",)).sum() == 0
    other = Grid(transform=Affine(250, 0, 300000, 0, -250, 8000000), shape=(48, 60), crs=CRS)
    with pytest.raises(TruthError, match="does not match"):
        read_truth(arr.folder, other)


def test_evaluate_against_truth(arrays):
    arr, _ = arrays
    fast = {"n_members": 2, "max_iter": 60}
    ev = E.evaluate(
        None, "2024-03-31", 3, arrays=arr, settings={"effort-aware": fast, "effort-blind": {"max_iter": 30}}
    )
    d = json.loads(ev.to_json())
    assert d["horizon"] == ["2024-04", "2024-05", "2024-06"]
    assert set(d["found"]) == {"effort-aware", "effort-blind", "kde"}
    assert set(d["truth"]) == {"effort-aware", "effort-blind", "kde", "bayes_limit"}
    lim = d["truth"]["bayes_limit"]
    assert 0.5 < lim["auc"] <= 1
    ratio = d["ratio_to_bayes_limit"]["effort-aware"]
    assert ratio["auc"] == pytest.approx(d["truth"]["effort-aware"]["auc"] / lim["auc"])
    # with patrols kept near the road, the effort-aware model ranks the truth best
    assert d["truth"]["effort-aware"]["auc"] > max(d["truth"]["kde"]["auc"], d["truth"]["effort-blind"]["auc"])
    assert len(d["truth"]["effort-aware"]["calibration"]) == 10
    assert d["importance"] and {"feature", "importance"} <= set(d["importance"][0])
    assert d["partial_dependence"]


def test_not_enough_data(arrays):
    arr, _ = arrays
    with pytest.raises(NotEnoughDataError, match="choose a later"):
        S.fit_risk(None, "2023-03-31", 1, arrays=arr)
    with pytest.raises(NotEnoughDataError, match="choose an earlier"):
        E.evaluate(None, "2024-06-30", 3, arrays=arr)


def test_table_memory_is_checked_before_the_fit(arrays, monkeypatch):
    from riskmodel.guards import check_table_memory, memory_limit_bytes, table_bytes

    arr, _ = arrays
    n = arr.n_train("2024-03-31")
    rows, cols, need = table_bytes(arr, n)
    assert rows == int(arr.mask.sum()) * (n - 3) and need > rows * cols * 4  # float32 values and the copies
    check_table_memory(arr, n, limit_bytes=need * 1.01)
    with pytest.raises(RiskModelError, match=r"rows \(cells x months\).*Fix: a coarser cell_size_m"):
        check_table_memory(arr, n, limit_bytes=need * 0.99)
    monkeypatch.setenv("RISK_MAX_TABLE_GB", str(need * 0.5 / 1e9))
    assert memory_limit_bytes() == pytest.approx(need * 0.5)
    with pytest.raises(RiskModelError, match="RISK_MAX_TABLE_GB"):  # fit_risk stops before building the table
        S.fit_risk(None, "2024-03-31", 1, arrays=arr)
    monkeypatch.setenv("RISK_MAX_TABLE_GB", "lots")
    with pytest.raises(RiskModelError, match="not a number"):
        memory_limit_bytes()


def test_cli_reports_errors_without_traceback(tmp_path, capsys):
    from riskmodel.cli import main

    code = main(["fit", str(tmp_path / "nowhere"), "--train-until", "2024-01-31", "--out", str(tmp_path / "r.tif")])
    assert code == 2
    assert "error:" in capsys.readouterr().err
    code = main(["evaluate", str(tmp_path), "--train-until", "2024-01-31", "--types", "snare,unicorn"])
    assert code == 2
    assert "unicorn" in capsys.readouterr().err


def test_no_effort_is_a_clear_error(arrays):
    arr, _ = arrays
    blind = S.ParkArrays(**{**arr.__dict__, "km": np.zeros_like(arr.km), "folder": None})
    with pytest.raises(NotEnoughDataError, match="no patrol effort"):
        S.fit_risk(None, "2024-03-31", 1, arrays=blind)
    # the hot-spot baseline needs no effort
    assert np.isfinite(S.fit_risk(None, "2024-03-31", 1, model="kde", arrays=blind).risk[arr.mask]).all()


def test_park_arrays_keep_categorical_covariates(tmp_path):
    from parkfiles import make_park

    from riskmodel.table import build_table

    arr = S.park_arrays(make_park(tmp_path / "park"))
    assert arr.categorical == ("landcover",)
    table = build_table(
        arr.covariates, arr.names, arr.km, arr.counts, arr.mask, arr.periods,
        cell_size_m=arr.cell_size_m, start=0, categorical=arr.categorical,
    )  # fmt: skip
    lc = [c for c in table.X.columns if c.startswith("landcover_")]
    assert "landcover" not in table.X.columns and len(lc) >= 2
    inside = table.X[lc].dropna()
    assert set(np.unique(inside.to_numpy())) <= {0.0, 1.0}
    assert (inside.sum(axis=1) <= 1).all()  # one class per cell at most


def test_history_free_model_takes_over_where_nobody_searched(arrays, monkeypatch):
    """The map blends log-intensities: the full model's where searched, the history-free one's elsewhere."""
    arr, _ = arrays
    km, counts = arr.km.copy(), arr.counts.copy()
    km[:, :, 20:] = 0  # nobody ever walked the east of the park, so nothing was found there
    counts[:, :, 20:] = 0
    arr = dataclasses.replace(arr, km=km, counts=counts)
    n = arr.n_train("2024-03-31")
    one = {"n_members": 1}  # one member: the blend of the means is the blend of the members
    monkeypatch.setattr(S, "OUTPUT_SMOOTH_KM", 0.0)
    blended, _, est, _, _, meta = S.fit_predict(arr, n, 2, settings=one)
    monkeypatch.setattr(S, "HISTORY_FREE_BLEND", False)
    full, *_ = S.fit_predict(arr, n, 2, settings=one)
    monkeypatch.setattr(S, "SHRINK", False)
    free_settings = {**one, "exclude_columns": S._without_found_history(est.exclude_columns)}
    free, _, free_est, *_ = S.fit_predict(arr, n, 2, settings=free_settings)
    names = list(free_est.feature_names_in_)
    assert not any(names[j].startswith("found") for j in free_est.use_)  # no past finds among its predictors
    assert any(names[j].startswith("effort") for j in free_est.use_)  # past effort stays
    w = unsearched_weight(arr.km[:n], arr.mask, arr.cell_size_m, est.sweep_km_)[arr.mask]
    assert w.min() < 0.01 and w.max() > 0.99
    lam = [-np.log1p(-r[arr.mask].astype(float)) for r in (blended, full, free)]
    np.testing.assert_allclose(np.log(lam[0]), (1 - w) * np.log(lam[1]) + w * np.log(lam[2]), atol=1e-4)
    far = w > 0.99
    assert not np.allclose(lam[1][far], lam[2][far], rtol=0.05)  # the two models do differ there
    assert meta["history_free_blend"]["mean_weight"] == pytest.approx(w.mean(), rel=1e-6)


def test_history_free_exclusions_keep_the_callers():
    out = S._without_found_history(("effort_km", 3))
    assert out[:2] == ("effort_km", 3)
    assert "found_rate_cell" in out and "found_lag1" in out
    assert not any(str(c).startswith("effort_near") for c in out)
    assert S._without_found_history("effort_km")[0] == "effort_km"


def test_history_free_model_is_skipped_where_every_cell_was_searched(arrays):
    arr, _ = arrays
    arr = dataclasses.replace(arr, km=arr.km + np.float32(40.0))  # 40 km in every cell every month
    *_, meta = S.fit_predict(arr, arr.n_train("2024-03-31"), 1, settings={"n_members": 1})
    assert "skipped" in meta["history_free_blend"]
