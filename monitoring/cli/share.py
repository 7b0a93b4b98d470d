"""``python -m monitoring share PARK --out seizures.csv [--cell-km 5]``: seizures for other authorities."""

from __future__ import annotations

import argparse

from ..defaults import SHARE_GRID_KM


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "share",
        help="the seizure-sharing export: date, item, quantity, case reference, place on a coarse grid",
    )
    p.add_argument("park", help="park folder (holding park.toml)")
    p.add_argument("--out", required=True, help="CSV file to write")
    p.add_argument(
        "--cell-km", type=float, default=SHARE_GRID_KM, help=f"grid cell of the places ({SHARE_GRID_KM:g} km)"
    )
    return p


def run(args) -> int:
    from layers.park import load_park

    from ..exports import seizure_share, write_table
    from ..register import load_register

    register = load_register(load_park(args.park, skip=("patrols",)))
    table = seizure_share(register, args.cell_km)
    print(f"wrote {write_table(table, args.out)} ({len(table)} seizures, places on a {args.cell_km:g} km grid)")
    return 0
