"""How a patrol is named, coloured and described in every file: titles, dates, team colours, units.

Examples
--------
>>> safe_name('Post "A" / north')
'Post _A_ _ north'
>>> team_colour(1)
'#1f4e9e'
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from .route import Patrol

__all__ = [
    "CREATOR",
    "RISK_UNIT",
    "TEAM_COLOURS",
    "date_str",
    "describe",
    "patrol_title",
    "safe_name",
    "team_colour",
]

CREATOR = "rhino-patrol planner"
# Team colours, reused by the KML line and the PDF sheet: dark cool colours that stand out
# on the yellow-red risk background and on Google Earth's imagery.
TEAM_COLOURS = ("#1f4e9e", "#6a1b9a", "#00796b", "#0277bd", "#4527a0", "#37474f", "#ad1457", "#2e7d32")
RISK_UNIT = "attacked cells expected to be found (sum over cells of risk x detection probability)"


def date_str(value) -> str:
    """A date (or datetime, or timestamp) as ``YYYY-MM-DD``; ``""`` for None."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.date().isoformat()
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def describe(patrol: Patrol) -> str:
    """One line describing a patrol, with units: ``foot patrol from Alpha, team 1, 2026-12-01: 12.3 km, 3.1 h``."""
    return (
        f"{patrol.kind} patrol from {patrol.post}, team {patrol.team}, {date_str(patrol.date)}: "
        f"{patrol.length_km:.1f} km, {patrol.hours:.1f} h, expected risk covered {patrol.expected_risk:.3f}"
    )


def safe_name(text: str) -> str:
    """``text`` made safe as a file or folder name on every system."""
    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", str(text)).strip(" .")
    return name or "patrol"


def patrol_title(patrol: Patrol) -> str:
    """The title of a patrol's files: ``Patrol <patrol_id>``."""
    return f"Patrol {patrol.patrol_id}"


def team_colour(team: int) -> str:
    """The colour (``#rrggbb``) drawing team ``team``'s routes in every file."""
    return TEAM_COLOURS[(int(team) - 1) % len(TEAM_COLOURS)]
