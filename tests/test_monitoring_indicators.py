"""Indicators of a tiny register built in code equal the figures worked out by hand (tests/monitoring_data.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from monitoring_data import tiny_cases, tiny_fixes, tiny_incidents, tiny_posts

from monitoring.effort import steps_from_arrays
from monitoring.indicators import compute_indicators, indicator_value
from monitoring.register import carcass_flags, read_case_table, register_from_frames

Z95 = 1.959963984540054


def wilson_by_hand(k: int, n: int) -> tuple[float, float]:
    p = k / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 / (1 + Z95**2 / n) * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n))
    return centre - half, centre + half


@pytest.fixture(scope="module")
def register():
    return register_from_frames(tiny_incidents(), tiny_cases(), posts=tiny_posts(), name="Tiny")


@pytest.fixture(scope="module")
def table(register):
    seg, t, x, y = tiny_fixes()
    steps = steps_from_arrays(seg, t, x, y, section_codes=register.section_codes)
    return compute_indicators(register, steps, "month", end="2024-04-30")


def test_register_columns_found_and_normalised(register):
    inc = register.incidents
    assert list(inc["incident_id"]) == [f"I{i}" for i in range(1, 11)]
    assert list(inc["section"]) == ["A"] * 5 + ["B"] * 5
    assert inc.loc[4, "item"] == "ivory" and inc.loc[4, "case_ref"] == "CR-1"
    assert list(inc["people"].iloc[[3, 8, 9]]) == [3.0, 2.0, 1.0]  # the arrest without a number counts one
    assert list(inc["cause"].iloc[[2, 5, 6]]) == ["illegal", "natural", "illegal"]
    elephant, illegal = carcass_flags(inc)
    assert list(np.flatnonzero(elephant)) == [2, 5, 6] and list(np.flatnonzero(illegal)) == [2, 6]


def test_effort_and_cpue_by_hand(table):
    v = lambda ind, per="2024-01", sec="all", b="": indicator_value(table, ind, per, sec, b)  # noqa: E731
    assert v("patrol_km") == pytest.approx(15.0)
    assert v("patrols") == 2 and v("patrol_days") == 2
    assert v("patrol_hours") == pytest.approx(3.75)
    # January finds: 2 snares + 1 elephant carcass (the carcass type is no attack) = 3
    assert v("incidents", b="type=snare") == 2 and v("incidents", b="type=carcass") == 2
    assert v("cpue_100km", b="type=finds") == pytest.approx(3 / 0.15)
    assert v("cpue_patrol_day", b="type=finds") == pytest.approx(1.5)
    assert v("cpue_hour", b="type=finds") == pytest.approx(3 / 3.75)
    # per section: all January effort and finds were near A
    assert v("patrol_km", sec="A") == pytest.approx(15.0) and v("patrol_km", sec="B") == 0
    assert v("cpue_100km", sec="A", b="type=finds") == pytest.approx(20.0)
    assert v("patrol_km", "2024-02", "B") == pytest.approx(4.0)
    assert v("cpue_100km", "2024-02", "B", "type=snare") == pytest.approx(25.0)
    assert math.isnan(v("cpue_100km", "2024-03", b="type=finds"))  # no effort, no rate


def test_pike_and_its_wilson_interval(table):
    row = table[(table.indicator == "pike") & (table.period == "2024-01") & (table.section == "all")].iloc[0]
    assert (row.numerator, row.denominator) == (2, 3)
    assert row.value == pytest.approx(2 / 3)
    lo, hi = wilson_by_hand(2, 3)
    assert (row.lower, row.upper) == (pytest.approx(lo), pytest.approx(hi))
    b = table[(table.indicator == "pike") & (table.period == "2024-01") & (table.section == "B")].iloc[0]
    assert (b.numerator, b.denominator, b.value) == (1, 2, 0.5)


def test_seizures_arrests_and_cases(table):
    v = lambda ind, per="2024-01", b="": indicator_value(table, ind, per, "all", b)  # noqa: E731
    assert v("seizures", b="item=ivory") == 1
    assert v("seized_quantity", b="item=ivory;unit=kg") == pytest.approx(12.5)
    assert v("arrests") == 1 and v("people_arrested") == 3
    assert v("arrests", "2024-02") == 2 and v("people_arrested", "2024-02") == 3
    assert v("cases_opened") == 1 and v("cases_opened", "2024-02") == 2
    assert v("case_outcomes", "2024-04", "outcome=convicted") == 1
    assert v("case_outcomes", "2024-04", "outcome=withdrawn") == 1


def test_conviction_rate_and_median_days_to_verdict(table):
    rate = table[(table.indicator == "conviction_rate") & (table.period == "2024-04") & (table.section == "all")]
    row = rate.iloc[0]
    assert (row.numerator, row.denominator) == (1, 3)  # 1 conviction of 3 closed cases (one withdrawn)
    lo, hi = wilson_by_hand(1, 3)
    assert row.value == pytest.approx(1 / 3) and row.lower == pytest.approx(lo) and row.upper == pytest.approx(hi)
    # CR-1: arrest 8 Jan -> convicted 9 Apr 2024 = 23 + 29 + 31 + 9 = 92 days; CR-2: 4 Feb -> 20 Apr = 76 days
    days = table[(table.indicator == "days_to_verdict") & (table.period == "2024-04") & (table.section == "all")]
    assert days.iloc[0].value == pytest.approx((92 + 76) / 2) and days.iloc[0].denominator == 2


def test_case_summary(register):
    s = register.case_summary().set_index("case_ref")
    assert list(s["status"]) == ["convicted", "acquitted", "withdrawn"]
    assert s.loc["CR-1", "sentence"] == "5 years" and s.loc["CR-1", "items"] == "ivory"
    assert s.loc["CR-1", "days_to_verdict"] == pytest.approx(92) and np.isnan(s.loc["CR-3", "days_to_verdict"])


def test_quarter_and_year_sum_the_months(register):
    seg, t, x, y = tiny_fixes()
    steps = steps_from_arrays(seg, t, x, y, section_codes=register.section_codes)
    months = compute_indicators(register, steps, "month", end="2024-12-31")
    quarters = compute_indicators(register, steps, "quarter", end="2024-12-31")
    for ind, b in (("patrol_km", ""), ("incidents", "type=snare"), ("people_arrested", "")):
        m = months[(months.indicator == ind) & (months.breakdown == b) & (months.section == "all")]
        q = indicator_value(quarters, ind, "2024Q1", "all", b)
        assert q == pytest.approx(m[m.period.isin(["2024-01", "2024-02", "2024-03"])].value.sum())
    q = quarters[(quarters.indicator == "pike") & (quarters.period == "2024Q1") & (quarters.section == "all")]
    assert (q.numerator.iloc[0], q.denominator.iloc[0]) == (2, 3)


def test_schema(table):
    from monitoring.defaults import INDICATOR_COLUMNS

    assert tuple(table.columns) == INDICATOR_COLUMNS
    assert set(table.period) == {"2024-01", "2024-02", "2024-03", "2024-04"}
    assert not table.duplicated(["period", "section", "indicator", "breakdown"]).any()


def test_case_table_bad_rows_reported_rest_loaded(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text(
        "Case No,Stage,Date,Sentence,Notes\nCR-1,Opened,2024-01-10,,\nCR-1,Convicted,not a date,,\n"
        "CR-2,lunch,2024-02-02,,\nCR-2,Registered,2024-02-01,,\n",
        encoding="utf-8",
    )
    from layers.report import LoadReport

    report = LoadReport()
    cases = read_case_table(path, {"case_ref": "Case No"}, report)
    assert list(cases["event"]) == ["opened", "opened"]
    rows = sorted(p.row for p in report.problems if p.row is not None)
    assert rows == [3, 4]
    assert all("cases.csv" in str(p.file) for p in report.problems)


def test_sections_layer_wins_over_posts():
    import geopandas as gpd
    from shapely.geometry import box

    sections = gpd.GeoDataFrame({"name": ["North", "South"]}, geometry=[box(-1, 600, 20_000, 5000),
                                                                     box(-1, -5000, 20_000, 600)], crs="EPSG:32736")  # fmt: skip
    reg = register_from_frames(tiny_incidents(), tiny_cases(), sections=sections, posts=tiny_posts())
    assert reg.section_kind == "sections"
    assert list(reg.incidents["section"]) == ["South", "North", "North", "North", "North", "South", "North",
                                              "South", "South", "South"]  # fmt: skip


def test_unknown_period_is_an_error(register):
    from monitoring.errors import MonitoringError

    with pytest.raises(MonitoringError, match="unknown period"):
        compute_indicators(register, None, "fortnight")


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(1, 40))
def test_sections_add_up_to_the_park_and_intervals_hold_the_value(seed, n):
    """With posts as sections every incident has one: per-section counts sum to the park-wide count."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    rng = np.random.default_rng(seed)
    types = rng.choice(["snare", "elephant_carcass", "carcass", "arrest", "seizure"], n)
    inc = gpd.GeoDataFrame(
        {
            "time": pd.to_datetime("2024-01-01", utc=True) + pd.to_timedelta(rng.integers(0, 300, n), unit="D"),
            "type": types,
            "type_raw": types,
            "species": np.where(types == "carcass", "elephant", None),
            "cause": np.where(types == "carcass", rng.choice(["natural", "illegal"], n), None),
        },
        geometry=shapely.points(rng.uniform(-5000, 15_000, n), rng.uniform(-5000, 5000, n)),
        crs="EPSG:32736",
    )
    reg = register_from_frames(inc, None, posts=tiny_posts())
    table = compute_indicators(reg, None, "quarter")
    counts = table[table.indicator.isin(["incidents", "carcasses"])]
    total = counts[counts.section == "all"].set_index(["period", "indicator", "breakdown"])["value"]
    parts = counts[counts.section != "all"].groupby(["period", "indicator", "breakdown"])["value"].sum()
    assert parts.reindex(total.index).to_numpy() == pytest.approx(total.to_numpy())
    assert total.xs("incidents", level="indicator").sum() == n
    pike = table[(table.indicator == "pike") & (table.denominator > 0)]
    assert ((pike.lower <= pike.value + 1e-12) & (pike.value <= pike.upper + 1e-12)).all()


