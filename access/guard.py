"""The library's entry points that pages call: each checks the user's role before it hands data over.

Hiding a widget is not enough: a page gets the park's layers, a plan, a
risk surface or the user list only through these functions, and tests call
them directly.
"""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from .defaults import ALL_PARKS, OPEN
from .errors import PermissionDenied
from .generalise import is_animal_layer, is_carcass_type, risk_near_route
from .roles import ANIMALS, DESCRIPTIONS, INDICATORS, MAP, PLAN, PLANS_ALL, RISK, USERS, can
from .users import User


def open_user() -> User:
    """The visitor when nobody signs in (the demo park, or sign-in switched off)."""
    return User(name="no-sign-in", role=OPEN, parks=(ALL_PARKS,), display="No sign-in")


def require(user, permission: str, what: str = "") -> None:
    """Raise :class:`PermissionDenied` unless ``user`` has ``permission``."""
    if user is None or not can(user, permission):
        role = getattr(user, "role", None)
        who = f"{user.name} ({role})" if user is not None else "A signed-out visitor"
        may = DESCRIPTIONS.get(role, "nothing")
        raise PermissionDenied(
            f"{who} may not see {what or permission}: the {role or 'signed-out'} role may see {may}. "
            "Fix: ask a manager for another role"
        )


# --- parks -------------------------------------------------------------------------------------
def _same(a: str | Path, b: str | Path) -> bool:
    return Path(a).expanduser().resolve() == Path(b).expanduser().resolve()


def allowed_parks(user, candidates) -> list[Path]:
    """The park folders ``user`` may open.

    ``candidates`` are the configured parks (the demo park, the parks saved
    from uploads, ``$PARK_DIR``); a user whose ``parks`` holds ``"*"`` may open
    all of them, others only those listed (a listed folder that is not among
    the candidates is added when it has a ``park.toml``).
    """
    if user is None:
        return []
    found = [Path(c) for c in candidates]
    parks = tuple(getattr(user, "parks", ()) or ())
    if ALL_PARKS in parks:
        out = list(found)
    else:
        out = [c for c in found if any(_same(c, p) for p in parks)]
    for p in parks:
        if p != ALL_PARKS and not any(_same(p, o) for o in out) and (Path(p).expanduser() / "park.toml").is_file():
            out.append(Path(p).expanduser())
    return out


def check_park(user, folder: str | Path, candidates) -> Path:
    """``folder`` when ``user`` may open it, else :class:`PermissionDenied` (no arbitrary server path)."""
    for p in allowed_parks(user, candidates):
        if _same(p, folder):
            return Path(folder)
    who = getattr(user, "name", "A signed-out visitor")
    raise PermissionDenied(
        f"{who} may not open the park folder {folder}. Fix: a manager adds it to the user's parks "
        "(`python -m access set-access NAME --park FOLDER`)"
    )


# --- the map -------------------------------------------------------------------------------------
def park_layers_for(user, park):
    """The park (or park view) as ``user`` may see it on the map.

    Users without the ``animals`` permission (rangers) get a shallow copy
    without the animal layers (densities, rhino and elephant records, carcass
    layers) and without carcass incidents.  Viewers get
    :class:`PermissionDenied`: they see aggregated indicators only.
    """
    require(user, MAP, "the park map")
    if can(user, ANIMALS):
        return park
    out = copy.copy(park)
    out.rasters = {k: v for k, v in (park.rasters or {}).items() if not is_animal_layer(k)}
    out.features = {k: v for k, v in (park.features or {}).items() if not is_animal_layer(k)}
    inc = park.incidents
    if inc is not None and len(inc) and "type" in inc:
        out.incidents = inc[~inc["type"].astype(str).map(is_carcass_type)]
    return out


def risk_for(user, surface):
    """The risk surface, for users who may see risk (planners, managers); :class:`PermissionDenied` otherwise."""
    require(user, RISK, "the risk map and its rasters")
    return surface


# --- plans ----------------------------------------------------------------------------------------
def posts_for(user, posts) -> list[str]:
    """The posts ``user`` may plan for and see plans of: all for planners and managers, a ranger's own."""
    require(user, PLAN, "patrol plans")
    posts = [str(p) for p in posts]
    if can(user, PLANS_ALL):
        return posts
    own = set(getattr(user, "posts", ()) or ())
    return [p for p in posts if p in own]


def plan_for(user, plan):
    """The plan as ``user`` may see it: a ranger gets the patrols of their own posts only."""
    require(user, PLAN, "patrol plans")
    if can(user, PLANS_ALL):
        return plan
    own = set(getattr(user, "posts", ()) or ())
    patrols = [p for p in plan.patrols if p.post in own]
    return dataclasses.replace(plan, patrols=patrols)


def patrol_for(user, patrol):
    """``patrol`` when ``user`` may carry its files, else :class:`PermissionDenied`."""
    require(user, PLAN, "patrol files")
    if not can(user, PLANS_ALL) and patrol.post not in set(getattr(user, "posts", ()) or ()):
        raise PermissionDenied(
            f"{user.name} may not see patrol {patrol.patrol_id} of post {patrol.post}: rangers see their own "
            f"posts' patrols ({', '.join(user.posts) or 'none'}). Fix: ask a manager to add the post"
        )
    return patrol


def sheet_risk_for(user, patrol, risk, grid):
    """The risk background of a patrol's field files: only along the route (never the park's hot cells).

    Every patrol file leaves the office with a team, so the background is
    clipped for every role; ``None`` stays ``None``.
    """
    patrol_for(user, patrol)
    if risk is None or grid is None:
        return None
    return risk_near_route(risk, grid, patrol)


# --- aggregates and users ---------------------------------------------------------------------------
def indicators_for(user, park, effort=None) -> pd.DataFrame:
    """Aggregated indicators per month: incidents by type, km patrolled, incidents per 100 km.

    Everyone with the ``indicators`` permission (viewers included) may have
    these: they hold no location.
    """
    require(user, INDICATORS, "the indicators")
    inc = park.incidents
    if inc is not None and len(inc):
        month = inc["time"].dt.tz_convert(None).dt.to_period("M").astype(str)
        table = pd.crosstab(month, inc["type"].astype(str))
        table.columns = [f"{c.replace('_', ' ')} (count)" for c in table.columns]
        table["incidents (count)"] = table.sum(axis=1)
    else:
        table = pd.DataFrame({"incidents (count)": []})
    table.index.name = "month"
    if effort is not None:
        periods = pd.PeriodIndex(effort.periods).asfreq("M").astype(str)
        km = pd.Series(np.nansum(np.asarray(effort.km), axis=(1, 2)), index=periods, name="patrolled (km)")
        table = table.join(km, how="outer").fillna(0)
        with np.errstate(divide="ignore", invalid="ignore"):
            table["incidents per 100 km"] = np.where(
                table["patrolled (km)"] > 0, 100 * table["incidents (count)"] / table["patrolled (km)"], np.nan
            ).round(2)
    return table.reset_index()


def users_for(user, store) -> list[User]:
    """The user list (managers only)."""
    require(user, USERS, "the user list")
    return store.users()
