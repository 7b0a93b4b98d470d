"""Track cleaning and patrol effort: known answers and invariants."""

from __future__ import annotations

from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, Polygon, box
from shared_data import SHARED_DATA

from layers.defaults import COL_SEGMENT, COL_SOURCE_FILE, COL_TIME, COL_TRACK, COL_TYPE
from layers.effort import Effort, clean_tracks, compute_effort, incident_counts, period_freq, split_steps
from layers.errors import GridError
from layers.grid import Grid
from layers.tracks import clean_fixes

CRS = "EPSG:32736"
T0 = pd.Timestamp("2024-03-10 06:00", tz="UTC")


def fixes(coords, seconds, track="p1", t0=T0):
    """A GeoDataFrame of GPS fixes of one track."""
    coords = np.asarray(coords, dtype=float)
    return gpd.GeoDataFrame(
        {COL_TRACK: track, COL_TIME: t0 + pd.to_timedelta(np.asarray(seconds, dtype=float), unit="s")},
        geometry=gpd.points_from_xy(coords[:, 0], coords[:, 1]),
        crs=CRS,
    )


def walk(start, end, speed_ms=1.0, every_m=10.0):
    """Fixes every ``every_m`` metres along a straight line at ``speed_ms``."""
    start, end = np.asarray(start, float), np.asarray(end, float)
    n = int(np.ceil(np.hypot(*(end - start)) / every_m)) + 1
    s = np.linspace(0, 1, n)[:, None]
    pts = start + s * (end - start)
    return pts, np.linspace(0, np.hypot(*(end - start)) / speed_ms, n)


def park_of(boundary, cell_size, tracks, incidents=None):
    grid = Grid.from_geometry(boundary, CRS, cell_size)
    return SimpleNamespace(
        grid=grid, boundary=gpd.GeoDataFrame(geometry=[boundary], crs=CRS), tracks=tracks, incidents=incidents
    )


# --- known answers ---------------------------------------------------------------------
def test_horizontal_track_crossing_four_cells():
    pts, t = walk((100, 250), (500, 250), every_m=7.0)  # 400 m through 4 cells of 100 m on row 2
    park = park_of(box(0, 0, 700, 500), 100, fixes(pts, t))
    eff = compute_effort(park)
    assert eff.km.shape == (1, 5, 7) and eff.km.dtype == np.float32
    np.testing.assert_allclose(eff.km[0, 2, 1:5], 0.1, rtol=1e-6)
    assert eff.km[0].sum() == pytest.approx(0.4, rel=1e-6)
    assert np.count_nonzero(eff.km) == 4
    assert eff.total_km() == pytest.approx(0.4, rel=1e-6)
    assert list(eff.periods.astype(str)) == ["2024-03"]


def test_one_step_longer_than_cells_is_cut_exactly():
    # a single 1 km step (one fix every 10 minutes) on 250 m cells: each cell gets 250 m
    pts = np.array([[0, 125], [1000, 125]])
    park = park_of(box(0, 0, 1000, 250), 250, fixes(pts, [0, 600]))
    np.testing.assert_allclose(compute_effort(park).km[0, 0], 0.25, rtol=1e-9)


def test_diagonal_through_cell_corners():
    g = Grid.from_geometry(box(0, 0, 400, 400), CRS, 100)
    step, cell, length = split_steps(g, np.array([0.0]), np.array([0.0]), np.array([400.0]), np.array([400.0]))
    np.testing.assert_allclose(length, 100 * np.sqrt(2))
    assert sorted(cell.tolist()) == [3, 6, 9, 12]  # the anti-diagonal cells (rows top-down)
    assert (step == 0).all()


