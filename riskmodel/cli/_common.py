"""Helpers shared by the subcommands."""

from __future__ import annotations

import sys

from layers.defaults import INCIDENT_TYPES

from ..errors import RiskModelError


def parse_types(text: str) -> tuple[str, ...]:
    """Comma-separated incident types, checked against ``INCIDENT_TYPES``."""
    types = tuple(t.strip() for t in text.split(",") if t.strip())
    bad = [t for t in types if t not in INCIDENT_TYPES]
    if bad or not types:
        raise RiskModelError(
            f"unknown incident type(s) {', '.join(bad) or '(none)'}; choose from {', '.join(INCIDENT_TYPES)}"
        )
    return types


def progress_printer():
    """A ``progress(fraction, message)`` writing one line per new message to stderr."""
    last = {"msg": None}

    def progress(fraction: float, message: str) -> None:
        if message != last["msg"]:
            print(f"[{fraction * 100:3.0f}%] {message}", file=sys.stderr)
            last["msg"] = message

    return progress
