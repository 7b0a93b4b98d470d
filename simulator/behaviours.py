"""Poacher behaviours: one registry, one function per behaviour.

A behaviour says where and when poachers strike: its ``pattern(process, t,
effort)`` returns, for period ``t``, ``{attack type: (share, mean-one
pattern on the grid)}`` and a season factor; ``rate`` scales its attacks
(carcasses are rarer than snare lines); ``blend`` makes it a weighted mix of
other behaviours; ``setup(process)`` draws a behaviour's state once per park
(stored in ``process.state[name]``).  :class:`simulator.poachers.PoacherProcess`
turns the patterns into attack intensities and attacks.

To add a behaviour, write its pattern function and :func:`register_behaviour` it.  A
behaviour that needs random state should draw it in ``setup`` from
``process.child_rng(name)`` (its own stream), so that the parks of the
existing behaviours and seeds do not change.

Examples
--------
>>> sorted(BEHAVIOURS)
['bushmeat', 'displacement', 'hotspot', 'ivory', 'mixed']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import ndimage

from .errors import SettingsError

# The process a behaviour reads (simulator.poachers.PoacherProcess). Not imported: poachers
# imports this registry, and every arrow points one way.
PoacherProcess = Any

Pattern = Callable[[PoacherProcess, int, np.ndarray], tuple[dict[str, tuple[float, np.ndarray]], float]]

DORMANT_USE = 0.1  # share of a gang's use a hotspot site keeps after the gang moved on


@dataclass(frozen=True)
class Behaviour:
    """One poacher behaviour of the registry (see the module docstring)."""

    description: str
    pattern: Pattern | None = None
    rate: float = 1.0
    blend: dict[str, float] | None = None
    setup: Callable[[PoacherProcess], Any] | None = None

    def parts(self, name: str) -> dict[str, float]:
        """The behaviours this one is made of, with their weights (itself alone unless a blend)."""
        return dict(self.blend) if self.blend else {name: 1.0}


BEHAVIOURS: dict[str, Behaviour] = {}


def register_behaviour(name: str, behaviour: Behaviour) -> Behaviour:
    """Add ``behaviour`` to :data:`BEHAVIOURS` under ``name`` (replacing one of that name)."""
    if behaviour.pattern is None and not behaviour.blend:
        raise SettingsError(f"behaviour {name!r} needs a pattern or a blend")
    for part in behaviour.blend or {}:
        if part not in BEHAVIOURS:
            raise SettingsError(f"behaviour {name!r} blends {part!r}, which is not registered; register it first")
    BEHAVIOURS[name] = behaviour
    return behaviour


# --- the behaviours ---------------------------------------------------------------
def bushmeat(p: PoacherProcess, t: int, effort: np.ndarray):
    """Snares near the populated boundary, along rivers and in dense vegetation; camps further in."""
    c = p.c
    vz = (c["ndvi"] - c["ndvi"][p.mask].mean()) / (c["ndvi"][p.mask].std() + 1e-9)
    edge = np.exp(-c["d_boundary"] / 3000.0) * (0.15 + np.exp(-c["d_village"] / 6000.0))
    s = edge * (0.5 + np.exp(-c["d_river"] / 1200.0)) * np.exp(0.6 * vz)
    camp = s * (1.0 - np.exp(-c["d_boundary"] / 2500.0)) * np.exp(-c["d_road"] / 4000.0)
    return {"snare": (0.9, p.norm(s)), "poacher_camp": (0.1, p.norm(camp))}, p.season(8, 0.5, t)


def ivory(p: PoacherProcess, t: int, effort: np.ndarray):
    """Elephant and rhino carcasses where the animals are dense, far from posts, near a road."""
    c = p.c
    far = (1.0 - np.exp(-c["d_post"] / 6000.0)) ** 1.5
    deep = 1.0 - np.exp(-c["d_boundary"] / 5000.0)  # gangs walk in far, away from villagers' eyes
    access = 0.3 + np.exp(-c["d_road"] / 2500.0)
    e = p.el**2 * far * deep * access
    r = p.rh * np.exp(-c["d_water"] / 3000.0) * (0.3 + far) * access
    camp = (e / (e[p.mask].mean() + 1e-12)) * (1.0 - np.exp(-c["d_road"] / 3000.0))
    return (
        {"elephant_carcass": (0.5, p.norm(e)), "rhino_carcass": (0.2, p.norm(r)),
         "poacher_camp": (0.12, p.norm(camp)), "snare": (0.18, p.norm(camp))},
        p.season(1, 0.35, t),
    )  # fmt: skip


def displacement(p: PoacherProcess, t: int, effort: np.ndarray):
    """Intensity falls with the patrol effort of the previous three months, smoothed over ~1.5 km."""
    c = p.c
    base = 0.4 + np.exp(-c["d_water"] / 5000.0)
    lag = np.zeros(p.mask.shape)
    for k, w in ((1, 1.0), (2, 0.6), (3, 0.35)):
        if t - k >= 0:
            lag += w * effort[t - k]
    cells_km = 1.5 * 1000.0 / p.land.grid.cell_size
    lag = ndimage.gaussian_filter(lag, cells_km, mode="constant")
    s = base * np.exp(-2.0 * lag)
    s = p.norm(s)
    types = {
        "snare": (0.7, s),
        "elephant_carcass": (0.15, p.norm(s * p.el)),
        "rhino_carcass": (0.03, p.norm(s * p.rh)),
        "poacher_camp": (0.12, s),
    }
    return types, p.season(7, 0.2, t)


def hotspot_timeline(p: PoacherProcess) -> list[tuple[int, int, float, float, float, float]]:
    """Stints ``(t0, t1, x, y, sigma, strength)`` of the gangs, and the dormant sites' residual use.

    Gangs work from a fixed set of sites where poachers have access to the
    park (the boundary near villages, rivers, waterholes): each gang stays
    at a site for 9-24 months, then moves to another site (often one used
    before).  A site left behind keeps a little use (old routes).  Drawn
    from the process's own generator, first, for every park (as it always
    was: the parks of every seed stay the same).
    """
    rng = p.rng
    n_months = len(p.months)
    grid = p.land.grid
    area = grid.n_cells * p.cell_area
    k = max(3, int(round(area / 350.0)))
    n_sites = max(k + 2, int(round(1.7 * k)))
    gx, gy = grid.centres()
    inside = np.flatnonzero(p.mask.ravel())
    c = {n: p.c[n].ravel()[inside] for n in ("d_boundary", "d_village", "d_river", "d_water")}
    access = (
        2.0 * np.exp(-c["d_boundary"] / 2000.0) * np.exp(-c["d_village"] / 6000.0)
        + np.exp(-c["d_river"] / 800.0)
        + np.exp(-c["d_water"] / 800.0)
    ) ** 3  # sites are where access is best: few places qualify
    w = access / access.sum()
    n_sites = min(n_sites, int(np.count_nonzero(w)))  # tiny parks: as many sites as cells
    sites = inside[rng.choice(len(inside), n_sites, replace=False, p=w)]
    sigmas = rng.uniform(700.0, 1600.0, n_sites)  # 2-5 km wide
    site_w = access[np.searchsorted(inside, sites)]
    site_w = site_w / site_w.sum()
    out = []
    for _ in range(k):
        t = -int(rng.integers(0, 24))
        strength = rng.uniform(2.0, 5.0)
        while t < n_months:
            life = int(rng.integers(9, 25))
            j = int(rng.choice(n_sites, p=site_w))
            i = sites[j]
            out.append((t, t + life, float(gx.ravel()[i]), float(gy.ravel()[i]), float(sigmas[j]), strength))
            t += life
    return out


def hotspot(p: PoacherProcess, t: int, effort: np.ndarray):
    """Persistent clusters 2-5 km wide around the sites the gangs work (see :func:`hotspot_timeline`)."""
    gx, gy = p.land.grid.centres()
    s = np.full(p.mask.shape, 0.03)
    for t0, t1, x, y, sigma, strength in p.state["hotspot"]:
        if t0 <= t:
            use = strength if t < t1 else DORMANT_USE * strength  # a site left behind keeps a little use
            s += use * np.exp(-((gx - x) ** 2 + (gy - y) ** 2) / (2 * sigma**2))
    s = p.norm(s)
    types = {
        "snare": (0.73, s),
        "poacher_camp": (0.15, s),
        "elephant_carcass": (0.1, p.norm(s * p.el)),
        "rhino_carcass": (0.02, p.norm(s * p.rh)),
    }
    return types, p.season(7, 0.15, t)


MIX = {"bushmeat": 0.30, "ivory": 0.30, "displacement": 0.15, "hotspot": 0.25}

register_behaviour("bushmeat", Behaviour(
    "Subsistence and commercial bushmeat snaring from the villages: snares near the boundary on the "
    "populated sides, along rivers and in dense vegetation; peaks in the dry season (May-October).",
    bushmeat,
))  # fmt: skip
register_behaviour("ivory", Behaviour(
    "Organised ivory and rhino-horn gangs: elephant and rhino carcasses where the animals are dense "
    "(elephants near water, rhinos in the sanctuary), deep inside the park, away from ranger posts but "
    "within reach of a road; peaks in the rainy season.",
    ivory, rate=0.5,
))  # fmt: skip
register_behaviour("displacement", Behaviour(
    "Poachers who watch the rangers: they avoid the cells patrolled in the previous three months and "
    "move to where nobody walked, so intensity falls with lagged patrol effort.",
    displacement,
))  # fmt: skip
register_behaviour("hotspot", Behaviour(
    "Gangs reusing their routes: persistent clusters 2-5 km wide around a fixed set of sites where "
    "poachers have access (the boundary near villages, rivers, waterholes); a gang works a site for 9-24 "
    "months, then moves to another, often one used before, and an abandoned site keeps a little use; "
    "learnable only from past finds corrected for patrol effort.",
    hotspot, rate=0.8, setup=hotspot_timeline,
))  # fmt: skip
register_behaviour("mixed", Behaviour(
    "A blend of the four, weighted 30 % bushmeat, 30 % ivory, 15 % displacement and 25 % hotspot.",
    blend=MIX,
))  # fmt: skip


def random_pattern(p: PoacherProcess, t: int, effort: np.ndarray):
    """The pattern of a process drawn at random per seed (``p.random``, a :class:`simulator.randomized.RandomProcess`)."""
    return p.random.pattern(t, effort)


register_behaviour("random", Behaviour(
    "A process drawn at random per seed (simulator.randomized): which covariates matter, with what sign, "
    "shape and strength; an interaction; deterrence by recent patrols; unmapped access routes; moving hot "
    "spots; the detection rate; posts near or far from the risk.  The draws are in truth/truth.json.",
    random_pattern,
))  # fmt: skip
