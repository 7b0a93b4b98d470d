"""A poacher process drawn at random per seed (the ``random`` behaviour).

The five named behaviours of :mod:`simulator.poachers` are fixed recipes: a
model tuned on them may learn the recipes rather than how to extrapolate.
:class:`RandomProcess` draws a new recipe from the park's random generator:

* covariate terms: 2-4 of the mapped layers (distances to roads, villages,
  rivers, waterholes, the boundary; vegetation, animal densities, relief),
  each with a random sign, shape (linear, threshold, band, saturating) and
  strength, on the covariate's in-park quantile scale;
* the ranger posts: a term on the distance to the posts, its sign drawn, so
  that posts stand near the risk on some parks and far from it on others;
* an interaction (product of two terms) on most parks;
* deterrence: last months' patrols push poachers away, with a drawn strength
  (none on some parks) and reach (Gaussian spread of the lagged effort);
* unmapped access routes: footpaths from the boundary inward and a smooth
  field, persistent, which no layer of the park shows;
* moving hot spots that drift a little every month;
* the detection rate: a sweep width drawn around the default, so a model
  cannot know it in advance;
* a season (peak month and amplitude) and the mix of attack types.

The draws are kept in :attr:`RandomProcess.recipe` (written to the truth),
and everything is deterministic for a given generator state.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from layers.defaults import DETECTION_SWEEP_KM

from .kernels import smooth_noise

# Mapped covariates (landscape names) a random park may use, besides the posts.
TERM_COVARIATES = (
    "d_road",
    "d_village",
    "d_river",
    "d_water",
    "d_boundary",
    "ndvi",
    "elephant",
    "rhino",
    "elevation",
    "slope",
)
SHAPES = ("linear", "threshold", "band", "saturating")
N_TERMS = (2, 4)  # covariate terms per park, besides the posts (inclusive)
TERM_STRENGTH = (0.6, 2.2)  # amplitude of a term on the log-intensity
POST_STRENGTH = (0.3, 1.5)  # amplitude of the distance-to-posts term
INTERACTION_PROB = 0.6
DETERRENCE_PROB = 0.7  # share of parks whose poachers avoid recent patrols
DETERRENCE_STRENGTH = (0.05, 0.6)  # log-intensity drop per km walked per km2 (smoothed, lagged; ~4 where rangers walk)
DETERRENCE_REACH_KM = (0.5, 3.0)
N_ROUTES = (0, 4)
ROUTE_WIDTH_KM = (0.4, 1.5)
ROUTE_STRENGTH = (0.5, 2.0)
FIELD_STRENGTH = (0.2, 0.9)  # sd of the unmapped smooth field on the log-intensity
FIELD_SCALE_KM = (2.0, 8.0)
N_HOTSPOTS = (0, 4)
HOTSPOT_SIGMA_KM = (0.8, 2.5)
HOTSPOT_STRENGTH = (1.0, 5.0)  # peak multiple of the mean pattern
HOTSPOT_DRIFT_KM = (0.1, 1.0)  # per month
SWEEP_FACTOR = (0.4, 2.5)  # sweep width drawn log-uniformly in this multiple of the default
SEASON_AMPLITUDE = (0.0, 0.5)


def _uniform(rng, lo_hi) -> float:
    return float(rng.uniform(*lo_hi))


def _shape(kind: str, u: np.ndarray, centre: float, width: float) -> np.ndarray:
    """A shape on the quantile scale ``u`` (0 and 1 at the 10th and 90th percentiles), centred near 0, amplitude ~1."""
    if kind == "linear":
        return u - 0.5
    if kind == "threshold":
        return 1.0 / (1.0 + np.exp(-(u - centre) / (0.25 * width))) - 0.5
    if kind == "band":
        return np.exp(-0.5 * ((u - centre) / width) ** 2) - 0.5
    return 1.0 - np.exp(-u / width) - 0.5  # saturating


class RandomProcess:
    """A random poacher recipe on one landscape.

    Parameters
    ----------
    land : simulator.landscape.Landscape
        The park.
    rng : numpy.random.Generator
        Source of every draw; all are made here (:meth:`pattern` draws nothing).
    months : numpy.ndarray of int
        Calendar month (1-12) of every period.
    """

    def __init__(self, land, rng: np.random.Generator, months):
        self.land = land
        self.mask = land.grid.mask
        self.months = np.asarray(months)
        cell_km = land.grid.cell_size / 1000.0
        self.cell_km = cell_km
        c = {k: np.nan_to_num(v, nan=0.0) for k, v in land.covariates.items()}
        inside = self.mask
        recipe: dict = {"terms": []}
        log_s = np.zeros(self.mask.shape)
        shapes = {}
        lo, hi = N_TERMS
        names = list(rng.choice(TERM_COVARIATES, int(rng.integers(lo, hi + 1)), replace=False))
        for name in [*names, "d_post"]:
            u = self._quantile_scale(c[name])
            kind = str(rng.choice(SHAPES))
            centre, width = _uniform(rng, (0.2, 0.8)), _uniform(rng, (0.1, 0.35))
            strength = _uniform(rng, POST_STRENGTH if name == "d_post" else TERM_STRENGTH)
            sign = float(rng.choice([-1.0, 1.0]))
            f = _shape(kind, u, centre, width)
            shapes[name] = f
            log_s += sign * strength * f
            recipe["terms"].append(
                {"covariate": name, "shape": kind, "sign": sign, "strength": strength, "centre": centre, "width": width}
            )
        recipe["posts"] = "near the risk" if recipe["terms"][-1]["sign"] < 0 else "far from the risk"
        if rng.uniform() < INTERACTION_PROB:
            a, b = rng.choice(list(shapes), 2, replace=False)
            strength = _uniform(rng, TERM_STRENGTH) * float(rng.choice([-1.0, 1.0]))
            log_s += 2.0 * strength * shapes[a] * shapes[b]
            recipe["interaction"] = {"covariates": [str(a), str(b)], "strength": strength}
        # unmapped access: footpaths from the boundary inward, and a smooth field
        hidden = self._routes(rng, recipe) + self._field(rng, recipe)
        log_s += hidden
        self.static = np.where(inside, log_s, -np.inf)
        self.hidden = np.where(inside, hidden, 0.0)
        # deterrence
        if rng.uniform() < DETERRENCE_PROB:
            self.deter = _uniform(rng, DETERRENCE_STRENGTH)
            self.reach_km = _uniform(rng, DETERRENCE_REACH_KM)
        else:
            self.deter, self.reach_km = 0.0, 1.0
        recipe["deterrence"] = {"strength_per_km_per_km2": self.deter, "reach_km": self.reach_km}
        self.hotspots = self._hotspots(rng, recipe)
        self.sweep_km = DETECTION_SWEEP_KM * float(np.exp(rng.uniform(*np.log(SWEEP_FACTOR))))
        recipe["sweep_km"] = self.sweep_km
        self.peak = int(rng.integers(1, 13))
        self.amp = _uniform(rng, SEASON_AMPLITUDE)
        recipe["season"] = {"peak_month": self.peak, "amplitude": self.amp}
        share = rng.dirichlet([6.0, 1.5, 1.5, 0.6])
        self.shares = dict(zip(("snare", "poacher_camp", "elephant_carcass", "rhino_carcass"), share.tolist()))
        recipe["type_shares"] = self.shares
        self.recipe = recipe
        el, rh = c["elephant"], c["rhino"]
        self.el = self._mean_one(np.maximum(el, 0.0) + 1e-3)
        self.rh = self._mean_one(np.maximum(rh, 0.0) + 1e-3)

    # --- parts ---------------------------------------------------------------
    def _quantile_scale(self, a: np.ndarray) -> np.ndarray:
        vals = a[self.mask]
        q10, q90 = np.quantile(vals, [0.1, 0.9])
        return (a - q10) / max(q90 - q10, 1e-9)

    def _mean_one(self, a: np.ndarray) -> np.ndarray:
        a = np.where(self.mask, a, 0.0)
        m = a[self.mask].mean()
        return a / m if m > 0 else np.where(self.mask, 1.0, 0.0)

    def _routes(self, rng, recipe) -> np.ndarray:
        grid = self.land.grid
        gx, gy = grid.centres()
        inside = np.flatnonzero(self.mask.ravel())
        d_b = np.nan_to_num(self.land.covariates["d_boundary"]).ravel()[inside]
        edge = inside[d_b <= np.quantile(d_b, 0.05)]
        out = np.zeros(self.mask.shape)
        routes = []
        lo, hi = N_ROUTES
        cx, cy = gx.ravel()[inside].mean(), gy.ravel()[inside].mean()
        for _ in range(int(rng.integers(lo, hi + 1))):
            i = int(rng.choice(edge))
            x0, y0 = float(gx.ravel()[i]), float(gy.ravel()[i])
            ang = np.arctan2(cy - y0, cx - x0) + rng.normal(0, 0.6)
            length = float(np.hypot(cx - x0, cy - y0)) * _uniform(rng, (0.4, 1.2))
            x1, y1 = x0 + length * np.cos(ang), y0 + length * np.sin(ang)
            width = _uniform(rng, ROUTE_WIDTH_KM) * 1000.0
            strength = _uniform(rng, ROUTE_STRENGTH)
            # distance from every cell to the segment (x0, y0)-(x1, y1)
            vx, vy = x1 - x0, y1 - y0
            tt = np.clip(((gx - x0) * vx + (gy - y0) * vy) / (vx * vx + vy * vy + 1e-9), 0.0, 1.0)
            d = np.hypot(gx - x0 - tt * vx, gy - y0 - tt * vy)
            out += strength * np.exp(-0.5 * (d / width) ** 2) * (1.0 - 0.5 * tt)  # fading inward
            routes.append({"from": [x0, y0], "to": [x1, y1], "width_m": width, "strength": strength})
        recipe["unmapped_routes"] = routes
        return out

    def _field(self, rng, recipe) -> np.ndarray:
        scale = _uniform(rng, FIELD_SCALE_KM)
        sd = _uniform(rng, FIELD_STRENGTH)
        recipe["unmapped_field"] = {"scale_km": scale, "sd": sd}
        return sd * smooth_noise(rng, self.mask.shape, scale / self.cell_km)

    def _hotspots(self, rng, recipe) -> list[dict]:
        grid = self.land.grid
        gx, gy = grid.centres()
        inside = np.flatnonzero(self.mask.ravel())
        lo, hi = N_HOTSPOTS
        out = []
        for _ in range(int(rng.integers(lo, hi + 1))):
            i = int(rng.choice(inside))
            ang = rng.uniform(0, 2 * np.pi)
            drift = _uniform(rng, HOTSPOT_DRIFT_KM) * 1000.0
            out.append(
                {
                    "x": float(gx.ravel()[i]),
                    "y": float(gy.ravel()[i]),
                    "dx": drift * float(np.cos(ang)),
                    "dy": drift * float(np.sin(ang)),
                    "sigma_m": _uniform(rng, HOTSPOT_SIGMA_KM) * 1000.0,
                    "strength": _uniform(rng, HOTSPOT_STRENGTH),
                }
            )
        recipe["moving_hotspots"] = out
        return out

    # --- public --------------------------------------------------------------
    def pattern(self, t: int, effort: np.ndarray) -> tuple[dict, float]:
        """Type -> (share, mean-one pattern) and the season factor of period ``t``.

        ``effort`` holds the km per cell of periods ``0..t-1`` (later ones are never read).
        """
        s = np.exp(self.static - self.static[self.mask].max())
        s = self._mean_one(s)
        if self.hotspots:
            gx, gy = self.land.grid.centres()
            bump = np.zeros(self.mask.shape)
            for h in self.hotspots:
                x = np.clip(h["x"] + t * h["dx"], gx.min(), gx.max())
                y = np.clip(h["y"] + t * h["dy"], gy.min(), gy.max())
                bump += h["strength"] * np.exp(-((gx - x) ** 2 + (gy - y) ** 2) / (2 * h["sigma_m"] ** 2))
            s = s * (1.0 + bump)
        if self.deter > 0:
            lag = np.zeros(self.mask.shape)
            for k, w in ((1, 0.5), (2, 0.3), (3, 0.2)):
                if t - k >= 0:
                    lag += w * effort[t - k]
            lag = ndimage.gaussian_filter(lag, self.reach_km / self.cell_km, mode="constant")
            s = s * np.exp(-self.deter * lag / (self.cell_km**2))
        s = self._mean_one(s)
        types = {
            "snare": (self.shares["snare"], s),
            "poacher_camp": (self.shares["poacher_camp"], s),
            "elephant_carcass": (self.shares["elephant_carcass"], self._mean_one(s * self.el)),
            "rhino_carcass": (self.shares["rhino_carcass"], self._mean_one(s * self.rh)),
        }
        season = 1.0 + self.amp * np.cos(2 * np.pi * (self.months[t] - self.peak) / 12.0)
        return types, float(season)
