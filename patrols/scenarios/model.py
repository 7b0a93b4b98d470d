"""A scenario: a named set of changes to a park's current patrol set-up.

The *baseline* is the park's current set-up: its posts (``park.posts``),
:data:`~patrols.scenarios.defaults.BASELINE_TEAMS` teams per post, patrol days
per month, km per patrol, foot day patrols.  A :class:`Scenario` changes some
of these: posts added, moved or removed, teams per post (at every post, at
named posts, or one more everywhere), patrol days per month, km or hours per
patrol, patrol kind (at every post or at named ones), 1- or 2-day patrols,
and optionally the risk raster and the months it covers.
:func:`resolve` applies a scenario to a park and gives the :class:`Setup`
that is planned: every post with its coordinates in the park CRS, its teams
and kind.

A scenario maps to and from a plain dict (:meth:`Scenario.to_dict`,
:func:`scenario_from_dict`), the content of its TOML file
(:mod:`patrols.scenarios.io`)::

    name = "Ford post"
    description = "a post at the river ford"
    crs = "EPSG:4326"                 # CRS of the coordinates below (default lon/lat)

    [patrols]                         # every key optional: the baseline's value otherwise
    days_per_month = 20               # days each team patrols in the month
    km = 20                           # km per patrol and day (or hours = 6)
    kind = "foot"                     # "foot" or "vehicle", at every post
    days_per_patrol = 1               # 1: day patrols; 2: camping out one night
    teams = 2                         # teams at every post
    extra_teams = 0                   # teams added at every post
    rangers_per_team = 4

    [risk]                            # optional
    file = "risk.tif"                 # relative to the park folder
    horizon_months = 1                # months the risk map covers

    [posts]
    remove = ["Camp B"]
    teams = { "Main Gate" = 3 }
    kind = { "Main Gate" = "vehicle" }

    [[posts.add]]
    name = "Ford"
    x = 31.52                         # easting or longitude, in `crs`
    y = -24.11
    teams = 2                         # optional
    kind = "foot"                     # optional

    [[posts.move]]
    name = "River"
    x = 31.50
    y = -24.20
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path

from layers.defaults import COL_NAME

from ..cost import KINDS
from ..errors import ScenarioError
from .defaults import (
    BASELINE_DAYS_PER_PATROL,
    BASELINE_KIND,
    BASELINE_KM,
    BASELINE_NAME,
    BASELINE_PATROL_DAYS_PER_MONTH,
    BASELINE_TEAMS,
    DEFAULT_SCENARIO_CRS,
    RANGERS_PER_TEAM,
)

MAX_TEAMS_PER_POST = 20
MAX_DAYS_PER_PATROL = 2


@dataclass
class PostChange:
    """A post added or moved: its name, coordinates (in the scenario's CRS), and optionally its teams and kind."""

    name: str
    x: float
    y: float
    teams: int | None = None
    kind: str | None = None


@dataclass
class Scenario:
    """A named set of changes to the park's current set-up (see the module docstring for the file layout).

    Every setting left ``None`` keeps the baseline's value.
    """

    name: str
    description: str = ""
    crs: str = DEFAULT_SCENARIO_CRS
    add_posts: list[PostChange] = field(default_factory=list)
    move_posts: list[PostChange] = field(default_factory=list)
    remove_posts: list[str] = field(default_factory=list)
    post_teams: dict[str, int] = field(default_factory=dict)
    post_kinds: dict[str, str] = field(default_factory=dict)
    teams: int | None = None
    extra_teams: int = 0
    days_per_month: int | None = None
    km: float | None = None
    hours: float | None = None
    kind: str | None = None
    days_per_patrol: int | None = None
    rangers_per_team: int | None = None
    risk_file: str | None = None
    horizon_months: int | None = None
    source: Path | None = field(default=None, compare=False)

    @property
    def is_baseline(self) -> bool:
        """Whether the scenario changes nothing (the park's current set-up)."""
        return self.to_dict(with_name=False) == {}

    def renamed(self, name: str) -> Scenario:
        """A copy under another name (not tied to a file)."""
        return replace(self, name=name, source=None)

    def to_dict(self, with_name: bool = True) -> dict:
        """The scenario as the plain dict written to its TOML file (only what it changes)."""
        out: dict = {}
        if with_name:
            out["name"] = self.name
            if self.description:
                out["description"] = self.description
            if self.add_posts or self.move_posts:
                out["crs"] = self.crs
        patrols = {
            "days_per_month": self.days_per_month,
            "km": self.km,
            "hours": self.hours,
            "kind": self.kind,
            "days_per_patrol": self.days_per_patrol,
            "teams": self.teams,
            "extra_teams": self.extra_teams or None,
            "rangers_per_team": self.rangers_per_team,
        }
        patrols = {k: v for k, v in patrols.items() if v is not None}
        if patrols:
            out["patrols"] = patrols
        risk = {k: v for k, v in {"file": self.risk_file, "horizon_months": self.horizon_months}.items() if v}
        if risk:
            out["risk"] = risk
        posts: dict = {}
        if self.remove_posts:
            posts["remove"] = list(self.remove_posts)
        if self.post_teams:
            posts["teams"] = dict(self.post_teams)
        if self.post_kinds:
            posts["kind"] = dict(self.post_kinds)
        for key, changes in (("add", self.add_posts), ("move", self.move_posts)):
            if changes:
                posts[key] = [_change_dict(c) for c in changes]
        if posts:
            out["posts"] = posts
        return out


def baseline() -> Scenario:
    """The park's current set-up: a scenario that changes nothing."""
    return Scenario(name=BASELINE_NAME, description="the park's current set-up")


def _change_dict(c: PostChange) -> dict:
    d = {"name": c.name, "x": c.x, "y": c.y}
    if c.teams is not None:
        d["teams"] = c.teams
    if c.kind is not None:
        d["kind"] = c.kind
    return d


# --------------------------------------------------------------------------- parsing


class _Reader:
    """Typed look-ups in a scenario dict, each failure naming the file, the key and the fix."""

    def __init__(self, source):
        self.where = f"{source}: " if source else ""

    def fail(self, key: str, problem: str, fix: str):
        raise ScenarioError(f"{self.where}key {key!r} {problem}; {fix}")

    def table(self, d: dict, key: str, name: str) -> dict:
        value = d.get(name, {})
        if not isinstance(value, dict):
            self.fail(key, f"must be a table, got {value!r}", f"write it as [{key}] with keys below it")
        return value

    def unknown(self, d: dict, key: str, allowed) -> None:
        extra = sorted(set(d) - set(allowed))
        if extra:
            full = f"{key}.{extra[0]}" if key else extra[0]
            self.fail(full, "is not a scenario setting", f"use one of {', '.join(sorted(allowed))} (or remove it)")

    def text(self, value, key: str, fix: str) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(key, f"must be a non-empty text, got {value!r}", fix)
        return value.strip()

    def integer(self, value, key: str, lo: int, hi: int, fix: str) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            self.fail(key, f"must be a whole number from {lo} to {hi}, got {value!r}", fix)
        return int(value)

    def number(self, value, key: str, fix: str, positive: bool = True) -> float | None:
        if value is None:
            return None
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        if not ok or positive and value <= 0:
            self.fail(key, f"must be a {'positive ' if positive else ''}number, got {value!r}", fix)
        return float(value)

    def kind(self, value, key: str) -> str | None:
        if value is None:
            return None
        if value not in KINDS:
            self.fail(key, f"must be one of {', '.join(map(repr, KINDS))}, got {value!r}", 'write e.g. kind = "foot"')
        return str(value)


def scenario_from_dict(data: dict, source=None, name: str | None = None) -> Scenario:
    """Build a :class:`Scenario` from the dict of a scenario file.

    Raises
    ------
    ScenarioError
        On any malformed key, naming ``source`` (the file), the key and the fix.
    """
    r = _Reader(source)
    if not isinstance(data, dict):
        raise ScenarioError(f"{r.where}a scenario must be a TOML table of settings")
    r.unknown(data, "", ("name", "description", "crs", "patrols", "risk", "posts"))
    default_name = name or (Path(source).stem if source else None)
    raw_name = data.get("name", default_name)
    sname = r.text(raw_name, "name", 'give the scenario a name, e.g. name = "Ford post"')
    description = data.get("description", "")
    if not isinstance(description, str):
        r.fail("description", f"must be a text, got {description!r}", 'write it in quotes, e.g. description = "..."')
    crs = r.text(data.get("crs", DEFAULT_SCENARIO_CRS), "crs", 'write a CRS, e.g. crs = "EPSG:4326" (lon/lat)')
    try:
        from pyproj import CRS

        CRS.from_user_input(crs)
    except Exception:  # pyproj's CRSError and friends: translated where the file is read
        r.fail("crs", f"is not a CRS pyproj knows ({crs!r})", 'write an EPSG code, e.g. crs = "EPSG:32736"')

    p = r.table(data, "patrols", "patrols")
    r.unknown(
        p,
        "patrols",
        ("days_per_month", "km", "hours", "kind", "days_per_patrol", "teams", "extra_teams", "rangers_per_team"),
    )
    km = r.number(p.get("km"), "patrols.km", "write the km of one patrol and day, e.g. km = 20")
    hours = r.number(p.get("hours"), "patrols.hours", "write the hours of one patrol and day, e.g. hours = 6")
    if km is not None and hours is not None:
        r.fail("patrols.hours", "is given with patrols.km", "budget patrols in km or in hours, not both")
    risk = r.table(data, "risk", "risk")
    r.unknown(risk, "risk", ("file", "horizon_months"))
    risk_file = risk.get("file")
    if risk_file is not None:
        risk_file = r.text(risk_file, "risk.file", 'write the risk raster\'s path, e.g. file = "risk.tif"')

    posts = r.table(data, "posts", "posts")
    r.unknown(posts, "posts", ("add", "move", "remove", "teams", "kind"))
    remove = posts.get("remove", [])
    if not isinstance(remove, list) or not all(isinstance(n, str) for n in remove):
        r.fail("posts.remove", f"must be a list of post names, got {remove!r}", 'write e.g. remove = ["Camp B"]')
    team_fix = "write the number of teams, e.g. teams = 2 (0 leaves a post unmanned)"
    post_teams = {
        str(k): r.integer(v, f"posts.teams.{k}", 0, MAX_TEAMS_PER_POST, team_fix)
        for k, v in r.table(posts, "posts.teams", "teams").items()
    }
    post_kinds = {str(k): r.kind(v, f"posts.kind.{k}") for k, v in r.table(posts, "posts.kind", "kind").items()}
    changes = {}
    for key in ("add", "move"):
        items = posts.get(key, [])
        if not isinstance(items, list):
            r.fail(f"posts.{key}", "must be a list of posts", f"write each post as a [[posts.{key}]] table")
        out = []
        for i, item in enumerate(items, start=1):
            where = f"posts.{key}[{i}]"
            if not isinstance(item, dict):
                r.fail(where, "must be a table", f"write it as [[posts.{key}]] with name, x and y")
            r.unknown(item, where, ("name", "x", "y", "teams", "kind"))
            coord_fix = (
                f"write the post's coordinates in {crs} as numbers (x = easting or longitude, y = northing or latitude)"
            )
            for c in ("x", "y"):
                if c not in item:
                    r.fail(f"{where}.{c}", "is missing", coord_fix)
            out.append(
                PostChange(
                    name=r.text(item.get("name"), f"{where}.name", 'give the post a name, e.g. name = "Ford"'),
                    x=r.number(item["x"], f"{where}.x", coord_fix, positive=False),
                    y=r.number(item["y"], f"{where}.y", coord_fix, positive=False),
                    teams=r.integer(item.get("teams"), f"{where}.teams", 0, MAX_TEAMS_PER_POST, team_fix),
                    kind=r.kind(item.get("kind"), f"{where}.kind"),
                )
            )
        changes[key] = out
    return Scenario(
        name=sname,
        description=description,
        crs=crs,
        add_posts=changes["add"],
        move_posts=changes["move"],
        remove_posts=list(remove),
        post_teams=post_teams,
        post_kinds=post_kinds,
        teams=r.integer(p.get("teams"), "patrols.teams", 0, MAX_TEAMS_PER_POST, team_fix),
        extra_teams=r.integer(p.get("extra_teams", 0), "patrols.extra_teams", 0, MAX_TEAMS_PER_POST, team_fix),
        days_per_month=r.integer(
            p.get("days_per_month"), "patrols.days_per_month", 1, 31, "write the days a team patrols, e.g. 20"
        ),
        km=km,
        hours=hours,
        kind=r.kind(p.get("kind"), "patrols.kind"),
        days_per_patrol=r.integer(
            p.get("days_per_patrol"),
            "patrols.days_per_patrol",
            1,
            MAX_DAYS_PER_PATROL,
            "write 1 (day patrols) or 2 (camping out one night)",
        ),
        rangers_per_team=r.integer(
            p.get("rangers_per_team"), "patrols.rangers_per_team", 1, 100, "write the rangers in a team, e.g. 4"
        ),
        risk_file=risk_file,
        horizon_months=r.integer(
            risk.get("horizon_months"), "risk.horizon_months", 1, 24, "write the months the risk map covers, e.g. 1"
        ),
        source=Path(source) if source else None,
    )


# --------------------------------------------------------------------------- the set-up it gives


@dataclass
class PostSetup:
    """One post of a set-up: coordinates in the park CRS, teams and patrol kind."""

    name: str
    x: float
    y: float
    teams: int
    kind: str
    change: str = ""  # "", "added" or "moved"


@dataclass
class Setup:
    """What a scenario plans: its posts and the patrol settings shared by them."""

    scenario: str
    posts: dict[str, PostSetup]
    days_per_month: int
    km: float | None
    hours: float | None
    days_per_patrol: int
    rangers_per_team: int

    @property
    def teams(self) -> int:
        """Teams over every post."""
        return sum(p.teams for p in self.posts.values())

    @property
    def team_days(self) -> int:
        """Team-days a month the set-up plans (teams x patrol days)."""
        return self.teams * self.days_per_month


def resolve(scenario: Scenario, park) -> Setup:
    """Apply ``scenario`` to the park's current set-up.

    Raises
    ------
    ScenarioError
        A moved or removed post the park does not have, an added post whose
        name is taken, or a post outside the park's grid.
    """
    where = f"{scenario.source}: " if scenario.source else f"scenario {scenario.name!r}: "
    gdf = getattr(park, "posts", None)
    base_kind = scenario.kind or BASELINE_KIND
    base_teams = BASELINE_TEAMS if scenario.teams is None else scenario.teams
    posts: dict[str, PostSetup] = {}
    if gdf is not None and len(gdf):
        for n, g in zip(gdf[COL_NAME], gdf.geometry.centroid):
            posts[str(n)] = PostSetup(str(n), float(g.x), float(g.y), base_teams, base_kind)
    known = ", ".join(posts) or "none"

    def check_known(name: str, key: str) -> None:
        if name not in posts:
            raise ScenarioError(
                f"{where}key {key!r}: the park has no post {name!r}; its posts are {known} (or add it with [[posts.add]])"
            )

    for name in scenario.remove_posts:
        check_known(name, "posts.remove")
        del posts[name]
    xy = _to_park_crs(scenario, park, where)
    for i, c in enumerate(scenario.move_posts):
        check_known(c.name, f"posts.move[{i + 1}]")
        x, y = xy["move"][i]
        post = posts[c.name]
        post.x, post.y, post.change = x, y, "moved"
        if c.teams is not None:
            post.teams = c.teams
        if c.kind is not None:
            post.kind = c.kind
    for i, c in enumerate(scenario.add_posts):
        if c.name in posts:
            raise ScenarioError(
                f"{where}key 'posts.add[{i + 1}].name': the park already has a post {c.name!r}; "
                "give the new post another name (or move the existing one with [[posts.move]])"
            )
        x, y = xy["add"][i]
        teams = base_teams if c.teams is None else c.teams
        posts[c.name] = PostSetup(c.name, x, y, teams, c.kind or base_kind, "added")
    for name, teams in scenario.post_teams.items():
        check_known(name, f"posts.teams.{name}")
        posts[name].teams = teams
    for name, kind in scenario.post_kinds.items():
        check_known(name, f"posts.kind.{name}")
        posts[name].kind = kind
    if scenario.extra_teams:
        for post in posts.values():
            post.teams += scenario.extra_teams
    hours = scenario.hours
    km = None if hours is not None else (scenario.km or BASELINE_KM)
    return Setup(
        scenario=scenario.name,
        posts=posts,
        days_per_month=scenario.days_per_month or BASELINE_PATROL_DAYS_PER_MONTH,
        km=km,
        hours=hours,
        days_per_patrol=scenario.days_per_patrol or BASELINE_DAYS_PER_PATROL,
        rangers_per_team=scenario.rangers_per_team or RANGERS_PER_TEAM,
    )


def _to_park_crs(scenario: Scenario, park, where: str) -> dict[str, list[tuple[float, float]]]:
    """Coordinates of added and moved posts in the park CRS, each checked to fall on the park's grid."""
    from pyproj import Transformer

    grid = park.grid
    transformer = Transformer.from_crs(scenario.crs, grid.crs, always_xy=True)
    out: dict[str, list[tuple[float, float]]] = {}
    for key, changes in (("add", scenario.add_posts), ("move", scenario.move_posts)):
        out[key] = []
        for i, c in enumerate(changes, start=1):
            x, y = transformer.transform(c.x, c.y)
            rows, cols = grid.rowcol(x, y)
            r, col = int(rows), int(cols)
            if not (math.isfinite(x) and math.isfinite(y)) or r < 0 or not grid.mask[r, col]:
                raise ScenarioError(
                    f"{where}key 'posts.{key}[{i}]': post {c.name!r} at ({c.x:g}, {c.y:g}) in {scenario.crs} "
                    "falls outside the park; check the coordinates and the file's `crs =` (lon/lat is EPSG:4326)"
                )
            out[key].append((float(x), float(y)))
    return out
