"""Progress that moves: the model comparison reports every step of every fit, never going back."""

from __future__ import annotations

import numpy as np
from simarrays import sim_arrays

from riskmodel import evaluation as E
from simulator.arrays import simulate_park


def test_the_comparison_bar_moves_through_each_fit():
    sim = simulate_park(rows=16, cols=20, months=15, seed=4, attacks_per_month=80)
    arr = sim_arrays(sim)
    seen: list[tuple[float, str]] = []
    fast = {"effort-aware": {"n_members": 2, "max_iter": 40}, "effort-blind": {"max_iter": 20}}
    E.evaluate(None, str(sim.periods[-3].end_time.date()), 2, arrays=arr, settings=fast,
               progress=lambda f, m: seen.append((f, m)))  # fmt: skip
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions), "the bar never moves back"
    messages = " | ".join(m for _, m in seen)
    for step in ("training table", "bootstrap members", "history-free", "predicting", "permutation importance"):
        assert step in messages, step
    # no stretch of the bar is left without a step: the largest jump is well under the effort-aware share
    assert np.max(np.diff(fractions)) < 0.3
    assert fractions[-1] == 1.0
