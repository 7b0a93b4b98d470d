"""The effort-adjusted trend statement: did finds change more than patrol effort did?

More finds after more patrolling is no evidence of more poaching.  The
statement compares two windows of periods (by default the last ``window``
periods against the ``window`` before) with a Poisson regression of the finds
per period, an indicator of the later window as covariate and log effort as
offset::

    log E[finds_t] = a + b * later_t + log(effort_t)

``exp(b)`` is the rate ratio: finds per unit of effort in the later window over
the earlier one, with its 95 % Wald interval.  It is evidence of a change when
the interval excludes 1.  Periods without effort are left out (finds there say
nothing about the rate per km).

Examples
--------
>>> t = effort_trend([10, 10, 14, 14], [100, 100, 150, 150], window=2)
>>> round(t.finds_change, 2), round(t.effort_change, 2), round(t.rate_ratio, 3)
(0.4, 0.5, 0.933)
>>> t.statement.split(":")[0]
'finds rose 40 % but effort rose 50 %'
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .defaults import CI_LEVEL, TREND_MIN_FINDS
from .errors import MonitoringError
from .stats import poisson_regression

__all__ = ["Trend", "effort_trend", "indicator_trend"]


@dataclass
class Trend:
    """An effort-adjusted comparison of two windows of periods.

    Attributes
    ----------
    finds_before, finds_after : float
        Finds in the earlier and the later window.
    effort_before, effort_after : float
        Effort in each window (``effort_unit``).
    finds_change, effort_change : float
        Relative change later / earlier - 1 (0.4 = +40 %); NaN when the earlier window has none.
    rate_ratio, lower, upper : float
        Finds per unit effort later over earlier, and its interval (NaN when too few finds).
    evidence : str
        ``"more"``, ``"less"``, ``"none"`` (interval holds 1) or ``"too few finds"``.
    statement : str
        One sentence for a manager.
    periods_before, periods_after : list of str
    """

    finds_before: float
    finds_after: float
    effort_before: float
    effort_after: float
    finds_change: float
    effort_change: float
    rate_ratio: float
    lower: float
    upper: float
    evidence: str
    statement: str
    periods_before: list
    periods_after: list
    effort_unit: str = "km"


def _change(after: float, before: float) -> float:
    return after / before - 1.0 if before > 0 else float("nan")


def _say(change: float, what: str) -> str:
    if not np.isfinite(change):
        return f"{what} started from none"
    pct = round(100 * change)
    if pct > 0:
        return f"{what} rose {pct} %"
    if pct < 0:
        return f"{what} fell {-pct} %"
    return f"{what} did not change"


def effort_trend(
    finds,
    effort,
    periods=None,
    window: int | None = None,
    level: float = CI_LEVEL,
    effort_unit: str = "km",
    what: str = "finds",
) -> Trend:
    """Compare the last ``window`` periods with the ``window`` before them, accounting for effort.

    Parameters
    ----------
    finds, effort : array-like
        Finds and effort per period, in order.
    periods : sequence of str, optional
        Labels of the periods (for the record).
    window : int, optional
        Periods per window; by default half the series (rounded down).
    level : float
        Confidence level of the rate-ratio interval.
    effort_unit : str
        Unit of ``effort`` (for the statement).
    what : str
        Name of the counts in the statement (``"finds"``, ``"snares"``).

    Returns
    -------
    Trend
    """
    y = np.asarray(finds, dtype=float)
    e = np.asarray(effort, dtype=float)
    if y.shape != e.shape or y.ndim != 1:
        raise MonitoringError("finds and effort must be two series of the same length")
    labels = list(periods) if periods is not None else [str(i) for i in range(len(y))]
    window = int(window) if window else len(y) // 2
    if window < 1 or 2 * window > len(y):
        raise MonitoringError(
            f"a trend needs two windows of {window} periods; the series has {len(y)}. Fix: choose a longer span"
        )
    y, e, labels = y[-2 * window :], e[-2 * window :], labels[-2 * window :]
    later = np.r_[np.zeros(window), np.ones(window)]
    fb, fa = float(y[:window].sum()), float(y[window:].sum())
    eb, ea = float(e[:window].sum()), float(e[window:].sum())
    fc, ec = _change(fa, fb), _change(ea, eb)
    ok = e > 0
    fb_used, fa_used = float(y[ok & (later == 0)].sum()), float(y[ok & (later == 1)].sum())
    head = _say(fc, what)
    same = np.isfinite(fc) and np.isfinite(ec) and round(100 * ec) != 0 and (fc > 0) == (ec > 0)
    link = " but " if same else " and "
    head = f"{head}{link}{_say(ec, 'effort')}"
    if min(fb_used, fa_used) < TREND_MIN_FINDS or not (ok & (later == 0)).any() or not (ok & (later == 1)).any():
        nan = float("nan")
        stmt = f"{head}: too few {what} in one of the windows to tell (fewer than {TREND_MIN_FINDS})"
        return Trend(fb, fa, eb, ea, fc, ec, nan, nan, nan, "too few finds", stmt, labels[:window], labels[window:],
                     effort_unit)  # fmt: skip
    X = np.column_stack([np.ones(ok.sum()), later[ok]])
    fit = poisson_regression(X, y[ok], np.log(e[ok]))
    lo, hi = fit.interval(1, level)
    rr, lo, hi = float(np.exp(fit.coef[1])), float(np.exp(lo)), float(np.exp(hi))
    rate = f"{what} per {effort_unit}: rate ratio {rr:.2f} ({round(100 * level)} % CI {lo:.2f}-{hi:.2f})"
    if lo > 1:
        evidence, verdict = "more", "evidence of more poaching"
    elif hi < 1:
        evidence, verdict = "less", "evidence of less poaching"
    elif np.isfinite(fc) and round(100 * fc) > 0:
        evidence, verdict = "none", "no evidence of more poaching"
    elif np.isfinite(fc) and round(100 * fc) < 0:
        evidence, verdict = "none", "no evidence of less poaching"
    else:
        evidence, verdict = "none", "no evidence of a change"
    stmt = f"{head}: {verdict}; {rate}"
    return Trend(fb, fa, eb, ea, fc, ec, rr, lo, hi, evidence, stmt, labels[:window], labels[window:], effort_unit)


def indicator_trend(
    table: pd.DataFrame,
    section: str = "all",
    finds: str = "type=finds",
    effort: str = "patrol_km",
    window: int | None = 12,
    until: str | None = None,
) -> Trend:
    """The effort-adjusted trend of an indicator table (:func:`monitoring.indicators.compute_indicators`).

    ``finds`` is the breakdown of the ``incidents``/CPUE rows (``type=finds`` or
    ``type=snare``...); ``effort`` one of ``patrol_km``, ``patrol_days``,
    ``patrol_hours``.  ``until`` (a period label) ends the later window; the
    windows shrink to half the series when it is shorter than ``2 * window``.
    """
    from .indicators import indicator_series

    num = indicator_series(table, "cpue_100km", finds, section, column="numerator")
    eff = indicator_series(table, effort, "", section)
    if until is not None:
        keep = list(num.index[: list(num.index).index(until) + 1]) if until in num.index else []
        num, eff = num.loc[keep], eff.loc[keep]
    window = min(window or len(num) // 2, len(num) // 2)
    units = {"patrol_km": "km", "patrol_days": "patrol-day", "patrol_hours": "hour"}
    label = "finds" if finds == "type=finds" else finds.split("=", 1)[-1].replace("_", " ") + " finds"
    return effort_trend(
        num.fillna(0).to_numpy(),
        eff.fillna(0).to_numpy(),
        list(num.index),
        window,
        effort_unit=units[effort],
        what=label,
    )