def test_step_on_a_grid_line_counts_once():
    g = Grid.from_geometry(box(0, 0, 400, 400), CRS, 100)
    x0, y0, x1, y1 = (np.array([v]) for v in (50.0, 200.0, 350.0, 200.0))
    _, cell, length = split_steps(g, x0, y0, x1, y1)
    assert length.sum() == pytest.approx(300) and set((cell // 4).tolist()) == {2}
    _, _, length = split_steps(g, np.array([50.0]), np.array([0.0]), np.array([350.0]), np.array([0.0]))
    assert length.sum() == 0  # along the bottom edge of the grid: outside (cells are half-open)
    _, _, length = split_steps(g, np.array([50.0]), np.array([400.0]), np.array([350.0]), np.array([400.0]))
    assert length.sum() == pytest.approx(300)  # along the top edge: inside


def test_diagonal_off_corners_matches_shapely():
    g = Grid.from_geometry(box(0, 0, 400, 400), CRS, 100)
    a, b = (10.0, 30.0), (390.0, 260.0)
    _, cell, length = split_steps(g, np.array([a[0]]), np.array([a[1]]), np.array([b[0]]), np.array([b[1]]))
    expected = per_cell_shapely(g, [LineString([a, b])])
    got = np.bincount(cell, weights=length, minlength=16)
    np.testing.assert_allclose(got, expected, atol=1e-6)
    assert len(cell) == np.count_nonzero(expected)


def per_cell_shapely(grid, lines):
    """Length of ``lines`` in every cell, by shapely, flat."""
    rows, cols = grid.shape
    out = np.zeros(rows * cols)
    union = shapely.union_all(lines)
    for r in range(rows):
        for c in range(cols):
            x0 = grid.transform.c + c * grid.cell_size
            y1 = grid.transform.f - r * grid.cell_size
            out[r * cols + c] = union.intersection(box(x0, y1 - grid.cell_size, x0 + grid.cell_size, y1)).length
    return out


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(-150, 650), st.floats(-150, 650)), min_size=2, max_size=6))
def test_steps_cut_at_cells_match_shapely_per_cell(points):
    # shapely counts a step lying exactly on a grid line in both cells; shift off the lines
    points = [(x + 0.123457, y + 0.654321) for x, y in points]
    g = Grid.from_geometry(box(0, 0, 500, 500), CRS, 100)
    p = np.array(points)
    _, cell, length = split_steps(g, p[:-1, 0], p[:-1, 1], p[1:, 0], p[1:, 1])
    got = np.bincount(cell, weights=length, minlength=25)
    expected = np.zeros(25)
    for a, b in zip(points[:-1], points[1:]):
        if a != b:
            expected += per_cell_shapely(g, [LineString([a, b])])
    np.testing.assert_allclose(got, expected, atol=1e-6)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_km_sums_to_track_length_inside_the_park(seed):
    # an L-shaped park whose edges follow the grid lines: cells and polygon agree exactly
    rng = np.random.default_rng(seed)
    park_poly = Polygon([(0, 0), (3000, 0), (3000, 1000), (1000, 1000), (1000, 3000), (0, 3000)])
    frames, lines = [], []
    for k in range(3):
        n = 300
        heading = rng.uniform(0, 2 * np.pi) + np.cumsum(rng.normal(0, 0.3, n))
        step = rng.uniform(5, 120, n)  # 30 s per fix: up to 14 km/h
        xy = rng.uniform(0, 1000, 2) + np.cumsum(np.column_stack([np.cos(heading), np.sin(heading)]) * step[:, None], 0)
        frames.append(fixes(xy, np.arange(n) * 30.0, track=f"t{k}"))
        lines.append(LineString(xy))
    park = park_of(park_poly, 250, pd.concat(frames, ignore_index=True))
    eff = compute_effort(park)
    inside_km = sum(line.intersection(park_poly).length for line in lines) / 1000
    assert eff.total_km() == pytest.approx(inside_km, rel=0.01, abs=1e-6)
    assert eff.total_km() == pytest.approx(inside_km, rel=1e-5, abs=1e-6)  # exact here: edges on grid lines


