"""The hidden poacher process of the demo park.

Attack intensity ``lambda(cell, month)`` (expected attacks) is a function of
the landscape and of time, different for each *behaviour*; attacks are
Poisson draws placed at random points in their cells, and each is found with
the shared detection probability of the km patrolled in that cell that month
(:func:`layers.defaults.detection_probability`).  Found attacks become
incident records on the day a patrol passed; some lead to arrests and
seizures.

Every behaviour keeps a small floor of intensity everywhere, so that no cell
is ever safe.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy import ndimage

from layers.defaults import ATTACK_TYPES, DETECTION_SWEEP_KM, detection_probability

from .errors import SettingsError
from .landscape import Landscape
from .randomized import RandomProcess

BEHAVIOURS: dict[str, str] = {
    "bushmeat": (
        "Subsistence and commercial bushmeat snaring from the villages: snares near the boundary on the "
        "populated sides, along rivers and in dense vegetation; peaks in the dry season (May-October)."
    ),
    "ivory": (
        "Organised ivory and rhino-horn gangs: elephant and rhino carcasses where the animals are dense "
        "(elephants near water, rhinos in the sanctuary), deep inside the park, away from ranger posts but "
        "within reach of a road; peaks in the rainy season."
    ),
    "displacement": (
        "Poachers who watch the rangers: they avoid the cells patrolled in the previous three months and "
        "move to where nobody walked, so intensity falls with lagged patrol effort."
    ),
    "hotspot": (
        "Gangs reusing their routes: persistent clusters 2-5 km wide around a fixed set of sites where "
        "poachers have access (the boundary near villages, rivers, waterholes); a gang works a site for 9-24 "
        "months, then moves to another, often one used before, and an abandoned site keeps a little use; "
        "learnable only from past finds corrected for patrol effort."
    ),
    "mixed": "A blend of the four, weighted 30 % bushmeat, 30 % ivory, 15 % displacement and 25 % hotspot.",
    "random": (
        "A process drawn at random per seed (simulator.randomized): which covariates matter, with what sign, "
        "shape and strength; an interaction; deterrence by recent patrols; unmapped access routes; moving hot "
        "spots; the detection rate; posts near or far from the risk.  The draws are in truth/truth.json."
    ),
}
NAMED_BEHAVIOURS = ("bushmeat", "ivory", "displacement", "hotspot", "mixed")  # fixed recipes
MIX = {"bushmeat": 0.30, "ivory": 0.30, "displacement": 0.15, "hotspot": 0.25}
ANNUAL_ATTACKS_PER_KM2 = 0.9  # expected attacks per km2 per year, park-wide mean
RATE = {"ivory": 0.5, "hotspot": 0.8}  # relative attack rates (carcasses are rarer than snare lines)
FLOOR = 0.04  # share of the intensity spread evenly over the park
DORMANT_USE = 0.1  # share of a gang's use a hotspot site keeps after the gang moved on


@dataclass
class MonthAttacks:
    """Every attack of one month."""

    cell: np.ndarray  # flat grid cell
    x: np.ndarray
    y: np.ndarray
    t: np.ndarray  # int64 seconds (UTC)
    type: np.ndarray  # one of ATTACK_TYPES
    found: np.ndarray  # bool
    found_t: np.ndarray  # int64 seconds when found (0 if not found)


class PoacherProcess:
    """Intensity and attacks of one behaviour on a landscape.

    Parameters
    ----------
    behaviour : str
        A key of :data:`BEHAVIOURS`.
    land : Landscape
        The park.
    rng : numpy.random.Generator
        Source of randomness (the hotspot timeline is drawn at construction).
    months : numpy.ndarray of int
        Calendar month (1-12) of every period.
    rate : float
        Expected attacks per km2 per year, park-wide.
    """

    def __init__(self, behaviour: str, land: Landscape, rng: np.random.Generator, months, rate=ANNUAL_ATTACKS_PER_KM2):
        if behaviour not in BEHAVIOURS:
            raise SettingsError(f"unknown behaviour {behaviour!r}; choose one of {', '.join(BEHAVIOURS)}")
        self.behaviour = behaviour
        self.land = land
        self.rng = rng
        self.months = np.asarray(months)
        self.mask = land.grid.mask
        self.cell_area = land.grid.cell_area_km2
        self.rate = rate
        c = {k: np.nan_to_num(v, nan=0.0) for k, v in land.covariates.items()}
        self.c = c
        self.el = self._norm(c["elephant"])
        self.rh = self._norm(c["rhino"])
        self._hot = self._hotspot_timeline(len(self.months)) if behaviour != "random" else []
        # the random recipe draws from its own child generator: the named behaviours' draws are unchanged
        self.random = RandomProcess(land, rng.spawn(1)[0], self.months) if behaviour == "random" else None
        self.sweep_km = self.random.sweep_km if self.random is not None else DETECTION_SWEEP_KM

    # --- helpers ---------------------------------------------------------------
    def _norm(self, a: np.ndarray) -> np.ndarray:
        a = np.where(self.mask, np.maximum(a, 0.0), 0.0)
        m = a[self.mask].mean()
        return a / m if m > 0 else np.where(self.mask, 1.0, 0.0)

    def _season(self, peak_month: int, amp: float, t: int) -> float:
        return 1.0 + amp * np.cos(2 * np.pi * (self.months[t] - peak_month) / 12.0)

    def _monthly_total(self) -> float:
        return self.rate * self.cell_area / 12.0  # mean expected attacks per cell per month

    # --- behaviours (each returns type -> mean-one pattern and a season factor)
    def _bushmeat(self, t, effort):
        c = self.c
        vz = (c["ndvi"] - c["ndvi"][self.mask].mean()) / (c["ndvi"][self.mask].std() + 1e-9)
        edge = np.exp(-c["d_boundary"] / 3000.0) * (0.15 + np.exp(-c["d_village"] / 6000.0))
        s = edge * (0.5 + np.exp(-c["d_river"] / 1200.0)) * np.exp(0.6 * vz)
        camp = s * (1.0 - np.exp(-c["d_boundary"] / 2500.0)) * np.exp(-c["d_road"] / 4000.0)
        return {"snare": (0.9, self._norm(s)), "poacher_camp": (0.1, self._norm(camp))}, self._season(8, 0.5, t)

    def _ivory(self, t, effort):
        c = self.c
        far = (1.0 - np.exp(-c["d_post"] / 6000.0)) ** 1.5
        deep = 1.0 - np.exp(-c["d_boundary"] / 5000.0)  # gangs walk in far, away from villagers' eyes
        access = 0.3 + np.exp(-c["d_road"] / 2500.0)
        e = self.el**2 * far * deep * access
        r = self.rh * np.exp(-c["d_water"] / 3000.0) * (0.3 + far) * access
        camp = (e / (e[self.mask].mean() + 1e-12)) * (1.0 - np.exp(-c["d_road"] / 3000.0))
        return (
            {"elephant_carcass": (0.5, self._norm(e)), "rhino_carcass": (0.2, self._norm(r)),
             "poacher_camp": (0.12, self._norm(camp)), "snare": (0.18, self._norm(camp))},
            self._season(1, 0.35, t),
        )  # fmt: skip

    def _displacement(self, t, effort):
        c = self.c
        base = 0.4 + np.exp(-c["d_water"] / 5000.0)
        lag = np.zeros(self.mask.shape)
        for k, w in ((1, 1.0), (2, 0.6), (3, 0.35)):
            if t - k >= 0:
                lag += w * effort[t - k]
        cells_km = 1.5 * 1000.0 / self.land.grid.cell_size
        lag = ndimage.gaussian_filter(lag, cells_km, mode="constant")
        s = base * np.exp(-2.0 * lag)
        s = self._norm(s)
        types = {
            "snare": (0.7, s),
            "elephant_carcass": (0.15, self._norm(s * self.el)),
            "rhino_carcass": (0.03, self._norm(s * self.rh)),
            "poacher_camp": (0.12, s),
        }
        return types, self._season(7, 0.2, t)

    def _hotspot_timeline(self, n_months: int) -> list[tuple[int, int, float, float, float, float]]:
        """Stints ``(t0, t1, x, y, sigma, strength)`` of the gangs, and the dormant sites' residual use.

        Gangs work from a fixed set of sites where poachers have access to the
        park (the boundary near villages, rivers, waterholes): each gang stays
        at a site for 9-24 months, then moves to another site (often one used
        before).  A site left behind keeps a little use (old routes).
        """
        rng = self.rng
        grid = self.land.grid
        area = grid.n_cells * self.cell_area
        k = max(3, int(round(area / 350.0)))
        n_sites = max(k + 2, int(round(1.7 * k)))
        gx, gy = grid.centres()
        inside = np.flatnonzero(self.mask.ravel())
        c = {n: self.c[n].ravel()[inside] for n in ("d_boundary", "d_village", "d_river", "d_water")}
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

    def _hotspot(self, t, effort):
        gx, gy = self.land.grid.centres()
        s = np.full(self.mask.shape, 0.03)
        for t0, t1, x, y, sigma, strength in self._hot:
            if t0 <= t:
                use = strength if t < t1 else DORMANT_USE * strength  # a site left behind keeps a little use
                s += use * np.exp(-((gx - x) ** 2 + (gy - y) ** 2) / (2 * sigma**2))
        s = self._norm(s)
        types = {
            "snare": (0.73, s),
            "poacher_camp": (0.15, s),
            "elephant_carcass": (0.1, self._norm(s * self.el)),
            "rhino_carcass": (0.02, self._norm(s * self.rh)),
        }
        return types, self._season(7, 0.15, t)

    def _random(self, t, effort):
        return self.random.pattern(t, effort)

    # --- public ---------------------------------------------------------------
    def intensity(self, t: int, effort: np.ndarray) -> dict[str, np.ndarray]:
        """Expected attacks per cell of every attack type in period ``t``.

        ``effort`` holds the km per cell of periods ``0..t-1`` (and possibly
        later ones, never read).
        """
        parts = MIX if self.behaviour == "mixed" else {self.behaviour: 1.0}
        total = self._monthly_total()
        out = {k: np.zeros(self.mask.shape) for k in ATTACK_TYPES}
        for name, weight in parts.items():
            types, season = getattr(self, f"_{name}")(t, effort)
            for typ, (share, pattern) in types.items():
                lam = total * RATE.get(name, 1.0) * weight * share * season * ((1 - FLOOR) * pattern + FLOOR)
                out[typ] += np.where(self.mask, lam, 0.0)
        return out

    def attacks(self, lam: dict[str, np.ndarray], km: np.ndarray, month_start_s: int, n_days: int, seg) -> MonthAttacks:
        """Draw the month's attacks and which were found.

        ``km`` is the effort of the month per cell; ``seg`` the month's dense
        patrol steps (``cell``, ``km``, ``t``), from which the moment of a find
        is drawn (a patrol that walked in the cell, weighted by its km there).
        """
        rng = self.rng
        grid = self.land.grid
        cells, types = [], []
        for typ in ATTACK_TYPES:
            n = rng.poisson(lam[typ].ravel())
            idx = np.repeat(np.arange(n.size), n)
            cells.append(idx)
            types.append(np.full(idx.size, typ, dtype=object))
        cell = np.concatenate(cells)
        typ = np.concatenate(types)
        r, c = np.divmod(cell, grid.shape[1])
        x0, y0 = grid.transform.c, grid.transform.f
        x = x0 + (c + rng.uniform(size=cell.size)) * grid.cell_size
        y = y0 - (r + rng.uniform(size=cell.size)) * grid.cell_size
        for _ in range(4):  # cells on the edge: attacks stay inside the boundary
            out = ~shapely.contains_xy(self.land.boundary, x, y)
            if not out.any():
                break
            x[out] = x0 + (c[out] + rng.uniform(size=out.sum())) * grid.cell_size
            y[out] = y0 - (r[out] + rng.uniform(size=out.sum())) * grid.cell_size
        else:
            x[out] = x0 + (c[out] + 0.5) * grid.cell_size
            y[out] = y0 - (r[out] + 0.5) * grid.cell_size
        p = detection_probability(km.ravel()[cell], self.cell_area, self.sweep_km)
        found = rng.uniform(size=cell.size) < p
        month_len = n_days * 86400
        t = month_start_s + (rng.uniform(size=cell.size) * month_len).astype(np.int64)
        found_t = np.zeros(cell.size, dtype=np.int64)
        if found.any():
            order = np.argsort(seg.cell, kind="stable")
            sc, sk, st = seg.cell[order], seg.km[order], seg.t[order]
            cum = np.cumsum(sk)
            fc = cell[found]
            lo = np.searchsorted(sc, fc, "left")
            hi = np.searchsorted(sc, fc, "right")
            base = np.where(lo > 0, cum[np.maximum(lo - 1, 0)], 0.0)
            tot = cum[hi - 1] - base
            j = np.searchsorted(cum, base + rng.uniform(size=fc.size) * tot, "right")
            j = np.clip(j, lo, hi - 1)
            found_t[found] = st[j]
            # the attack happened before it was found: some time earlier in the month
            t[found] = month_start_s + (rng.uniform(size=fc.size) * (st[j] - month_start_s)).astype(np.int64)
        return MonthAttacks(cell, x, y, t, typ, found, found_t)


def smoothed_finds(counts: np.ndarray, cell_size_m: float) -> np.ndarray:
    """Recent finds spread over ~1.5 km, as rangers remember places (input to patrol choice)."""
    return ndimage.gaussian_filter(counts.astype(float), 1500.0 / cell_size_m, mode="constant") * 25.0
