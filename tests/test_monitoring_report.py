"""The monthly report PDF renders, holds the month's key figures as the library computes them, and leaves the
park folder as it was; the command line writes the report and the indicator CSV."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from monitoring_park import file_hashes, register_park

from layers.park import load_park
from monitoring.cli import main
from monitoring.effort import effort_steps
from monitoring.indicators import compute_indicators
from monitoring.register import load_register
from monitoring.report import key_figures, monthly_report, plan_summary

MONTH = "2026-09"
needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("pdftotext")), reason="poppler-utils (pdftoppm) not installed"
)


@pytest.fixture(scope="module")
def park_folder(tmp_path_factory) -> Path:
    return register_park(tmp_path_factory.mktemp("park") / "reg")


@pytest.fixture(scope="module")
def park(park_folder):
    return load_park(park_folder)


def small_plan(park):
    """Three patrols of next month from the first two posts, 4, 6 and 5 km."""
    import datetime as dt

    from patrols.route import Patrol, Plan

    a, b = park.posts.iloc[0], park.posts.iloc[1]

    def patrol(i, post, km):
        x, y = post.geometry.x, post.geometry.y
        path = [[x, y], [x + km * 500, y], [x, y]]
        return Patrol(f"P{i}", post["name"], 1, dt.date(2026, 10, 1 + i), "foot", path, park.crs, hours=km / 4,
                      expected_risk=0.1 * i)  # fmt: skip

    return Plan(park.name, dt.date(2026, 10, 1), 3, [patrol(1, a, 4), patrol(2, a, 6), patrol(3, b, 5)])


@pytest.fixture(scope="module")
def written(park, park_folder, tmp_path_factory):
    before = file_hashes(park_folder)
    out = tmp_path_factory.mktemp("out") / "report.pdf"
    summary = monthly_report(park, MONTH, out, risk_model="kde", plan=small_plan(park))
    return summary, before


def test_plan_summary_per_post(park):
    s = plan_summary(small_plan(park)).set_index("post")
    a, b = park.posts["name"].iloc[0], park.posts["name"].iloc[1]
    assert s.loc[a, "patrols"] == 2 and s.loc[a, "km"] == pytest.approx(10.0) and s.loc[b, "km"] == pytest.approx(5.0)
    assert s.loc[a, "expected_risk"] == pytest.approx(0.3)


@needs_poppler
def test_report_renders_and_holds_the_key_figures(written, park, tmp_path):
    summary, _ = written
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(summary.path), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == summary.pages >= 4
    text = subprocess.run(["pdftotext", "-layout", str(summary.path), "-"], capture_output=True, text=True, check=True)
    lines = text.stdout.splitlines()
    # the figures the library computes, independently of the report's own table
    register = load_register(park)
    table = compute_indicators(register, effort_steps(park.tracks, register.section_codes), "month")
    figures = key_figures(table, MONTH)
    assert figures["month"].notna().sum() >= 12
    for _, row in figures.iterrows():
        label = re.escape(row.figure[:20])
        expected = [row.month_text, row.previous_month_text, row.last_year_text]
        hit = [ln for ln in lines if re.search(label, ln)]
        assert hit, f"{row.figure} not in the report"
        assert re.search(r"\s+".join(map(re.escape, expected)) + r"\s*$", hit[0]), (hit[0], expected)
    assert "Risk of an attack, 2026-10" in text.stdout and "Open cases at the end of 2026-09" in text.stdout
    assert "Patrol plan from 2026-10-01 for 3 days" in text.stdout
    assert summary.trend is not None and summary.trend.statement.split(":")[0] in " ".join(text.stdout.split())


def test_report_writes_nothing_into_the_park(written, park_folder):
    _, before = written
    assert file_hashes(park_folder) == before


def test_open_cases_are_those_without_an_outcome(written, park):
    summary, _ = written
    cases = load_register(park).case_summary()
    opened = pd.to_datetime(cases["opened"], utc=True) < pd.Timestamp("2026-10-01", tz="UTC")
    assert set(summary.open_cases["case_ref"]) == set(cases.loc[(cases["status"] == "open") & opened, "case_ref"])
    assert len(summary.open_cases) >= 1


@needs_poppler
def test_cli_report_and_indicator_csv(park_folder, tmp_path, capsys):
    before = file_hashes(park_folder)
    out = tmp_path / "r.pdf"
    assert main(["report", str(park_folder), "--month", MONTH, "--out", str(out), "--no-risk"]) == 0
    assert (
        out.stat().st_size > 10_000
        and "Risk of an attack"
        not in subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    )
    csv = tmp_path / "ind.csv"
    assert main(["indicators", str(park_folder), "--period", "quarter", "--csv", str(csv)]) == 0
    table = pd.read_csv(csv)
    assert set(table["period_kind"]) == {"quarter"} and {
        "all",
        *load_register(load_park(park_folder)).section_names(),
    } <= set(table["section"])
    share = tmp_path / "share.csv"
    assert main(["share", str(park_folder), "--out", str(share)]) == 0
    shared = pd.read_csv(share)
    assert list(shared.columns[:5]) == ["date", "item", "quantity", "unit", "case_ref"]
    assert file_hashes(park_folder) == before


def test_cli_bad_month_is_a_message(park_folder, tmp_path, capsys):
    assert main(["report", str(park_folder), "--month", "Sept", "--out", str(tmp_path / "r.pdf")]) == 2
    assert "YYYY-MM" in capsys.readouterr().err


def test_report_maps_generalise_the_sensitive_layers(park, written):
    """The report leaves the park: its incident map shows counts per 5 km cell, never a point, and says so."""
    import numpy as np
    from matplotlib.patches import Rectangle

    from access.generalise import generalise_cell
    from monitoring import charts

    summary, _ = written
    cell = generalise_cell(park)
    assert any(f"generalised to a {cell / 1000:g} km grid" in n for n in summary.notes)
    reg = load_register(park)
    inc = reg.incidents
    fig = charts.month_map(reg, inc, cell_m=cell)
    ax = fig.axes[0]
    squares = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_height() == cell / 1000]
    assert squares, "no generalised cell drawn"
    # every square lies on the 5 km grid, and no scatter of exact incident places is drawn
    bottoms = np.array([p.get_y() for p in squares]) * 1000
    assert np.allclose(np.round(bottoms / cell), bottoms / cell)
    assert [len(c.get_offsets()) for c in ax.collections] == [len(reg.posts)]  # the posts, no incident point
    counts = sum(int(t.get_text()) for t in ax.texts if t.get_text().isdigit())
    assert counts == len(inc)


def test_exact_places_need_a_manager_and_are_audited(park_folder, tmp_path):
    from access.audit import EXACT_EXPORT, AuditLog
    from access.defaults import MANAGER, RANGER
    from access.errors import AccessError, PermissionDenied
    from access.exports import allow_exact
    from access.users import User

    with pytest.raises(PermissionDenied):
        allow_exact(User("amina", RANGER, ("North",)), park_folder, "monthly report", "a reason")
    with pytest.raises(AccessError):
        allow_exact(User("boss", MANAGER), park_folder, "monthly report", "  ")
    log = AuditLog(tmp_path / "audit-park")
    allow_exact(User("boss", MANAGER), park_folder, "monthly report 2026-09", "court case 12", audit=log)
    events = log.events(User("boss", MANAGER), EXACT_EXPORT)
    assert events["what"].tolist() == ["monthly report 2026-09"] and "court case 12" in events["detail"].iloc[0]