def test_km_sum_within_one_percent_on_an_irregular_park():
    rng = np.random.default_rng(3)
    angles = np.linspace(0, 2 * np.pi, 60, endpoint=False)
    radius = 6000 * (1 + 0.2 * np.sin(3 * angles))
    park_poly = Polygon(np.column_stack([radius * np.cos(angles), radius * np.sin(angles)]) + 10_000)
    frames, lines = [], []
    for k in range(40):
        n = 400
        heading = rng.uniform(0, 2 * np.pi) + np.cumsum(rng.normal(0, 0.2, n))
        xy = 10_000 + np.cumsum(np.column_stack([np.cos(heading), np.sin(heading)]) * rng.gamma(4, 10, (n, 1)), 0)
        frames.append(fixes(xy, np.arange(n) * 30.0, track=k))
        lines.append(LineString(xy))
    park = park_of(park_poly, 250, pd.concat(frames, ignore_index=True))
    inside_km = sum(line.intersection(park_poly).length for line in lines) / 1000
    total_km = sum(line.length for line in lines) / 1000
    assert inside_km < 0.97 * total_km  # the tracks do leave the park
    assert compute_effort(park).total_km() == pytest.approx(inside_km, rel=0.01)


# --- cleaning ---------------------------------------------------------------------------
def test_spike_removed_and_walk_kept():
    pts = np.column_stack([np.arange(10) * 30.0, np.zeros(10)])
    pts[4] = [4 * 30.0, 3000.0]  # one fix 3 km off the path
    out, summary = clean_tracks(fixes(pts, np.arange(10) * 30.0))
    assert summary.spikes == 1 and summary.fixes_dropped == 1
    assert out.index.tolist() == [0, 1, 2, 3, 5, 6, 7, 8, 9]
    assert (out[COL_SEGMENT] == 0).all() and summary.segments == 1


def test_gap_and_impossible_speed_split_segments():
    # 3.6 km/h walk; a 2 h gap after fix 4; a 10 km jump in 20 s after fix 8 (not a spike: no return)
    t = np.concatenate([np.arange(5) * 60.0, 7200 + np.arange(4) * 60.0, 7400 + np.arange(3) * 60.0])
    x = np.concatenate([np.arange(5) * 60.0, 300 + np.arange(4) * 60.0, 10_000 + np.arange(3) * 60.0])
    out, summary = clean_tracks(fixes(np.column_stack([x, np.zeros_like(x)]), t))
    assert out[COL_SEGMENT].tolist() == [0] * 5 + [1] * 4 + [2] * 3
    assert summary.gap_splits == 1 and summary.speed_splits == 1 and summary.segments == 3


def test_duplicates_missing_times_short_segments_and_sorting():
    pts = np.column_stack([np.arange(6) * 40.0, np.zeros(6)])
    gdf = fixes(pts, [0, 60, 60, 120, 180, 240])
    gdf.loc[4, COL_TIME] = pd.NaT
    gdf = gdf.iloc[::-1]  # unsorted input
    lonely = fixes([[0.0, 0.0]], [0], track="p2")  # one fix: too short for a segment
    out, summary = clean_tracks(pd.concat([gdf, lonely]))
    assert summary.fixes_in == 7
    assert summary.no_time_or_position == 1 and summary.duplicates == 1 and summary.in_short_segments == 1
    assert out.index.tolist() == [0, 2, 3, 5]  # sorted by time; of two fixes at 60 s, the first in the input
    assert summary.tracks == 1 and summary.segments == 1 and summary.fixes_out == 4
    assert "4 kept" in str(summary)


def test_same_track_id_in_two_files_is_two_tracks():
    a = fixes(np.column_stack([np.arange(4) * 30.0, np.zeros(4)]), np.arange(4) * 60.0, track=1)
    b = fixes(np.column_stack([np.arange(4) * 30.0, np.full(4, 5000.0)]), np.arange(4) * 60.0 + 30, track=1)
    a[COL_SOURCE_FILE], b[COL_SOURCE_FILE] = "a.gpx", "b.gpx"
    out, summary = clean_tracks(pd.concat([a, b], ignore_index=True))
    assert summary.tracks == 2 and summary.segments == 2 and summary.fixes_dropped == 0
    assert out[COL_SEGMENT].tolist() == [0] * 4 + [1] * 4


