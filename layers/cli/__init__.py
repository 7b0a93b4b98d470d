"""Command-line interface of :mod:`layers`: one module per subcommand.

Each subcommand module exposes ``add_parser(subparsers)`` and ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from ..errors import LayersError

SUBCOMMANDS = ("check", "init", "demo")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m layers", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    modules = {}
    for name in SUBCOMMANDS:
        module = importlib.import_module(f"{__name__}.{name}")
        module.add_parser(sub)
        modules[name] = module
    args = parser.parse_args(argv)
    try:
        return int(modules[args.command.replace("-", "_")].run(args) or 0)
    except LayersError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
