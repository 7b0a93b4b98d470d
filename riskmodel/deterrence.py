"""Deterrence apart from detection: recent patrols may lower the attacks, never raise them.

Two effects of patrol effort meet in the finds of a cell.  The current
month's km raise the share of attacks found (detection,
``d(e) = 1 - exp(-s e / A)``); the km of the last months nearby may push
poachers away (deterrence).  A model that lets the trees read the recent
effort as a predictor of the attacks also learns the opposite pull: rangers
are sent where attacks were found, so more recent km go with more attacks,
and ground nobody walked is rated low for lack of patrols -- the ground where
a map matters most.

:func:`fit_deterrence` estimates a log-linear deterrence term
``g = exp(z beta)`` on the recent effort nearby ``z`` (each column on its
own linear scale) with ``beta <= 0``, in one Poisson GLM beside the
predictors' design, the detection as exposure.  A column whose coefficient
comes out positive (patrols following the attacks) is left out and the GLM
refitted.  The attack model is then fitted with ``d * g`` as the exposure
and predicts ``lambda * g``.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> z = rng.gamma(2.0, 1.0, (4000, 1)); d = np.full(4000, 0.5)
>>> y = rng.poisson(0.5 * np.exp(-0.5 * z[:, 0]) * d)
>>> beta = fit_deterrence(np.zeros((4000, 0)), z, y, d)
>>> bool(-0.7 < beta[0] < -0.3)
True
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import PoissonRegressor


def fit_deterrence(design: np.ndarray, z: np.ndarray, y: np.ndarray, d: np.ndarray, alpha: float = 1e-5) -> np.ndarray:
    """Coefficients ``beta <= 0`` of the deterrence columns ``z`` (one per column; 0 for those left out).

    Parameters
    ----------
    design : array (n, p)
        The other predictors of the GLM (may have no column).
    z : array (n, k)
        Recent effort nearby, one column per measure, on a linear scale.
    y : array (n,)
        Finds per row.
    d : array (n,)
        Detection probability of each row's own effort (the exposure).
    alpha : float
        L2 penalty of the GLM.
    """
    design, z = np.asarray(design, np.float64), np.asarray(z, np.float64)
    y, d = np.asarray(y, np.float64), np.asarray(d, np.float64)
    keep = np.ones(z.shape[1], bool)
    coef = np.zeros(z.shape[1])
    while keep.any():
        glm = PoissonRegressor(alpha=alpha, max_iter=300)
        glm.fit(np.hstack([design, z[:, keep]]), y / d, sample_weight=d)
        coef[:] = 0.0
        coef[keep] = glm.coef_[design.shape[1] :]
        if (coef <= 0).all():
            break
        keep &= coef <= 0
    return np.where(keep, np.minimum(coef, 0.0), 0.0)