def test_key_figures_against_the_previous_month(table):
    from monitoring.report import key_figures

    k = key_figures(table, "2024-02").set_index("figure")
    assert (k.loc["Patrol distance", "month"], k.loc["Patrol distance", "previous_month"]) == (4.0, 15.0)
    assert k.loc["Finds per 100 km", "month"] == pytest.approx(25.0)
    assert k.loc["Finds per 100 km", "previous_month"] == pytest.approx(20.0)
    assert k.loc["PIKE (illegal / all elephant carcasses)", "previous_month_text"] == "0.67"
    assert k.loc["PIKE (illegal / all elephant carcasses)", "month_text"] == "-"  # no carcass in February
    assert k.loc["People arrested", "month"] == 3 and np.isnan(k.loc["People arrested", "last_year"])


def test_manifest_maps_case_columns_under_cases_only(tmp_path):
    from layers.errors import ManifestError
    from layers.manifest import read_manifest

    head = '[park]\nname = "P"\n[layers]\nboundary = "b.geojson"\ncases = "c.csv"\n'
    (tmp_path / "park.toml").write_text(head + '[columns.cases]\ndate = "When"\nevent = "Stage"\n'
                                        '[columns.incidents]\nspecies = "Animal"\n')  # fmt: skip
    m = read_manifest(tmp_path)
    assert m.columns["cases"] == {"date": "When", "event": "Stage"} and m.columns["incidents"]["species"] == "Animal"
    (tmp_path / "park.toml").write_text(head + '[columns.incidents]\ndate = "d"\n')
    with pytest.raises(ManifestError, match="unknown keys"):
        read_manifest(tmp_path)
