"""Ten people at a headquarters on one park: page renders and freezes while one session fits.

Starts the dashboard on the demo park (``data/demo``, or ``--park``) on a
loopback port and drives ``--sessions`` concurrent headless-Chromium
sessions (one browser, one context each; every non-loopback request is
refused).  Each session opens the park map, then the Risk page.  Session 0
fits the risk model and plans patrols while the others keep changing a map
filter and time each redraw.

Prints the 50th and 95th percentile page render times (the park map with its
Leaflet map drawn, the Risk page, each filter redraw) and the longest freeze:
the slowest redraw of a session while another fitted or planned.
Goals: p95 render under 3 s; no session frozen longer than 2 s by another's fit.

    .venv/bin/python benchmarks/bench_sessions.py [--park DIR] [--sessions 10]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from servercpu import load_average, server_cpu  # noqa: E402
from test_browser import CHROMIUM, CHROMIUM_ARGS, LOCAL_HOSTS, VIEWPORT, app_server  # noqa: E402

P95_TARGET_S = 3.0
FREEZE_TARGET_S = 2.0
BUSY = (
    '[data-testid="stStatusWidget"] [data-testid="stStatusWidgetRunningIcon"], [data-testid="stSpinner"], '
    '[data-testid="stSkeleton"], [data-stale="true"]'
)


async def new_page(browser):
    context = await browser.new_context(viewport=VIEWPORT)

    async def route(r):
        url = r.request.url
        if url.startswith(("data:", "blob:", "about:")) or (urlparse(url).hostname or "") in LOCAL_HOSTS:
            await r.continue_()
        else:
            await r.abort()

    await context.route("**/*", route)
    return await context.new_page()


async def wait_map(page, timeout: float = 300.0) -> None:
    """Until a Leaflet map with a size is drawn in one of the page's frames."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for frame in page.frames[1:]:
            try:
                el = await frame.query_selector(".leaflet-container")
                box = await el.bounding_box() if el else None
            except Exception:
                continue
            if box and box["height"] > 100:
                return
        await page.wait_for_timeout(50)
    raise TimeoutError("no map drawn")


async def wait_idle(page, timeout: float = 300.0) -> None:
    await page.wait_for_timeout(150)
    await page.wait_for_function(f"() => !document.querySelector({BUSY!r})", timeout=timeout * 1000)


async def goto(page, title: str) -> None:
    await page.locator('[data-testid="stSidebarNavLink"]', has_text=title).first.click()


async def open_session(browser, url: str, renders: list) -> object:
    page = await new_page(browser)
    t0 = time.monotonic()
    await page.goto(url, timeout=300_000)
    await wait_map(page)
    await wait_idle(page)
    renders.append(("map", time.monotonic() - t0))
    return page


async def risk_page(page, renders: list) -> None:
    t0 = time.monotonic()
    await goto(page, "Risk")
    await page.get_by_role("button", name="Fit the risk model").wait_for(timeout=120_000)
    await wait_idle(page)
    renders.append(("risk page", time.monotonic() - t0))


async def keep_redrawing(page, stop: asyncio.Event, redraws: list) -> None:
    """Toggle "One month at a time" on the map page and time each redraw until ``stop``."""
    await goto(page, "Park map")
    await wait_map(page)
    await wait_idle(page)
    toggle = page.get_by_text("One month at a time")
    while not stop.is_set():
        t0 = time.monotonic()
        await toggle.click()
        await wait_idle(page)
        redraws.append((t0, time.monotonic() - t0))
        await page.wait_for_timeout(300)


async def fit_and_plan(page, timings: dict) -> None:
    t0 = timings["busy_from"] = time.monotonic()
    await page.get_by_role("button", name="Fit the risk model").click()
    await page.get_by_text("Highest chance of attack (%)").wait_for(timeout=600_000)
    timings["fit_s"] = time.monotonic() - t0
    timings["fit_end"] = time.monotonic()
    await goto(page, "Patrol plans")
    await page.get_by_role("button", name="Plan patrols").wait_for(timeout=120_000)
    await wait_idle(page)
    t0 = time.monotonic()
    await page.get_by_role("button", name="Plan patrols").click()
    await page.get_by_text("Field files").wait_for(timeout=600_000)
    timings["plan_s"] = time.monotonic() - t0


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


