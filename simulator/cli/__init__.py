"""Command-line interface of :mod:`simulator`: one module per subcommand.

Each subcommand module exposes ``add_parser(subparsers)`` and ``run(args) -> int``.
"""

from __future__ import annotations

from layers.cli import dispatch
from layers.errors import LayersError

from ..errors import SimulatorError

SUBCOMMANDS = ("demo", "parks", "trial")


def main(argv: list[str] | None = None) -> int:
    """``python -m simulator``: write simulated park folders; replay a park in a simulated field trial."""
    return dispatch(
        "python -m simulator",
        "Write simulated park folders (with their hidden truth).",
        __name__,
        SUBCOMMANDS,
        (SimulatorError, LayersError),
        argv,
    )
