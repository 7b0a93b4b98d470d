"""``python -m monitoring pike FILE [--site KRU] [--level site|subregion|region]``: PIKE of MIKE sites per year."""

from __future__ import annotations

import argparse
import sys


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("pike", help="PIKE per year of a CITES MIKE site, subregion or region, with its interval")
    p.add_argument("file", help="the MIKE carcass summary table (CSV), or its folder")
    p.add_argument("--site", help="site id or name (e.g. KRU); with --level subregion or region, that id or name")
    p.add_argument("--level", default="site", choices=("site", "subregion", "region"), help="sum carcasses over")
    p.add_argument("--csv", metavar="OUT", help="write the table to this CSV file")
    return p


def run(args) -> int:
    from ..exports import write_table
    from ..mike import mike_pike, read_mike

    table = read_mike(args.file)
    for problem in table.attrs.get("problems", []):
        print(f"note: {problem}", file=sys.stderr)
    pike = mike_pike(table, site=args.site, level=args.level)
    if args.csv:
        print(f"wrote {write_table(pike, args.csv)}")
        return 0
    print(f"PIKE = illegal / all carcasses, 95 % Wilson interval ({table.attrs.get('source')})")
    for _, r in pike.iterrows():
        value = "  -  " if r.carcasses == 0 else f"{r.pike:.2f} ({r.lower:.2f}-{r.upper:.2f})"
        print(f"{r['id']:>5} {r['name'][:24]:<24} {r.year}  {r.illegal:>4} / {r.carcasses:<5} {value}")
    return 0
