"""Tests of layers.checks: each check on tiny layers with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from parkfiles import frame, problems
from shapely.geometry import Point

from layers import checks
from layers.defaults import ATTACK_TYPES, COL_SOURCE_ROW, INCIDENT_TYPES
from layers.report import ERROR, WARNING, LoadReport


def parse(values, **kw):
    report = LoadReport()
    s = pd.Series(values, dtype=object)
    out = checks.parse_times(s, "incidents", "i.csv", np.arange(1, len(s) + 1), report, **kw)
    return out, report


def test_iso_times_with_and_without_offsets():
    out, report = parse(["2024-03-31 14:05", "2024-03-31T16:05:00+02:00", "2024-04-01"])
    assert out.tolist() == [pd.Timestamp("2024-03-31 14:05", tz="UTC")] * 2 + [pd.Timestamp("2024-04-01", tz="UTC")]
    assert str(out.dtype).endswith("UTC]")
    (p,) = report.problems
    assert p.check == "naive_times" and p.severity == "info" and p.message.startswith("2 dates/times")


def test_unparseable_dates_reject_the_row_with_its_number():
    out, report = parse(["2024-01-05", "yesterday", None, "2024-02-30"])
    assert out.isna().tolist() == [False, True, True, True]
    bad = problems(report, "bad_date")
    assert [p.row for p in bad] == [2, 3, 4] and all(p.severity == ERROR for p in bad)
    assert "'yesterday'" in bad[0].message and "date_format" in bad[0].fix


def test_day_first_when_a_first_number_is_above_12():
    out, report = parse(["03/04/2024", "25/12/2023 08:30"])
    assert out.tolist() == [pd.Timestamp("2024-04-03", tz="UTC"), pd.Timestamp("2023-12-25 08:30", tz="UTC")]
    (p,) = problems(report, "ambiguous_dates")
    assert "day-first" in p.message and "row 2" in p.message


def test_month_first_when_a_second_number_is_above_12():
    out, report = parse(["03/04/2024", "12/25/2023"])
    assert out.tolist() == [pd.Timestamp("2024-03-04", tz="UTC"), pd.Timestamp("2023-12-25", tz="UTC")]
    assert "month-first" in problems(report, "ambiguous_dates")[0].message


def test_ambiguous_dates_warn_which_reading_was_used():
    out, report = parse(["03/04/2024", "05/06/24"])
    assert out.tolist() == [pd.Timestamp("2024-04-03", tz="UTC"), pd.Timestamp("2024-06-05", tz="UTC")]
    (p,) = problems(report, "ambiguous_dates")
    assert p.severity == WARNING and "no value tells" in p.message and "%d/%m/%Y" in p.fix


def test_date_format_and_timezone():
    out, report = parse(["03/04/2024 10:00"], date_format="%m/%d/%Y %H:%M", timezone="Africa/Nairobi")
    assert out.iloc[0] == pd.Timestamp("2024-03-04 07:00", tz="UTC") and not report.problems
    out, report = parse(["2024-01-01 10:00"], timezone="Mars/Olympus")
    assert problems(report, "bad_timezone")


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.datetimes(min_value=pd.Timestamp("2000-01-01"), max_value=pd.Timestamp("2030-12-31")),
        min_size=1,
        max_size=20,
    )
)
def test_day_first_dates_round_trip(times):
    times = [pd.Timestamp(t).floor("min") for t in times] + [pd.Timestamp("2024-01-31 10:00")]
    text = [t.strftime("%d/%m/%Y %H:%M") for t in times]
    out, report = parse(text)
    assert out.tolist() == [t.tz_localize("UTC") for t in times]
    assert not problems(report, "bad_date")


def test_duplicates_dropped_and_listed():
    t = pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-01", "2024-01-02"], utc=True)
    gdf = frame(
        [Point(0, 0), Point(0.2, 0), Point(0, 0), Point(0, 0)], time=t, type=["snare", "snare", "arrest", "snare"]
    )
    report = LoadReport()
    out = checks.drop_duplicates(gdf, ["time", "type"], "incidents", "i.csv", report)
    assert out[COL_SOURCE_ROW].tolist() == [1, 3, 4]
    (p,) = problems(report, "duplicate")
    assert p.row == 2 and "duplicate of row 1" in p.message


def test_empty_layer():
    report = LoadReport()
    assert checks.check_empty(frame([]), "posts", "p.gpkg", report)
    assert not checks.check_empty(frame([Point(0, 0)]), "posts", "p.gpkg", report)
    assert [p.check for p in report.problems] == ["empty_layer"]


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Snare", "snare"),
        ("Wire snare", "snare"),
        ("Elephant carcass", "elephant_carcass"),
        ("Carcass - rhino", "rhino_carcass"),
        ("RHINO_CARCASS", "rhino_carcass"),
        ("Poacher camp", "poacher_camp"),
        ("Arrest", "arrest"),
        ("Seizure", "seizure"),
        ("Ivory seized", "seizure"),
        ("Rhino horn", "seizure"),
        ("Elephant sighting", "other"),
        ("Fire", "other"),
        ("Carcass (natural)", "carcass"),
        ("Natural carcass", "carcass"),
        ("Elephant carcass - natural", "carcass"),
        ("Rhino carcass, natural causes", "carcass"),
        ("Elephant carcass - cause unknown", "carcass"),
        ("CARCASS", "carcass"),
        ("Natural spring", "other"),
    ],
)
def test_incident_types(label, expected):
    report = LoadReport()
    out = checks.normalise_types(pd.Series([label]), "incidents", "i.csv", report)
    assert out.tolist() == [expected]
    assert bool(problems(report, "unknown_type")) == (expected == "other")


def test_natural_carcasses_are_not_attacks():
    labels = ["Elephant carcass", "Elephant carcass - natural", "Carcass (natural)", "Rhino carcass", "Snare"]
    out = checks.normalise_types(pd.Series(labels), "incidents", "i.csv", LoadReport()).tolist()
    assert out == ["elephant_carcass", "carcass", "carcass", "rhino_carcass", "snare"]
    assert "carcass" in INCIDENT_TYPES and "carcass" not in ATTACK_TYPES
    assert [t in ATTACK_TYPES for t in out] == [True, False, False, True, True]