async def drive(url: str, n: int, own_browsers: bool = False) -> dict:
    """Drive ``n`` sessions: in one shared Chromium, or (``own_browsers``) one Chromium process each."""
    from playwright.async_api import async_playwright

    renders: list = []
    redraws: list[tuple[float, float]] = []  # (start, seconds)
    timings: dict = {}
    async with async_playwright() as pw:
        launch = lambda: pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)  # noqa: E731
        browser = await launch()
        browsers = [browser] + ([await launch() for _ in range(n - 1)] if own_browsers else [browser] * (n - 1))
        try:
            first = await open_session(browser, url, renders)  # warms the server's caches
            renders.clear()
            opened = await asyncio.gather(
                *(open_session(b, url, renders) for b in browsers[1:]), return_exceptions=True
            )
            timings["failed_sessions"] = sum(isinstance(p, BaseException) for p in opened)
            pages = [first] + [p for p in opened if not isinstance(p, BaseException)]
            await asyncio.gather(*(risk_page(p, renders) for p in pages))
            stop = asyncio.Event()
            others = [asyncio.create_task(keep_redrawing(p, stop, redraws)) for p in pages[1:]]
            await asyncio.sleep(2)
            busy_from = time.monotonic()
            try:
                await fit_and_plan(pages[0], timings)
            finally:
                busy_to = time.monotonic()
                stop.set()
                done = await asyncio.gather(*others, return_exceptions=True)
            failed = [d for d in done if isinstance(d, BaseException)]
            if failed:
                raise RuntimeError(f"{len(failed)} sessions failed while redrawing: {failed[0]!r}")
        finally:
            for b in dict.fromkeys(browsers):
                await b.close()
    during = [d for t0, d in redraws if busy_from <= t0 <= busy_to]
    times = [t for _, t in renders] + [d for _, d in redraws]
    fit_end = timings.get("fit_end", busy_to)
    longest = sorted(((d, t0) for t0, d in redraws if busy_from <= t0 <= busy_to), reverse=True)[:5]
    timings["longest"] = [(d, t0 - busy_from, "fit" if t0 <= fit_end else "plan") for d, t0 in longest]
    return {"renders": renders, "redraws": during, "times": times, **timings}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--park", default=str(ROOT / "data" / "demo"))
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--log", default=None, help="keep the server's log in this file")
    ap.add_argument(
        "--own-browsers",
        action="store_true",
        help="one Chromium process per session (default: one shared Chromium, a tab per session)",
    )
    args = ap.parse_args(argv)
    if not (Path(args.park) / "park.toml").is_file():
        print(f"error: no park in {args.park}. Fix: make demo, or pass --park", file=sys.stderr)
        return 2
    load_before = load_average()
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(args.log) if args.log else Path(tmp) / "streamlit.log"
        with app_server(args.park, Path(tmp) / "parks", log=log) as url:
            t0 = time.monotonic()
            out = asyncio.run(drive(url, args.sessions, own_browsers=args.own_browsers))
            wall = time.monotonic() - t0
            server_s, workers_s = server_cpu(url)
    times = out["times"]
    freeze = max(out["redraws"]) if out["redraws"] else float("nan")
    p50, p95 = pct(times, 50), pct(times, 95)
    how = "one Chromium each" if args.own_browsers else "one shared Chromium"
    print(f"park {args.park}, {args.sessions} concurrent sessions ({how}), {wall:.0f} s in all")
    print(f"  load average before {load_before}, after {load_average()} (2 cores)")
    print(f"  server CPU: {server_s:.1f} s in the server process, {workers_s:.1f} s in its job worker")
    if out.get("failed_sessions"):
        print(f"  {out['failed_sessions']} sessions never drew the map (within 300 s): left out below")
    for kind in ("map", "risk page"):
        xs = [t for k, t in out["renders"] if k == kind]
        print(f"  {kind:<10} render: p50 {pct(xs, 50):5.2f} s  p95 {pct(xs, 95):5.2f} s  (n={len(xs)})")
    if out["redraws"]:
        xs = out["redraws"]
        print(f"  map redraw while session 0 fitted and planned: p50 {pct(xs, 50):5.2f} s  (n={len(xs)})")
    print(f"  fit {out.get('fit_s', float('nan')):.1f} s, plan {out.get('plan_s', float('nan')):.1f} s (session 0)")
    for d, at, phase in out.get("longest", []):
        print(f"  a redraw of {d:.2f} s started {at:.0f} s after the fit began (during the {phase})")
    print(
        f"  all renders: p50 {p50:.2f} s, p95 {p95:.2f} s (goal < {P95_TARGET_S:g} s) {'OK' if p95 < P95_TARGET_S else 'MISSED'}"
    )
    print(
        f"  longest freeze of a session while another fitted: {freeze:.2f} s (goal < {FREEZE_TARGET_S:g} s) "
        f"{'OK' if freeze < FREEZE_TARGET_S else 'MISSED'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
