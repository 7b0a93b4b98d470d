"""Command-line interface of :mod:`monitoring`: one module per subcommand (``add_parser``, ``run``)."""

from __future__ import annotations

from layers.cli import dispatch
from layers.errors import LayersError

from ..errors import MonitoringError

SUBCOMMANDS = ("report", "indicators", "pike", "share")


def main(argv: list[str] | None = None) -> int:
    """``python -m monitoring``: the monthly report, indicators, PIKE of MIKE sites, the seizure-sharing export."""
    return dispatch(
        "python -m monitoring",
        "Monthly report, indicators, MIKE PIKE and seizure sharing of a park's register.",
        __name__,
        SUBCOMMANDS,
        (MonitoringError, LayersError),
        argv,
    )
