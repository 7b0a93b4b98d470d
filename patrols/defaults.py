"""Defaults of the patrols package: the planner and the field files (shared ones, such as the patrol km and the
detection model, are in :mod:`layers.defaults`)."""

from __future__ import annotations

# A day patrol leaves at first light and is back before dark: about 11-13 h of daylight in the
# parks' latitudes, of which this many hours of travel on the cost surface (walking or driving
# time, from Tobler's function, road speeds and river crossings) leave time for breaks,
# observations and incidents.  No day patrol is planned longer; a multi-day patrol gets this
# many hours per day.
MAX_DAY_HOURS = 8.0

# The second team of a post on a day avoids the cells the first walked: their travel cost is
# multiplied by 1 + this factor in the path search (times and lengths stay true).
TEAM_OVERLAP_PENALTY = 4.0

# Drawn routes are smoothed by a moving average of this many vertices, repeated SMOOTH_PASSES
# times; a smoothed vertex is kept only on passable ground no slower than the cell it came from
# (so routes keep to roads and fords, and never cut across a river or a blocked cell).
SMOOTH_WINDOW = 5
SMOOTH_PASSES = 2
SMOOTH_MAX_SLOWDOWN = 1.05

# Exploration: the planning reward is risk + explore * uncertainty (an upper-confidence bound, see
# patrols.explore); 0 plans for expected finds only.  The plans page and `python -m patrols plan` start
# at 1, chosen by the simulated field trial (python -m simulator trial data/demo --months 6 --explore 0 1:
# more attacks found every month than at 0, and a lower error where nobody looked; see DESIGN.md).
# plan_patrols itself defaults to 0 (it has no uncertainty layer unless given one).
DEFAULT_EXPLORE = 1.0

# Share of each patrol's km (or hours) kept from the route search and spent as search loops in the
# route's best cells (patrols.loops); 0 spends it all on reaching waypoints.
LOOP_SHARE = 0.0

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