def test_clean_fixes_is_vectorised_on_many_fixes():
    rng = np.random.default_rng(0)
    n = 200_000
    track = np.repeat(np.arange(n // 1000), 1000)
    t = np.tile(np.arange(1000) * 30.0, n // 1000)
    x = np.cumsum(rng.normal(0, 30, n))
    keep, seg, summary = clean_fixes(track, t, x, np.zeros(n))
    assert summary.fixes_out == len(keep) == n and summary.segments == n // 1000
    assert np.all(np.diff(seg) >= 0)


def test_clean_tracks_needs_a_metric_crs():
    with pytest.raises(GridError, match="to_crs"):
        clean_tracks(fixes([[30.0, -24.0], [30.001, -24.0]], [0, 60]).set_crs("EPSG:4326", allow_override=True))


# --- periods and incidents ----------------------------------------------------------------
def test_period_of_a_step_is_its_time_midpoint():
    t0 = pd.Timestamp("2024-01-31 23:40", tz="UTC")
    # step 1: 23:40 -> 23:55 (January); step 2: 23:55 -> 00:25 (midpoint 00:10, February)
    pts = np.array([[50.0, 50], [350, 50], [650, 50]])  # 300 m per step, 1.2 and 0.6 km/h
    park = park_of(box(0, 0, 1000, 100), 100, fixes(pts, [0, 900, 2700], t0=t0))
    eff = compute_effort(park, freq="MS")
    assert list(eff.periods.astype(str)) == ["2024-01", "2024-02"]
    assert eff.km[0, 0, :4].sum() == pytest.approx(0.3) and eff.km[0, 0, 4:].sum() == 0
    assert eff.km[1, 0, 3:7].sum() == pytest.approx(0.3) and eff.km[1, 0, :3].sum() == 0
    assert eff.km_per_period().tolist() == pytest.approx([0.3, 0.3])


def test_weekly_periods_and_given_periods():
    pts, t = walk((50, 50), (450, 50))
    park = park_of(box(0, 0, 500, 100), 100, fixes(pts, t))
    weekly = compute_effort(park, freq="W")
    assert weekly.periods.freqstr.startswith("W") and len(weekly.periods) == 1
    given_periods = pd.period_range("2024-01", "2024-02", freq="M")  # the walk is in March
    eff = compute_effort(park, periods=given_periods)
    assert eff.km.shape == (2, 1, 5) and eff.total_km() == 0


def test_incident_counts_by_type_period_and_mask():
    boundary = Polygon([(0, 0), (400, 0), (0, 400)])
    grid = Grid.from_geometry(boundary, CRS, 100)
    incidents = gpd.GeoDataFrame(
        {
            COL_TIME: pd.to_datetime(
                ["2024-01-05", "2024-01-20", "2024-02-01", "2024-02-03", "2023-12-31", "2024-01-09", None], utc=True
            ),
            COL_TYPE: ["snare", "snare", "rhino_carcass", "snare", "snare", "snare", "snare"],
        },
        geometry=[
            Point(50, 50),
            Point(60, 40),
            Point(150, 50),
            Point(50, 50),
            Point(50, 50),
            Point(390, 390),
            Point(50, 50),
        ],
        crs=CRS,
    )
    periods = pd.period_range("2024-01", "2024-02", freq="M")
    counts = incident_counts(incidents, grid, periods)
    assert counts.dtype == np.int32 and counts.shape == (2, 4, 4)
    assert counts[0, 3, 0] == 2 and counts[1, 3, 0] == 1 and counts[1, 3, 1] == 1
    assert counts.sum() == 4  # Dec 2023 outside the periods, (390, 390) outside the park, no time
    assert incident_counts(incidents, grid, periods, types="rhino_carcass").sum() == 1
    with pytest.raises(ValueError, match="unknown incident types"):
        incident_counts(incidents, grid, periods, types=["Snare"])
    eff = Effort(periods=periods, km=np.zeros((2, 4, 4)), grid=grid, incidents=incidents)
    np.testing.assert_array_equal(eff.counts(["snare"]), incident_counts(incidents, grid, periods, "snare"))


def test_default_periods_cover_incidents_and_progress():
    pts, t = walk((50, 50), (450, 50))
    incidents = gpd.GeoDataFrame(
        {COL_TIME: pd.to_datetime(["2024-06-02"], utc=True), COL_TYPE: ["arrest"]}, geometry=[Point(50, 50)], crs=CRS
    )
    park = park_of(box(0, 0, 500, 100), 100, fixes(pts, t), incidents)
    calls = []
    eff = compute_effort(park, progress=lambda f, m: calls.append(f))
    assert list(eff.periods.astype(str)) == ["2024-03", "2024-04", "2024-05", "2024-06"]
    assert eff.counts().sum() == 1 and eff.counts()[3, 0, 0] == 1
    assert calls[0] == 0 and calls[-1] == 1
    assert eff.cleaning.fixes_out == len(pts)


def test_period_freq_aliases():
    assert period_freq("MS") == "M" and period_freq("M") == "M" and period_freq("QS") == "Q"


def test_no_tracks_gives_zero_effort_or_no_periods():
    empty = gpd.GeoDataFrame({COL_TRACK: [], COL_TIME: pd.to_datetime([], utc=True)}, geometry=[], crs=CRS)
    park = park_of(box(0, 0, 500, 100), 100, empty)
    eff = compute_effort(park, periods=pd.period_range("2024-01", "2024-03", freq="M"))
    assert eff.km.shape == (3, 1, 5) and eff.total_km() == 0 and eff.counts().sum() == 0
    # a park with no dated record at all (its first day) has no period, not an error
    eff = compute_effort(park)
    assert len(eff.periods) == 0 and eff.km.shape == (0, 1, 5) and eff.total_km() == 0


SMART = SHARED_DATA / "smart/mara_triangle_smart_patrol_tracks_2024-01.parquet"


@pytest.mark.skipif(not SMART.exists(), reason=f"real SMART tracks not found at {SMART} (shared data folder missing)")
def test_real_smart_patrol_tracks():
    raw = gpd.read_parquet(SMART).to_crs(CRS)
    tracks = raw.rename(columns={"groupby_col": COL_TRACK, "fixtime": COL_TIME})[[COL_TRACK, COL_TIME, "geometry"]]
    out, summary = clean_tracks(tracks)
    assert summary.fixes_in == 32_145 and summary.tracks == 18
    # this export repeats fixes (same patrol, time and place): those are the duplicates
    xy_dups = raw.assign(x=raw.geometry.x, y=raw.geometry.y).duplicated(["groupby_col", "fixtime", "x", "y"]).sum()
    assert summary.duplicates == xy_dups > 0
    assert summary.fixes_out > 0.95 * (summary.fixes_in - summary.duplicates)
    # every kept step is possible: no gap over 30 min, no speed over 80 km/h
    x, y = out.geometry.x.to_numpy(), out.geometry.y.to_numpy()
    t = out[COL_TIME].astype("int64").to_numpy() / 1e9
    same = out[COL_SEGMENT].to_numpy()[1:] == out[COL_SEGMENT].to_numpy()[:-1]
    dt = np.diff(t)[same]
    assert (dt > 0).all() and (dt <= 1800).all()
    assert (np.hypot(np.diff(x), np.diff(y))[same] / dt * 3.6 <= 80).all()
    # on a grid covering every fix, the km equal the cleaned segments' length
    park_poly = box(*out.total_bounds).buffer(1000, join_style="mitre")
    eff = compute_effort(park_of(park_poly, 250, tracks))
    km = np.hypot(np.diff(x), np.diff(y))[same].sum() / 1000
    assert eff.total_km() == pytest.approx(km, rel=1e-3)
    assert list(eff.periods.astype(str)) == ["2024-01"]
