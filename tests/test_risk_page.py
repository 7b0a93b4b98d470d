"""The Risk page's validation: the effort-conditional table first, then the raw table, and the coverage sentence."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

EVALUATION = {
    "horizon": ["2026-08", "2026-09"],
    "train_until": "2026-07-31",
    "effort_conditional": {
        "effort-aware": {
            "auc": 0.71,
            "deviance": 0.30,
            "capture_top10pct_km": 0.25,
            "lift_top10pct_km": 2.5,
            "patrolled_cells": 900,
            "km": 4200.0,
            "finds": 60.0,
        },
        "kde": {
            "auc": 0.62,
            "deviance": 0.34,
            "capture_top10pct_km": 0.15,
            "lift_top10pct_km": 1.5,
            "patrolled_cells": 900,
            "km": 4200.0,
            "finds": 60.0,
        },
    },  # fmt: skip
    "found": {"effort-aware": {"auc": 0.7, "capture_top10pct": 0.3}, "kde": {"auc": 0.75, "capture_top10pct": 0.4}},
    "truth": None,
    "interval_coverage": {
        "50%": 0.47,
        "90%": 0.86,
        "searched": {"mean_log_sd": 0.96},
        "unsearched": {"mean_log_sd": 1.01},
    },  # fmt: skip
}


def test_effort_conditional_table_from_an_evaluation():
    from ui import riskview

    t = riskview.effort_conditional_table(EVALUATION)
    assert list(t["model"]) == ["effort-aware", "kde"]
    assert t.loc[0, "finds in the map's top 10 % of km walked (%)"] == pytest.approx(25.0)
    assert t.loc[1, "AUC of expected finds (0-1)"] == pytest.approx(0.62)
    assert riskview.effort_conditional_table({}).empty


def test_coverage_sentence_states_both_intervals_and_where_nobody_walked():
    from ui import riskview

    text = riskview.coverage_sentence(EVALUATION)
    assert "47 %" in text and "86 %" in text and "1.01" in text and "0.96" in text
    assert riskview.coverage_sentence({"interval_coverage": None}) == ""


def _page(evaluation):
    from ui import riskview

    riskview.show_evaluation(evaluation, model="effort-aware")


def test_the_effort_conditional_table_comes_first_with_why_the_raw_table_misleads():
    at = AppTest.from_function(_page, args=(EVALUATION,), default_timeout=60).run()
    assert not at.exception
    assert "Expected finds given the effort walked" in at.markdown[1].value
    first = at.dataframe[0].value
    assert "AUC of expected finds (0-1)" in first.columns and list(first["model"]) == ["effort-aware", "kde"]
    assert "vs found incidents: ranking skill (AUC, 0.5 = chance, 1 = perfect)" in at.dataframe[1].value.columns
    captions = [c.value for c in at.caption]
    assert any("redraws the patrol routes" in c for c in captions)
    assert any("50 % interval" in c for c in captions)
