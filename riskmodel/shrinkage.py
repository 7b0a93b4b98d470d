"""Empirical-Bayes correction of a fitted intensity map by the finds it did not explain.

A covariate model of the attack intensity leaves spatial residuals: a gang
working one valley for a year, a snare line along one stream.  Each cell's
recent record says how far off the model is there: the incidents found,
``F``, against the finds the model expected given where rangers walked,
``E = sum_t lambda_t d(e_t)``.  With a Gamma prior of mean 1 and shape ``a``
on the cell's multiplier of ``lambda``, its posterior mean is
``(F + a) / (E + a)`` (Gamma-Poisson conjugacy): a cell searched often,
with finds well above the model, is raised; one searched often with none is
lowered; one never searched keeps the model's value.  Finds and expectations
are pooled over a Gaussian neighbourhood (route reuse spans a few km) and
weighted toward recent periods (gangs move on).  :func:`multiscale_multiplier`
nests the correction: first over a gang's whole site (a few km), then over
the cell's neighbourhood, so a lightly searched cell inside a site with
many unexpected finds is raised with it.

Where rangers have not searched, past finds say nothing and a model that
leans on them extrapolates from the few rows like it.  :func:`unsearched_weight`
measures how little the neighbourhood of each cell was searched recently
(1: never, 0: searched over and over), the weight of a history-free model
(covariates and past effort only) in the final map.

Examples
--------
>>> import numpy as np
>>> found = np.zeros((2, 1, 3)); found[:, 0, 0] = 3
>>> expected = np.ones((2, 1, 3))
>>> m = rate_multiplier(found, expected, np.ones((1, 3), bool), 500, sigma_km=0, prior=1.0, half_life=None)
>>> np.round(m, 2).tolist()  # (6 + 1) / (2 + 1), then (0 + 1) / (2 + 1)
[[2.33, 0.33, 0.33]]
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import gaussian_filter

SHRINK_SIGMA_KM = 1.0  # neighbourhood (Gaussian sigma, km) pooling finds and expected finds
SHRINK_PRIOR = 2.0  # Gamma shape: expected finds the model's value is worth
SHRINK_HALF_LIFE = 6.0  # periods after which a period's record weighs half
# (sigma_km, prior, half_life) of each scale of multiscale_multiplier, coarse to fine: a gang's
# whole site (a few km) first, with a gentler prior and a longer memory, then the cell's neighbourhood.
SHRINK_SCALES = ((3.0, 4.0, 12.0), (SHRINK_SIGMA_KM, SHRINK_PRIOR, SHRINK_HALF_LIFE))
SEARCH_WINDOW = 12  # periods of patrol effort that count as the recent search of a cell
SEARCH_SIGMA_KM = 1.0  # neighbourhood (Gaussian sigma, km) over which the search is averaged
SEARCH_SCALE = 0.3  # full searches per cell (summed detection) at which the weight falls to 1/e


def rate_multiplier(
    found: np.ndarray,
    expected: np.ndarray,
    mask: np.ndarray,
    cell_size_m: float,
    sigma_km: float = SHRINK_SIGMA_KM,
    prior: float = SHRINK_PRIOR,
    half_life: float | None = SHRINK_HALF_LIFE,
) -> np.ndarray:
    """Posterior mean multiplier of the intensity per cell: (rows, cols), 1 outside the park.

    Parameters
    ----------
    found : array (T, rows, cols)
        Incidents found per cell and period (oldest first).
    expected : array (T, rows, cols)
        Finds the model expected there (intensity times detection probability).
    mask : bool array (rows, cols)
        Cells inside the park.
    cell_size_m : float
        Side of a cell, metres.
    sigma_km : float
        Gaussian pooling radius (0: each cell alone).
    prior : float
        Gamma shape ``a`` (pseudo expected finds at the model's rate).
    half_life : float or None
        Periods after which a period weighs half (None: all weigh the same).
    """
    found = np.asarray(found, np.float64)
    expected = np.asarray(expected, np.float64)
    if found.shape != expected.shape or found.ndim != 3:
        raise ValueError(f"found {found.shape} and expected {expected.shape} must be (T, rows, cols) of one shape")
    if not prior > 0:
        raise ValueError(f"the prior shape must be positive, got {prior}")
    T = found.shape[0]
    w = np.ones(T) if not half_life else 0.5 ** (np.arange(T)[::-1] / float(half_life))
    m = np.asarray(mask, bool)
    f = np.where(m, np.tensordot(w, found, axes=1), 0.0)
    e = np.where(m, np.tensordot(w, expected, axes=1), 0.0)
    if sigma_km > 0:
        sigma = sigma_km * 1000.0 / cell_size_m
        peak = 2 * np.pi * sigma * sigma  # the kernel below peaks at 1: sums, not means
        f = gaussian_filter(f, sigma, mode="constant", truncate=3.0) * peak
        e = gaussian_filter(e, sigma, mode="constant", truncate=3.0) * peak
    out = (f + prior) / (e + prior)
    return np.where(m, out, 1.0)


def multiscale_multiplier(
    found: np.ndarray,
    expected: np.ndarray,
    mask: np.ndarray,
    cell_size_m: float,
    scales=SHRINK_SCALES,
) -> np.ndarray:
    """Product of :func:`rate_multiplier` over nested scales, coarse to fine: (rows, cols).

    Each scale corrects what the coarser ones left: its expected finds are
    the model's times the product so far, so a cell with little evidence of
    its own keeps its area's multiplier instead of falling back to 1.

    Parameters
    ----------
    found, expected, mask, cell_size_m :
        As in :func:`rate_multiplier`.
    scales : sequence of (sigma_km, prior, half_life)
        Pooling radius, Gamma shape and half-life of each scale, coarse first.

    Examples
    --------
    >>> import numpy as np
    >>> found = np.zeros((1, 1, 2)); found[0, 0, 0] = 4
    >>> m = multiscale_multiplier(found, np.ones((1, 1, 2)), np.ones((1, 2), bool), 500, scales=((0, 1.0, None),))
    >>> np.round(m, 2).tolist()  # one scale: rate_multiplier itself
    [[2.5, 0.5]]
    """
    if not len(scales):
        raise ValueError("at least one scale (sigma_km, prior, half_life) is needed")
    expected = np.asarray(expected, np.float64)
    mult = np.ones(np.shape(mask))
    for sigma_km, prior, half_life in scales:
        step = rate_multiplier(found, expected * mult, mask, cell_size_m, sigma_km, prior, half_life)
        mult = mult * step
    return mult


def unsearched_weight(
    km: np.ndarray,
    mask: np.ndarray,
    cell_size_m: float,
    sweep_km: float,
    window: int = SEARCH_WINDOW,
    sigma_km: float = SEARCH_SIGMA_KM,
    scale: float = SEARCH_SCALE,
) -> np.ndarray:
    """How unsearched each cell's neighbourhood was recently: ``exp(-S / scale)``, (rows, cols) in (0, 1].

    ``S`` is the detection probability ``1 - exp(-sweep_km * km / area)``
    summed over the last ``window`` periods, averaged over a Gaussian
    neighbourhood of ``sigma_km`` (cells outside the park count as unsearched).

    Parameters
    ----------
    km : array (T, rows, cols)
        km walked per cell and period (oldest first); NaN counts as 0.
    mask : bool array (rows, cols)
        Cells inside the park.
    cell_size_m : float
        Side of a cell, metres.
    sweep_km : float
        Sweep width of the detection model (km).
    window, sigma_km, scale :
        See ``SEARCH_WINDOW``, ``SEARCH_SIGMA_KM`` and ``SEARCH_SCALE``.

    Examples
    --------
    >>> import numpy as np
    >>> km = np.zeros((3, 1, 2)); km[:, 0, 0] = 100.0  # cell 0 searched thoroughly every period
    >>> w = unsearched_weight(km, np.ones((1, 2), bool), 500, 0.02, sigma_km=0)
    >>> np.round(w, 3).tolist()
    [[0.0, 1.0]]
    """
    km = np.asarray(km, np.float64)
    if km.ndim != 3 or km.shape[1:] != np.shape(mask):
        raise ValueError(f"km {km.shape} must be (T, rows, cols) over the mask's grid {np.shape(mask)}")
    if not scale > 0:
        raise ValueError(f"the search scale must be positive, got {scale}")
    area = (cell_size_m / 1000.0) ** 2
    recent = np.nan_to_num(km[max(0, km.shape[0] - int(window)) :])
    searched = np.where(mask, (-np.expm1(-sweep_km * recent / area)).sum(axis=0), 0.0)
    if sigma_km > 0:
        searched = gaussian_filter(searched, sigma_km * 1000.0 / cell_size_m, mode="constant", truncate=3.0)
    return np.exp(-searched / scale)
