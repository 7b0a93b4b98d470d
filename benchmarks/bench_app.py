"""Dashboard speed in a headless Chromium: first map, filter change, page switch and model comparison.

Targets: the first map within 3 s, a filter change within 1 s, a page switch
within 1.5 s, and a progress bar that moves during "Compare every model"
(its longest still stretch is printed).  Runs on ``data/demo`` (``make demo``)
or the folder given with ``--park``; every non-localhost request is refused.

    .venv/bin/python benchmarks/bench_app.py [--park DIR] [--docs docs]

``--docs DIR`` also walks through every page (fit, plan, download) and saves
the screenshots ``map.png``, ``risk.png``, ``risk-validation.png``, ``plans.png``, ``plans-files.png`` and ``data.png`` in DIR,
and those of a park with no history (``new-park-map.png``, ``new-park-risk.png``, ``new-park-plans.png``).

"Cold start" is a new server process opening the park for the first session.
It is measured twice: first with an empty disk cache (``PARK_CACHE_DIR`` is a
new empty folder: every file is read, as on the first start after the park's
files or the library change), then with that cache warm.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from nohistory import make_history_free_park  # noqa: E402
from servercpu import load_average, server_cpu  # noqa: E402
from test_browser import app_server, goto_page, leaflet_frame, offline_page, wait_idle, walkthrough  # noqa: E402
from test_browser_dash import new_park_walkthrough  # noqa: E402

COLD_TARGET_S = 3.0
REDRAW_TARGET_S = 1.0
SWITCH_TARGET_S = 1.5


def time_to_map(pw, url: str) -> tuple[float, float]:
    """Seconds from opening the app to an interactive map, and to the whole page (km patrolled shown)."""
    with offline_page(pw) as page:
        t0 = time.monotonic()
        page.goto(url)
        leaflet_frame(page, timeout=120)
        elapsed = time.monotonic() - t0
        page.get_by_text("Patrolled (km)").wait_for(timeout=120_000)
        wait_idle(page)
        complete = time.monotonic() - t0
        assert not page.blocked, page.blocked
    return elapsed, complete


def layers_text(page) -> str:
    """Text of the layer control: its incident counts follow the filters."""
    frame = leaflet_frame(page)
    el = frame.query_selector(".leaflet-control-layers-overlays")
    return (el.text_content() or "") if el else ""


def redraw_times(pw, url: str, repeats: int = 4) -> list[float]:
    """Toggle 'One month at a time' and time until the map shows the new incidents."""
    out = []
    with offline_page(pw) as page:
        page.goto(url)
        leaflet_frame(page, timeout=120)
        wait_idle(page)
        for _ in range(repeats):
            before = layers_text(page)
            t0 = time.monotonic()
            page.get_by_text("One month at a time").click()
            deadline = t0 + 30
            while time.monotonic() < deadline:
                try:
                    if layers_text(page) != before:
                        break
                except Exception:
                    pass
                page.wait_for_timeout(20)
            else:
                raise AssertionError("the map did not change after the filter change")
            out.append(time.monotonic() - t0)
            wait_idle(page)
        assert not page.blocked, page.blocked
    return out


def page_switch_times(pw, url: str, repeats: int = 3) -> list[float]:
    """Seconds from a click in the page list to the other page drawn (Park map <-> Park data <-> Risk)."""
    out = []
    with offline_page(pw) as page:
        page.goto(url)
        leaflet_frame(page, timeout=120)
        wait_idle(page)
        for _ in range(repeats):
            for title, ready in (("Park data", "Layers loaded"), ("Risk", "Fit the risk model"), ("Park map", None)):
                t0 = time.monotonic()
                goto_page(page, title)
                if ready:
                    page.get_by_text(ready).first.wait_for(timeout=120_000)
                else:
                    leaflet_frame(page, timeout=120)
                wait_idle(page)
                out.append(time.monotonic() - t0 - 0.3)  # goto_page and wait_idle each wait 0.3 s for the click
        assert not page.blocked, page.blocked
    return out


def comparison_time(pw, url: str) -> tuple[float, float, int]:
    """'Compare every model': seconds to the validation table, the longest still progress stretch, progress steps."""
    with offline_page(pw) as page:
        page.goto(url)
        leaflet_frame(page, timeout=120)
        goto_page(page, "Risk")
        page.get_by_role("button", name="Fit the risk model").click()
        page.get_by_text("Highest chance of attack (%)").wait_for(timeout=300_000)
        wait_idle(page)
        page.get_by_role("tab", name="Validation").click()
        t0 = time.monotonic()
        page.get_by_role("button", name="Compare every model").click()
        last, since, still, steps = None, t0, 0.0, 0
        while time.monotonic() - t0 < 600:
            if page.get_by_text("Validation on the held-out months").count():
                break
            bar = page.query_selector('[data-testid="stProgress"] [role="progressbar"]')
            value = bar.get_attribute("aria-valuenow") if bar else None
            now = time.monotonic()
            if value != last:
                still = max(still, now - since)
                last, since, steps = value, now, steps + 1
            page.wait_for_timeout(100)
        total = time.monotonic() - t0
        still = max(still, time.monotonic() - since)
        assert not page.blocked, page.blocked
    return total, still, steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--park", default=str(ROOT / "data" / "demo"))
    parser.add_argument("--docs", default=None, help="save screenshots of every page in this folder")
    parser.add_argument("--no-compare", action="store_true", help="skip the (minutes long) model comparison")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    park = Path(args.park)
    if not (park / "park.toml").is_file():
        print(f"no park in {park}: run `make demo` first", file=sys.stderr)
        return 2
    cache = Path(tempfile.mkdtemp(prefix="bench-app-cache-"))
    os.environ["PARK_CACHE_DIR"] = str(cache)
    results = {}
    cpu = {}

    def cpu_since(url, what, before=None):
        now = server_cpu(url)
        base = before or (0.0, 0.0)
        cpu[what] = (now[0] - base[0], now[1] - base[1])
        return now

    print(f"load average at start: {load_average()}", flush=True)
    try:
        with sync_playwright() as pw:
            t0 = time.monotonic()
            with app_server(park) as url:
                results["server_start_s"] = time.monotonic() - t0
                started = server_cpu(url)
                results["first_start_s"] = time_to_map(pw, url)
                cpu_since(url, "first map, empty disk cache (to the whole page)", started)
                print(f"first map (new server, empty disk cache): {results['first_start_s'][0]:.2f} s", flush=True)
            with app_server(park) as url:
                started = server_cpu(url)
                results["cold_start_s"] = time_to_map(pw, url)
                mark = cpu_since(url, "first map, warm disk cache (to the whole page)", started)
                print(f"first map (new server, warm disk cache): {results['cold_start_s'][0]:.2f} s", flush=True)
                redraws = redraw_times(pw, url)
                mark = cpu_since(url, f"{len(redraws)} filter changes (and opening the page)", mark)
                print(f"filter changes: {', '.join(f'{r:.2f}' for r in redraws)} s", flush=True)
                switches = page_switch_times(pw, url)
                mark = cpu_since(url, f"{len(switches)} page switches (and opening the page)", mark)
                print(f"page switches: {', '.join(f'{r:.2f}' for r in switches)} s", flush=True)
                compare = None if args.no_compare else comparison_time(pw, url)
                if compare is not None:
                    cpu_since(url, "fit and compare every model", mark)
            if args.docs:
                shots = Path(cache) / "shots"
                docs = Path(args.docs)
                docs.mkdir(parents=True, exist_ok=True)
                with app_server(park, Path(cache) / "parks") as url, offline_page(pw) as page:
                    walkthrough(page, url, shots, days=1, teams=2, slow_s=1200)
                    assert not page.blocked, page.blocked
                new_park = make_history_free_park(Path(cache) / "new-park")
                with app_server(new_park, Path(cache) / "parks") as url, offline_page(pw) as page:
                    new_park_walkthrough(page, url, shots)
                    assert not page.blocked, page.blocked
                names = ("map", "risk", "risk-validation", "plans", "plans-files", "data")
                for name in (*names, "new-park-map", "new-park-risk", "new-park-plans"):
                    shutil.copy(shots / f"{name}.png", docs / f"{name}.png")
                print(f"screenshots saved in {docs}/")
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    median = statistics.median(redraws)
    print(f"park: {park}")
    print(f"server start (process to health check): {results['server_start_s']:.2f} s")
    first, first_all = results["first_start_s"]
    cold, cold_all = results["cold_start_s"]
    print(
        f"first-ever cold start (new server, empty disk cache): {first:.2f} s to an interactive map, "
        f"{first_all:.2f} s until the summary figures are shown (target < {COLD_TARGET_S:.0f} s to the map)"
    )
    print(
        f"cold start (new server, warm disk cache): {cold:.2f} s to an interactive map, "
        f"{cold_all:.2f} s until the summary figures are shown (target < {COLD_TARGET_S:.0f} s to the map)"
    )
    print(
        f"filter redraw: median {median:.2f} s, max {max(redraws):.2f} s over {len(redraws)} changes "
        f"(target < {REDRAW_TARGET_S:.0f} s)"
    )
    print(
        f"page switch: median {statistics.median(switches):.2f} s, max {max(switches):.2f} s over "
        f"{len(switches)} switches (target < {SWITCH_TARGET_S:.1f} s)"
    )
    if compare is not None:
        total, still, steps = compare
        print(
            f"compare every model: {total:.1f} s to the validation table; the progress bar moved {steps} times, "
            f"its longest still stretch {still:.1f} s"
        )
    for what, (own, workers) in cpu.items():
        print(f"server CPU, {what}: {own:.1f} s in the server process, {workers:.1f} s in its workers")
    print(f"load average at the end: {load_average()}")
    cold = max(first, cold)
    ok = cold < COLD_TARGET_S and median < REDRAW_TARGET_S and statistics.median(switches) < SWITCH_TARGET_S
    print("targets met" if ok else "targets NOT met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
