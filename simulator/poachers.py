"""The hidden poacher process of the demo park.

Attack intensity ``lambda(cell, month)`` (expected attacks) is a function of
the landscape and of time, different for each *behaviour*; attacks are
Poisson draws placed at random points in their cells, and each is found with
the shared detection probability of the km patrolled in that cell that month
(:func:`layers.defaults.detection_probability`).  Found attacks become
incident records on the day a patrol passed; some lead to arrests and
seizures.

The behaviours (where and when poachers strike) are in the registry of
:mod:`simulator.behaviours`.  Every behaviour keeps a small floor of
intensity everywhere, so that no cell is ever safe.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import shapely
from scipy import ndimage

from layers.defaults import ATTACK_TYPES, DETECTION_SWEEP_KM, detection_probability

from .behaviours import BEHAVIOURS
from .errors import SettingsError
from .landscape import Landscape
from .randomized import RandomProcess

NAMED_BEHAVIOURS = ("bushmeat", "ivory", "displacement", "hotspot", "mixed")  # fixed recipes
ANNUAL_ATTACKS_PER_KM2 = 0.9  # expected attacks per km2 per year, park-wide mean
FLOOR = 0.04  # share of the intensity spread evenly over the park


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
        Source of randomness (the behaviours' states, such as the hotspot
        timeline, are drawn at construction).
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
        self.el = self.norm(c["elephant"])
        self.rh = self.norm(c["rhino"])
        # a random park draws its recipe from its own child generator, and no named behaviour's set-up
        self.state = (
            {} if behaviour == "random" else {n: b.setup(self) for n, b in BEHAVIOURS.items() if b.setup is not None}
        )
        self.random = RandomProcess(land, rng.spawn(1)[0], self.months) if behaviour == "random" else None
        self.sweep_km = self.random.sweep_km if self.random is not None else DETECTION_SWEEP_KM

    # --- for the behaviours' patterns -------------------------------------------------
    def norm(self, a: np.ndarray) -> np.ndarray:
        """``a`` (clipped at 0) divided by its mean over the park: a mean-one pattern, 0 outside."""
        a = np.where(self.mask, np.maximum(a, 0.0), 0.0)
        m = a[self.mask].mean()
        return a / m if m > 0 else np.where(self.mask, 1.0, 0.0)

    def season(self, peak_month: int, amp: float, t: int) -> float:
        """Season factor of period ``t``: ``1 + amp cos(2 pi (month - peak_month) / 12)``."""
        return 1.0 + amp * np.cos(2 * np.pi * (self.months[t] - peak_month) / 12.0)

    def child_rng(self, name: str) -> np.random.Generator:
        """An independent generator for the state of behaviour ``name``; draws nothing from :attr:`rng`."""
        parent = self.rng.bit_generator.seed_seq
        key = (*parent.spawn_key, zlib.crc32(name.encode("utf-8")))
        return np.random.default_rng(np.random.SeedSequence(parent.entropy, spawn_key=key))

    def _monthly_total(self) -> float:
        return self.rate * self.cell_area / 12.0  # mean expected attacks per cell per month

    # --- public ---------------------------------------------------------------
    def intensity(self, t: int, effort: np.ndarray) -> dict[str, np.ndarray]:
        """Expected attacks per cell of every attack type in period ``t``.

        ``effort`` holds the km per cell of periods ``0..t-1`` (and possibly
        later ones, never read).
        """
        total = self._monthly_total()
        out = {k: np.zeros(self.mask.shape) for k in ATTACK_TYPES}
        for name, weight in BEHAVIOURS[self.behaviour].parts(self.behaviour).items():
            part = BEHAVIOURS[name]
            types, season = part.pattern(self, t, effort)
            for typ, (share, pattern) in types.items():
                lam = total * part.rate * weight * share * season * ((1 - FLOOR) * pattern + FLOOR)
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
