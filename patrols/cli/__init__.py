"""Command-line interface of :mod:`patrols`: one module per subcommand.

Each subcommand module exposes ``add_parser(subparsers)`` and ``run(args) -> int``.
"""

from __future__ import annotations

from layers.cli import dispatch
from layers.errors import LayersError

from ..errors import PatrolsError

SUBCOMMANDS = ("solve_op", "plan", "scenario", "suggest_posts")


def main(argv: list[str] | None = None) -> int:
    """``python -m patrols``: plan ranger patrols and export them."""
    return dispatch(
        "python -m patrols",
        "Plan ranger patrols and export them.",
        __name__,
        SUBCOMMANDS,
        (PatrolsError, LayersError),
        argv,
    )
