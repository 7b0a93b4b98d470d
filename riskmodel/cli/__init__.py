"""Command-line interface of :mod:`riskmodel`: one module per subcommand.

Each subcommand module exposes ``add_parser(subparsers)`` and ``run(args) -> int``.
"""

from __future__ import annotations

from layers.cli import dispatch
from layers.errors import LayersError

from ..errors import RiskModelError

SUBCOMMANDS = ("fit", "evaluate")


def main(argv: list[str] | None = None) -> int:
    """``python -m riskmodel``: fit and score poaching-risk surfaces."""
    return dispatch(
        "python -m riskmodel",
        "Fit and score poaching-risk surfaces.",
        __name__,
        SUBCOMMANDS,
        (RiskModelError, LayersError),
        argv,
    )
