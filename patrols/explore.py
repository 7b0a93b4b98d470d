"""Plans that find out: the value of learning added to the reward of a plan.

A plan that only chases expected finds sends rangers where the model is
already confident, and never learns where it is not.  With ``explore`` > 0
the planner chooses routes on an upper-confidence reward,
``risk + explore * uncertainty``, where ``uncertainty`` is the risk
surface's spread (``RiskSurface.uncertainty``, the standard deviation of the
probability that a cell is attacked across the model's bootstrap members),
which is highest where nobody has looked for a long time.
"""

from __future__ import annotations

import numpy as np

from .errors import PatrolsError


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
            "explore > 0 needs the risk surface's uncertainty layer (pass uncertainty=RiskSurface.uncertainty, "
            "or keep the <risk>_uncertainty.tif written beside the risk raster)"
        )
    uncertainty = np.asarray(uncertainty, dtype=float)
    if uncertainty.shape != np.shape(reward):
        raise PatrolsError(
            f"the uncertainty raster has shape {uncertainty.shape}, the reward {np.shape(reward)}; "
            "use the uncertainty layer of the same risk surface"
        )
    return explore * np.clip(np.nan_to_num(uncertainty, nan=0.0), 0.0, None)
