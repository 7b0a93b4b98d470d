"""The model comparison's bar moves through the explanations: each shuffled factor and each partial dependence."""

from __future__ import annotations

from simarrays import sim_arrays

from riskmodel import evaluation as E
from simulator.arrays import simulate_park


def test_explanations_report_each_factor_and_the_bar_never_moves_back():
    sim = simulate_park(rows=16, cols=20, months=12, seed=3, attacks_per_month=80)
    arr = sim_arrays(sim)
    seen = []
    fast = {"n_members": 2, "max_iter": 40}
    ev = E.evaluate(
        None,
        str(sim.periods[8].end_time.date()),
        2,
        arrays=arr,
        settings={"effort-aware": fast, "effort-blind": {"max_iter": 20}},
        progress=lambda f, m: seen.append((f, m)),
    )
    shuffles = [(f, m) for f, m in seen if "shuffling" in m]
    assert len(shuffles) == len(ev.importance) > 1, "one step per factor"
    assert len([m for _, m in seen if m.startswith("how ") and " of " in m]) == len(ev.partial_dependence)
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions), "the bar never moves back"
    assert shuffles[0][0] < shuffles[-1][0]
