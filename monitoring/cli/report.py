"""``python -m monitoring report PARK --month YYYY-MM --out report.pdf``: the monthly manager report."""

from __future__ import annotations

import argparse
import sys

from ..defaults import REPORT_RISK_MODEL


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("report", help="write the monthly manager report (PDF)")
    p.add_argument("park", help="park folder (holding park.toml)")
    p.add_argument("--month", required=True, metavar="YYYY-MM", help="the month reported")
    p.add_argument("--out", required=True, help="PDF file to write")
    p.add_argument(
        "--risk-model", default=REPORT_RISK_MODEL, help=f"model of next month's risk map ({REPORT_RISK_MODEL})"
    )
    p.add_argument("--no-risk", action="store_true", help="leave out next month's risk map (faster)")
    p.add_argument("--mike", metavar="FILE", help="MIKE carcass table, to draw a site's PIKE beside the park's")
    p.add_argument("--site", metavar="ID", help="MIKE site id for --mike (e.g. KRU)")
    p.add_argument(
        "--exact-locations",
        metavar="MANAGER",
        help="draw exact places of the park's sensitive layers (default: generalised to the park's coarse grid); "
        "MANAGER is a manager in the users file, and the choice is recorded in the park's audit log with --reason",
    )
    p.add_argument("--reason", default="", help="why exact places are needed (with --exact-locations)")
    return p


def run(args) -> int:
    from layers.cli import progress_printer
    from layers.park import load_park

    from ..errors import ReportError
    from ..report import monthly_report, parse_month

    parse_month(args.month)  # before the (slow) load
    if bool(args.mike) != bool(args.site):
        raise ReportError("--mike and --site go together. Fix: give both, e.g. --mike mike.csv --site KRU")
    mike = None
    if args.mike:
        from ..mike import mike_pike, read_mike

        mike = mike_pike(read_mike(args.mike), site=args.site)
    progress = progress_printer()
    park = load_park(args.park, progress=lambda f, m: progress(0.1 * f, m))
    if args.exact_locations:
        from access.exports import allow_exact
        from access.users import UserStore

        manager = UserStore().get(args.exact_locations)
        allow_exact(manager, park.folder, f"monthly report {args.month} (command line)", args.reason)
    summary = monthly_report(
        park,
        args.month,
        args.out,
        fit_risk=not args.no_risk,
        risk_model=args.risk_model,
        mike=mike,
        progress=lambda f, m: progress(0.1 + 0.9 * f, m),
        exact_locations=bool(args.exact_locations),
    )
    for note in summary.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"wrote {summary.path} ({summary.pages} pages)")
    for _, r in summary.key_figures.iterrows():
        print(
            f"  {r.figure}: {r.month_text} {r.unit} (previous month {r.previous_month_text}, a year before {r.last_year_text})"
        )
    if summary.trend is not None:
        print(f"  trend: {summary.trend.statement}")
    return 0
