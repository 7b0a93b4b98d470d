"""Roles and what each may do.

=========  =====================================================================
role       may
=========  =====================================================================
ranger     the park map without animal locations, the plans of their own posts
           (with the risk only along their routes), their patrol files
planner    the whole map, risk, scenarios, every plan, downloads, the park data
manager    everything: edits to the register, the user list, the audit log,
           exports that keep exact locations (recorded)
viewer     aggregated indicators only (no map, no plan, no location)
open       no sign-in (demo park, or sign-in switched off): a planner who may
           also upload parks; never the user list or the audit log
=========  =====================================================================
"""

from __future__ import annotations

from .defaults import MANAGER, OPEN, PLANNER, RANGER, VIEWER

# permissions
MAP = "map"  # the park map
ANIMALS = "animals"  # animal densities, rhino and elephant records, carcasses (sensitive layers)
RISK = "risk"  # the risk surface, its map and rasters
SCENARIOS = "scenarios"
PLANS_ALL = "plans_all"  # every post's plans (else: the user's own posts only)
PLAN = "plan"  # make and see plans (of the posts allowed)
DOWNLOADS = "downloads"  # field files and exports
PARK_DATA = "park_data"  # the load report of a park
UPLOAD = "upload"  # make a new park from uploaded files
REGISTER_EDIT = "register_edit"
USERS = "users"  # the user list
AUDIT = "audit"  # the audit log
EXACT_EXPORT = "exact_export"  # override the generalisation of an outside export (recorded)
INDICATORS = "indicators"  # aggregated indicators
MONITORING = "monitoring"  # the register (incidents with places, cases) and its indicators

PERMISSIONS: dict[str, frozenset[str]] = {
    RANGER: frozenset({MAP, PLAN, DOWNLOADS, INDICATORS}),
    PLANNER: frozenset({MAP, ANIMALS, RISK, SCENARIOS, PLANS_ALL, PLAN, DOWNLOADS, PARK_DATA, INDICATORS, MONITORING}),
    MANAGER: frozenset(
        {MAP, ANIMALS, RISK, SCENARIOS, PLANS_ALL, PLAN, DOWNLOADS, PARK_DATA, UPLOAD, REGISTER_EDIT, USERS, AUDIT}
        | {EXACT_EXPORT, INDICATORS, MONITORING}
    ),
    VIEWER: frozenset({INDICATORS}),
    OPEN: frozenset(
        {MAP, ANIMALS, RISK, SCENARIOS, PLANS_ALL, PLAN, DOWNLOADS, PARK_DATA, UPLOAD, INDICATORS, MONITORING}
        | {REGISTER_EDIT}
    ),
}

DESCRIPTIONS = {
    RANGER: "the map without animal locations, the plans of their own posts, their patrol files",
    PLANNER: "risk, scenarios, every plan and the park data",
    MANAGER: "everything, edits to the register, the user list and the audit log",
    VIEWER: "aggregated indicators only",
    OPEN: "no sign-in: everything but the user list and the audit log",
}


def permissions(role: str) -> frozenset[str]:
    """What ``role`` may do (nothing for an unknown role)."""
    return PERMISSIONS.get(role, frozenset())


def can(user, permission: str) -> bool:
    """Whether ``user`` (anything with a ``role``) has ``permission``."""
    return permission in permissions(getattr(user, "role", ""))
