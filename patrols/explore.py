"""Plans that find out: the value of learning added to the reward of a plan.

A plan that only chases expected finds sends rangers where the model is
already confident, and never learns where it is not.  With ``explore`` > 0
the planner chooses routes on an upper-confidence reward,
``risk + explore * uncertainty``.  :func:`learning_value` gives that
uncertainty from a risk surface: the spread of its estimate
(``RiskSurface.uncertainty``, the standard deviation of the probability
that a cell is attacked across the model's bootstrap members) plus, where
nobody has searched recently (``RiskSurface.unsearched``, 1 where nobody
walked in 12 months), the risk itself: there the map rests on no finds at
all, so its error may be as large as the estimate.  ``explore`` 1 thus
about doubles the value of ground nobody has searched.
"""

from __future__ import annotations

import numpy as np

from .errors import PatrolsError


def learning_value(
    risk: np.ndarray, uncertainty: np.ndarray | None, unsearched: np.ndarray | None = None
) -> np.ndarray:
    """What is not known about each cell's risk: ``uncertainty + risk * unsearched`` (NaN read as 0).

    >>> learning_value(np.array([0.2, 0.4]), np.array([0.01, 0.02]), np.array([1.0, 0.0])).round(3).tolist()
    [0.21, 0.02]
    """
    risk = np.clip(np.nan_to_num(np.asarray(risk, dtype=float), nan=0.0), 0.0, None)
    value = np.zeros(risk.shape)
    if uncertainty is not None:
        value += np.clip(np.nan_to_num(np.asarray(uncertainty, dtype=float), nan=0.0), 0.0, None)
    if unsearched is not None:
        value += risk * np.clip(np.nan_to_num(np.asarray(unsearched, dtype=float), nan=0.0), 0.0, 1.0)
    return value


def exploration_bonus(reward: np.ndarray, uncertainty: np.ndarray | None, explore: float) -> np.ndarray | None:
    """The bonus ``explore * uncertainty`` added to ``reward`` for choosing routes, or ``None`` when ``explore`` is 0.

    Parameters
    ----------
    reward : (R, C) array
        The risk surface planned on (checked for shape only).
    uncertainty : (R, C) array or None
        The risk surface's uncertainty layer, in the units of ``reward``.
    explore : float, >= 0

    >>> exploration_bonus(np.ones((1, 2)), np.array([[0.1, np.nan]]), 2.0)
    array([[0.2, 0. ]])
    """
    explore = float(explore)
    if not np.isfinite(explore) or explore < 0:
        raise PatrolsError(f"explore must be 0 or more (0 = expected finds only), got {explore:g}")
    if explore == 0:
        return None
    if uncertainty is None:
        raise PatrolsError(
            "explore > 0 needs the risk surface's uncertainty (pass uncertainty=learning_value(risk, "
            "RiskSurface.uncertainty, RiskSurface.unsearched), or keep the <risk>_uncertainty.tif written "
            "beside the risk raster)"
        )
    uncertainty = np.asarray(uncertainty, dtype=float)
    if uncertainty.shape != np.shape(reward):
        raise PatrolsError(
            f"the uncertainty raster has shape {uncertainty.shape}, the reward {np.shape(reward)}; "
            "use the uncertainty layer of the same risk surface"
        )
    return explore * np.clip(np.nan_to_num(uncertainty, nan=0.0), 0.0, None)
