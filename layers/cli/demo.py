"""``python -m layers demo OUT``: an alias of ``python -m simulator demo OUT``.

The demo park is written by :mod:`simulator`; this thin alias keeps the
``layers`` command line (and ``make demo``) working.  It is the only place
where :mod:`layers` imports the simulator.
"""

from __future__ import annotations

import argparse
import sys


def add_parser(subparsers) -> argparse.ArgumentParser:
    from simulator.cli import demo

    return demo.add_parser(subparsers)


def run(args) -> int:
    from simulator.cli import demo
    from simulator.errors import SimulatorError

    try:
        return demo.run(args)
    except SimulatorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
