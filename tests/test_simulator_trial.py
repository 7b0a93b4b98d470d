"""The simulated field trial (simulator.trial): its bookkeeping on a tiny demo park."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from layers.defaults import detection_probability
from simulator import generate_demo_park
from simulator.errors import SettingsError
from simulator.trial import HISTORY, TrialData, draw_finds, run_trial, summarise


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return generate_demo_park(
        tmp_path_factory.mktemp("trial") / "park", seed=3, area_km2=120, cell_size_m=1000, months=15
    )


class RecordingFit:
    """A stand-in risk model: the true-ish level everywhere, recording what data each fit saw."""

    def __init__(self):
        self.seen = []

    def __call__(self, arrays, month):
        self.seen.append((month, arrays.periods[-1], arrays.km.shape[0], float(arrays.counts.sum())))
        shape = arrays.grid.shape
        mask = arrays.grid.mask
        # more risk where more was found so far: the plan arm and the history arm then differ
        found = arrays.counts.sum(axis=0).astype(float)
        risk = np.where(mask, 0.02 + 0.1 * found / max(found.max(), 1.0), np.nan)
        return SimpleNamespace(risk=risk, uncertainty=np.full(shape, 0.01), unsearched=None)


def test_trial_bookkeeping_uses_no_future_data(tiny, tmp_path):
    fit = RecordingFit()
    table = run_trial(tiny, months=2, explore=[0.0], fit=fit, work=tmp_path / "work", seed=1)
    assert list(table["arm"]) == [HISTORY, "plan (explore 0)"] * 2
    assert list(table["month"]) == ["2026-09", "2026-09", "2026-10", "2026-10"]
    # every fit for a month saw data up to the month before, never that month or later
    for month, last, n, _ in fit.seen:
        assert last == month - 1 and n == 13 + (month == pd.Period("2026-10", "M"))
    # the second month's fit of each arm saw the first month's finds added, once
    first = {(m, i): c for i, (m, _, _, c) in enumerate(fit.seen)}
    sept, octo = pd.Period("2026-09", "M"), pd.Period("2026-10", "M")
    found_sept = table[table["month"] == "2026-09"].set_index("arm")["found"]
    assert first[octo, 2] - first[sept, 0] == found_sept[HISTORY]
    assert first[octo, 3] - first[sept, 1] == found_sept["plan (explore 0)"]
    # the finds and routes are written to the work folder, never to the park
    finds = pd.concat(pd.read_csv(p) for p in sorted((tmp_path / "work").rglob("finds.csv")))
    assert len(finds) == table["found"].sum()
    for arm_dir in (tmp_path / "work").iterdir():
        if arm_dir.is_dir():
            ids = pd.concat(pd.read_csv(p) for p in arm_dir.rglob("finds.csv"))["attack"]
            assert ids.is_unique  # an attack is found at most once per arm
    routes = json.loads(next((tmp_path / "work").rglob("routes.geojson")).read_text())
    assert routes["features"] and routes["features"][0]["geometry"]["type"] == "LineString"
    assert not any(p.name in ("trial.csv", "finds.csv") for p in Path(tiny).rglob("*"))
    # the plan arm walks about the km of the historical one (patrols of 20 km on as many days)
    km = table.set_index(["month", "arm"])["km"]
    assert 0.5 < km["2026-09", "plan (explore 0)"] / km["2026-09", HISTORY] < 1.5
    summary = summarise(table).set_index("arm")
    assert summary.loc[HISTORY, "vs_historical"] == pytest.approx(1.0)
    assert summary.loc[HISTORY, "found"] == table[table["arm"] == HISTORY]["found"].sum()


def test_trial_data_adds_each_attack_once_and_the_km():
    @dataclasses.dataclass
    class Arr:
        km: np.ndarray
        counts: np.ndarray
        periods: pd.PeriodIndex

    data = TrialData(
        Arr(np.zeros((2, 2, 2)), np.zeros((2, 2, 2), int), pd.period_range("2024-01", periods=2, freq="M"))
    )
    found = pd.DataFrame({"attack": ["A1", "A2", "A2"], "cell": [0, 3, 3]})
    data.add(np.ones((2, 2)), found, (2, 2))
    data.add(np.ones((2, 2)), pd.DataFrame({"attack": ["A1"], "cell": [0]}), (2, 2))  # already found
    arr = data.upto()
    assert arr.km.shape == (4, 2, 2) and arr.km[2:].sum() == 8.0
    assert arr.counts[2].tolist() == [[1, 0], [0, 1]] and arr.counts[3].sum() == 0
    assert list(arr.periods.astype(str)) == ["2024-01", "2024-02", "2024-03", "2024-04"]


def test_draw_finds_follows_the_detection_model():
    rng = np.random.default_rng(0)
    attacks = pd.DataFrame({"attack": np.arange(20_000), "cell": np.repeat([0, 1], 10_000)})
    km = np.array([[0.0, 5.0]])
    found = draw_finds(attacks, km, 1.0, 0.15, rng.random(len(attacks)))
    assert (found["cell"] == 0).sum() == 0
    p = float(detection_probability(5.0, 1.0, 0.15))
    assert (found["cell"] == 1).mean() == 1.0 and abs(len(found) / 10_000 - p) < 0.02


def test_trial_refuses_bad_settings(tiny, tmp_path):
    with pytest.raises(SettingsError, match="truth"):
        run_trial(tmp_path, months=2)
    with pytest.raises(SettingsError, match="months"):
        run_trial(tiny, months=0)
    with pytest.raises(SettingsError, match="outside the park"):
        run_trial(tiny, months=1, work=Path(tiny) / "trial")
    with pytest.raises(SettingsError, match="records before the trial"):
        run_trial(tiny, months=6, fit=RecordingFit())
