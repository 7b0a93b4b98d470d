"""Small statistics of the indicators: the Wilson score interval and a Poisson regression by IRLS.

Examples
--------
>>> lo, hi = wilson_interval(3, 10)
>>> round(lo, 4), round(hi, 4)
(0.1078, 0.6032)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from .defaults import CI_LEVEL
from .errors import MonitoringError

__all__ = ["PoissonFit", "poisson_regression", "wilson_interval"]


def wilson_interval(k, n, level: float = CI_LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a binomial proportion ``k / n``.

    Works element-wise; ``NaN`` where ``n == 0``.  The Wilson interval keeps
    its coverage near 0 and 1 and for small ``n`` (carcasses of one month),
    where the Wald interval collapses.

    Parameters
    ----------
    k, n : array-like
        Successes (illegal carcasses) and trials (all carcasses).
    level : float
        Confidence level (0.95).

    Returns
    -------
    lower, upper : numpy.ndarray or float
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    z = stats.norm.ppf(0.5 + level / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        lower = np.where(n > 0, np.clip(centre - half, 0, 1), np.nan)
        upper = np.where(n > 0, np.clip(centre + half, 0, 1), np.nan)
    if lower.ndim == 0:
        return float(lower), float(upper)
    return lower, upper


@dataclass
class PoissonFit:
    """A fitted Poisson regression ``log E[y] = X @ coef + offset``."""

    coef: np.ndarray
    cov: np.ndarray
    deviance: float
    iterations: int

    @property
    def se(self) -> np.ndarray:
        """Standard errors of the coefficients (from the Fisher information)."""
        return np.sqrt(np.diag(self.cov))

    def interval(self, j: int, level: float = CI_LEVEL) -> tuple[float, float]:
        """Wald interval of coefficient ``j``."""
        z = stats.norm.ppf(0.5 + level / 2)
        return float(self.coef[j] - z * self.se[j]), float(self.coef[j] + z * self.se[j])


def poisson_regression(X, y, offset=None, max_iter: int = 100, tol: float = 1e-10) -> PoissonFit:
    """Maximum-likelihood Poisson regression with a log link, by iteratively reweighted least squares.

    Parameters
    ----------
    X : array-like (n, p)
        Design matrix (include a column of ones for an intercept).
    y : array-like (n,)
        Counts.
    offset : array-like (n,), optional
        Added to the linear predictor (log effort).

    Returns
    -------
    PoissonFit

    Raises
    ------
    MonitoringError
        When the fit does not converge (a covariate separates the zeros).
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    off = np.zeros(len(y)) if offset is None else np.asarray(offset, dtype=float)
    mu = np.maximum(y, 0.5)  # start from the data, as GLM software does
    eta = np.log(mu)
    coef = np.zeros(X.shape[1])
    dev_old = np.inf
    n_iter = 0
    for n_iter in range(1, max_iter + 1):  # noqa: B007 (the count is returned)
        z = eta - off + (y - mu) / mu
        w = mu
        xtw = X.T * w
        coef = np.linalg.solve(xtw @ X, xtw @ z)
        eta = np.clip(X @ coef + off, -700, 700)
        mu = np.exp(eta)
        with np.errstate(divide="ignore", invalid="ignore"):
            dev = 2 * float(np.sum(np.where(y > 0, y * np.log(y / mu), 0.0) - (y - mu)))
        if abs(dev - dev_old) <= tol * (abs(dev) + 0.1):
            break
        dev_old = dev
    else:
        raise MonitoringError(f"the Poisson regression did not converge in {max_iter} iterations")
    cov = np.linalg.inv((X.T * mu) @ X)
    return PoissonFit(coef, cov, dev, n_iter)
