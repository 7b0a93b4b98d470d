"""Helpers shared by the subcommands."""

from __future__ import annotations

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
