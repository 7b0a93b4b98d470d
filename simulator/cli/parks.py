"""``python -m simulator parks OUT --n N``: write N demo parks of varied settings into OUT.

Parks ``OUT/park-01``, ``OUT/park-02``, ... vary in area, shape, cell size,
months of history and poacher behaviour, drawn from ``--seed`` (park i is the
same whatever N); ``OUT/parks.csv`` lists their settings.  Sizes and free
disk are checked before any park is written, and existing parks are never
replaced.
"""

from __future__ import annotations

import argparse
import time


def add_parser(subparsers) -> argparse.ArgumentParser:
    from ..defaults import MAX_PARKS, PARKS_AREA_KM2, PARKS_CELL_SIZE_M, PARKS_ELONGATION, PARKS_MONTHS

    p = subparsers.add_parser(
        "parks",
        help="write N demo parks of varied size, shape, cell size, history and behaviour",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("out", help="folder to write the parks into")
    p.add_argument("--n", type=int, required=True, help=f"number of parks (1-{MAX_PARKS})")
    p.add_argument("--seed", type=int, default=0, help="random seed of the batch (default 0)")
    lo_hi = {"nargs": 2, "metavar": ("LOW", "HIGH")}
    p.add_argument("--area-km2", type=float, default=PARKS_AREA_KM2, **lo_hi,
                   help="range of park areas in km2 (default %(default)s)")  # fmt: skip
    p.add_argument("--cell-size", type=float, default=PARKS_CELL_SIZE_M, **lo_hi,
                   help="range of grid cell sizes in m (default %(default)s)")  # fmt: skip
    p.add_argument("--months", type=int, default=PARKS_MONTHS, **lo_hi,
                   help="range of months of history (default %(default)s)")  # fmt: skip
    p.add_argument("--elongation", type=float, default=PARKS_ELONGATION, **lo_hi,
                   help="range of the extra north-south stretch of the boundary (default %(default)s)")  # fmt: skip
    p.add_argument("--end", default="2026-10-31", help="last day of records, YYYY-MM-DD (default 2026-10-31)")
    return p


def run(args) -> int:
    from layers.cli import progress_printer

    from ..batch import check_batch, draw_parks, generate_parks

    t0 = time.perf_counter()
    parks = draw_parks(args.n, args.seed, args.area_km2, args.cell_size, args.months, args.elongation)
    need = check_batch(args.out, parks)
    print(f"writing {len(parks)} parks into {args.out} (about {need / 1e6:,.0f} MB)")
    folders = generate_parks(
        args.out, args.n, args.seed, args.area_km2, args.cell_size, args.months, args.elongation,
        end=args.end, progress=progress_printer(),
    )  # fmt: skip
    for p, folder in zip(parks, folders):
        print(
            f"  {folder}: {p.area_km2:,.0f} km2, cells {p.cell_size_m:g} m, {p.months} months, "
            f"{p.behaviour}, elongation {p.elongation:g}, seed {p.seed}"
        )
    print(f"wrote {len(folders)} parks in {time.perf_counter() - t0:.1f} s; settings in {args.out}/parks.csv")
    return 0
