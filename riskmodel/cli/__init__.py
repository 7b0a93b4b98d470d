"""Command-line interface of :mod:`riskmodel`: one module per subcommand.

Each subcommand module exposes ``add_parser(subparsers)`` and ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from layers.errors import LayersError

from ..errors import RiskModelError

SUBCOMMANDS = ("fit", "evaluate")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m riskmodel", description="Fit and score poaching-risk surfaces.")
    sub = parser.add_subparsers(dest="command", required=True)
    modules = {}
    for name in SUBCOMMANDS:
        module = importlib.import_module(f"{__name__}.{name}")
        module.add_parser(sub)
        modules[name] = module
    args = parser.parse_args(argv)
    try:
        return int(modules[args.command.replace("-", "_")].run(args) or 0)
    except (RiskModelError, LayersError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
