"""Defaults of the patrols package's field files (the shared ones live in :mod:`layers.defaults`)."""

from __future__ import annotations

# --- navigation waypoints (patrols.navpoints): what a ranger with paper alone needs
WAYPOINT_MAX_GAP_KM = 2.0  # at most this far along the route between two waypoints
TURN_MIN_DEG = 35.0  # a change of heading above this is a turn and gets a waypoint
ROUTE_SIMPLIFY_M = 250.0  # wiggles smaller than this are not turns (the steps of a route along 500 m cells)
TURN_MERGE_M = 250.0  # a turn this close (along the route) to another waypoint uses that one

# --- the month roster (patrols.roster)
ROSTER_DAYS_PER_COVER_PAGE = 31
ROSTER_POSTS_PER_COVER_PAGE = 8

# --- plan exports (patrols.export): sheets drawn in worker processes for large plans
EXPORT_PARALLEL_MIN_PATROLS = 24  # smaller plans are drawn in this process (starting workers costs seconds)
EXPORT_MAX_WORKERS = 4
