"""Indicators per month, quarter or year, park-wide and per section, in one tidy long table.

Schema (:data:`monitoring.defaults.INDICATOR_COLUMNS`), one row per park,
period, section, indicator and breakdown:

============  ==========================================================================
column        content
============  ==========================================================================
park          the park's name
period_kind   ``month``, ``quarter`` or ``year``
period        ``2024-03``, ``2024Q1`` or ``2024``
section       a section (or post) name, or ``all`` for the whole park
indicator     one of :data:`INDICATORS` (below)
breakdown     ``key=value`` (``type=snare``, ``item=ivory;unit=kg``, ``outcome=convicted``)
              or empty for the total
value         the figure; for a rate or a proportion ``numerator / denominator``
unit          its unit (``incidents``, ``km``, ``finds per 100 km``, ``proportion``, ``days``)
numerator     counts behind the value (finds, illegal carcasses, convictions)
denominator   effort or the count the value is relative to (km / 100, patrol-days, all carcasses,
              closed cases; for the median days the number of verdicts)
lower, upper  95 % interval of a proportion (Wilson score), else empty
============  ==========================================================================

Definitions: finds are incidents of :data:`monitoring.defaults.FIND_TYPES`
(snares, elephant and rhino carcasses, poacher camps); CPUE is finds per
100 km, per patrol-day and per hour of patrol (see :mod:`monitoring.effort`).
PIKE is illegal elephant carcasses over all elephant carcasses
(:func:`monitoring.register.carcass_flags`).  Cases are counted in the period
they were opened; outcomes in the period of the outcome; the conviction rate
is convictions over cases closed (convicted, acquitted or withdrawn) in the
period; the days to verdict run from the arrest (else the opening of the
case) to a conviction or an acquittal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from layers.defaults import (
    COL_ITEM,
    COL_NATIONALITY,
    COL_PEOPLE,
    COL_QUANTITY,
    COL_SECTION,
    COL_SPECIES,
    COL_TIME,
    COL_TYPE,
    COL_UNIT,
    SEIZURE_ITEMS,
)
from layers.tracks import times_to_seconds

from .defaults import (
    DEFAULT_PERIOD,
    FIND_TYPES,
    INDICATOR_COLUMNS,
    OUTCOMES,
    PARK_WIDE,
    PERIOD_KINDS,
    REGISTER_TYPES,
)
from .effort import EffortSteps, effort_table, period_ordinals
from .errors import MonitoringError
from .register import Register, carcass_flags
from .stats import wilson_interval

__all__ = [
    "INDICATORS",
    "compute_indicators",
    "filter_indicators",
    "indicator_series",
    "indicator_value",
    "period_label",
]

ALL_FINDS = "type=finds"
# indicator -> unit
INDICATORS = {
    "incidents": "incidents",
    "patrol_km": "km",
    "patrols": "patrols",
    "patrol_days": "patrol-days",
    "patrol_hours": "h",
    "cpue_100km": "finds per 100 km",
    "cpue_patrol_day": "finds per patrol-day",
    "cpue_hour": "finds per hour",
    "carcasses": "carcasses",
    "pike": "proportion",
    "seizures": "seizures",
    "seized_quantity": "",  # the unit of the breakdown
    "arrests": "arrests",
    "people_arrested": "people",
    "cases_opened": "cases",
    "case_outcomes": "cases",
    "conviction_rate": "proportion",
    "days_to_verdict": "days",
}


def period_label(ordinal: int, kind: str) -> str:
    """``2024-03``, ``2024Q1`` or ``2024`` for a period ordinal of ``kind``."""
    return str(pd.PeriodIndex.from_ordinals([int(ordinal)], freq=PERIOD_KINDS[kind])[0])


def _ordinals(times, kind: str) -> np.ndarray:
    t = times_to_seconds(times)
    out = np.full(len(t), -(10**9), dtype=np.int64)
    ok = np.isfinite(t)
    out[ok] = period_ordinals(t[ok], kind)
    return out


def _frame(period, section, indicator, breakdown, value, numerator=np.nan, denominator=np.nan, lower=np.nan,
           upper=np.nan, unit=None) -> pd.DataFrame:  # fmt: skip
    n = len(period)
    return pd.DataFrame(
        {
            "period": np.asarray(period, dtype=np.int64),
            "section": np.asarray(section, dtype=object),
            "indicator": indicator,
            "breakdown": np.broadcast_to(np.asarray(breakdown, dtype=object), (n,)),
            "value": np.asarray(value, dtype=float),
            "unit": np.broadcast_to(np.asarray(INDICATORS[indicator] if unit is None else unit, dtype=object), (n,)),
            "numerator": np.broadcast_to(np.asarray(numerator, dtype=float), (n,)),
            "denominator": np.broadcast_to(np.asarray(denominator, dtype=float), (n,)),
            "lower": np.broadcast_to(np.asarray(lower, dtype=float), (n,)),
            "upper": np.broadcast_to(np.asarray(upper, dtype=float), (n,)),
        }
    )


def _counts(keys: pd.DataFrame, periods, sections, by: str | None, levels) -> pd.DataFrame:
    """Counts (or sums of ``value``) of ``keys`` per period x section (x ``by``), zeros included, park-wide rows added."""
    val = keys["value"] if "value" in keys else pd.Series(1.0, index=keys.index)
    k = keys.assign(value=val)
    both = pd.concat([k, k.assign(section=PARK_WIDE)], ignore_index=True)
    group = ["period", "section"] + ([by] if by else [])
    summed = both.groupby(group, sort=False)["value"].sum()
    axes = [periods, [PARK_WIDE, *sections]] + ([list(levels)] if by else [])
    full = pd.MultiIndex.from_product(axes, names=group)
    return summed.reindex(full, fill_value=0.0).reset_index()


def compute_indicators(
    register: Register,
    steps: EffortSteps | None = None,
    period: str = DEFAULT_PERIOD,
    start=None,
    end=None,
    sections: bool = True,
) -> pd.DataFrame:
    """The indicator table of a register (see the module docstring for the schema and definitions).

    Parameters
    ----------
    register : Register
    steps : EffortSteps, optional
        Patrol steps (:func:`monitoring.effort.effort_steps`); without them the
        effort and CPUE rows are left out.
    period : str
        ``"month"``, ``"quarter"`` or ``"year"``.
    start, end : date-like, optional
        First and last day covered; by default from the first to the last
        incident, patrol step or case step.
    sections : bool
        Also break every indicator down by section (or nearest post).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`INDICATOR_COLUMNS`, periods in order.
    """
    if period not in PERIOD_KINDS:
        raise MonitoringError(f"unknown period {period!r}; use one of {', '.join(PERIOD_KINDS)}")
    inc = register.incidents
    cases = register.case_summary()
    inc_p = _ordinals(inc[COL_TIME], period)
    case_p = _ordinals(cases["opened"], period) if len(cases) else np.zeros(0, np.int64)
    out_p = _ordinals(cases["outcome_date"], period) if len(cases) else np.zeros(0, np.int64)
    have = [inc_p[inc_p > -(10**9)], case_p[case_p > -(10**9)], out_p[out_p > -(10**9)]]
    if steps is not None and len(steps):
        have.append(period_ordinals(steps.t, period))
    have = np.concatenate(have) if have else np.zeros(0, np.int64)
    if start is not None:
        lo = int(_ordinals(pd.Series([pd.Timestamp(start)]), period)[0])
    elif len(have):
        lo = int(have.min())
    else:
        raise MonitoringError(f"{register.name}: no dated incident, patrol or case: nothing to compute")
    hi = int(_ordinals(pd.Series([pd.Timestamp(end)]), period)[0]) if end is not None else int(have.max(initial=lo))
    periods = list(range(lo, hi + 1))
    names = [n for n in register.section_names()] if sections else []
    in_range = lambda p: (p >= lo) & (p <= hi)  # noqa: E731
    sec = inc[COL_SECTION].astype(object).to_numpy() if sections else np.full(len(inc), PARK_WIDE, dtype=object)
    extra = sorted(set(sec) - set(names) - {PARK_WIDE}) if sections else []
    names = names + extra  # e.g. incidents outside every section
    keep = in_range(inc_p)
    base = pd.DataFrame({"period": inc_p, "section": sec if sections else PARK_WIDE}).loc[keep]
    frames = []

    # incidents by type
    types = list(REGISTER_TYPES) + ["other"]
    c = _counts(base.assign(type=inc[COL_TYPE].to_numpy()[keep]), periods, names, "type", types)
    frames.append(_frame(c.period, c.section, "incidents", "type=" + c["type"].astype(str), c.value, c.value))

    # effort and CPUE
    finds = base.assign(type=inc[COL_TYPE].to_numpy()[keep])
    finds = finds[finds["type"].isin(FIND_TYPES)]
    if steps is not None:
        eff = effort_table(steps, period)
        eff = eff[in_range(eff["period"].to_numpy())] if len(eff) else eff
        if not sections and len(eff):
            eff = eff[eff["section"] == PARK_WIDE]
        full = pd.MultiIndex.from_product([periods, [PARK_WIDE, *names]], names=["period", "section"])
        eff = eff.set_index(["period", "section"]).reindex(full, fill_value=0.0).reset_index()
        for ind, col in (("patrol_km", "km"), ("patrols", "patrols"), ("patrol_days", "patrol_days"),
                         ("patrol_hours", "hours")):  # fmt: skip
            frames.append(_frame(eff.period, eff.section, ind, "", eff[col]))
        fc = _counts(finds, periods, names, "type", FIND_TYPES)
        total = fc.groupby(["period", "section"], sort=False)["value"].sum().reset_index()
        total["type"] = "finds"
        fc = pd.concat([total, fc], ignore_index=True).merge(eff, on=["period", "section"], how="left")
        for ind, den in (("cpue_100km", fc.km / 100.0), ("cpue_patrol_day", fc.patrol_days), ("cpue_hour", fc.hours)):
            with np.errstate(divide="ignore", invalid="ignore"):
                val = np.where(den > 0, fc.value / den.where(den > 0, 1.0), np.nan)
            frames.append(_frame(fc.period, fc.section, ind, "type=" + fc["type"].astype(str), val, fc.value, den))

    # carcasses and PIKE
    elephant, illegal = carcass_flags(inc)
    is_carcass = inc[COL_TYPE].isin(["elephant_carcass", "rhino_carcass", "carcass"]).to_numpy()
    species = inc[COL_SPECIES].astype(object).where(inc[COL_SPECIES].notna(), "unknown").to_numpy()
    car = base.assign(species=species[keep])[is_carcass[keep]]
    c = _counts(car, periods, names, "species", sorted(set(car["species"]) | {"elephant", "rhino"}))
    frames.append(_frame(c.period, c.section, "carcasses", "species=" + c["species"].astype(str), c.value, c.value))
    el = base.assign(value=1.0)[elephant[keep]]
    il = base.assign(value=1.0)[(elephant & illegal)[keep]]
    den = _counts(el, periods, names, None, None)
    num = _counts(il, periods, names, None, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        pike = np.where(den.value > 0, num.value / den.value.where(den.value > 0, 1.0), np.nan)
    lo_ci, hi_ci = wilson_interval(num.value.to_numpy(), den.value.to_numpy())
    frames.append(_frame(den.period, den.section, "pike", "species=elephant", pike, num.value, den.value, lo_ci, hi_ci))

    # seizures
    typ = inc[COL_TYPE].to_numpy()
    sz = base.assign(item=inc[COL_ITEM].astype(object).where(inc[COL_ITEM].notna(), "other").to_numpy()[keep])
    sz = sz[(typ == "seizure")[keep]]
    c = _counts(sz, periods, names, "item", SEIZURE_ITEMS)
    frames.append(_frame(c.period, c.section, "seizures", "item=" + c["item"].astype(str), c.value, c.value))
    qty = inc[COL_QUANTITY].to_numpy(dtype=float)[keep][(typ == "seizure")[keep]]
    unit = inc[COL_UNIT].astype(object).where(inc[COL_UNIT].notna(), "items").to_numpy()[keep][(typ == "seizure")[keep]]
    sq = sz.assign(value=qty, unit=unit)
    sq = sq[np.isfinite(qty)]
    if len(sq):
        both = pd.concat([sq, sq.assign(section=PARK_WIDE)], ignore_index=True)
        g = both.groupby(["period", "section", "item", "unit"], sort=True)["value"].sum().reset_index()
        frames.append(
            _frame(
                g.period,
                g.section,
                "seized_quantity",
                "item=" + g["item"] + ";unit=" + g["unit"].astype(str),
                g.value,
                g.value,
                unit=g["unit"].astype(str).to_numpy(),
            )  # fmt: skip
        )

    # arrests and people
    ar_mask = (typ == "arrest")[keep]
    ar = base[ar_mask]
    c = _counts(ar, periods, names, None, None)
    frames.append(_frame(c.period, c.section, "arrests", "", c.value, c.value))
    ppl = ar.assign(value=inc[COL_PEOPLE].to_numpy(dtype=float)[keep][ar_mask])
    c = _counts(ppl, periods, names, None, None)
    frames.append(_frame(c.period, c.section, "people_arrested", "", c.value, c.value))
    nat = inc[COL_NATIONALITY].astype(object).to_numpy()[keep][ar_mask]
    pn = ppl.assign(nationality=nat)[pd.notna(nat)]
    if len(pn):
        c = _counts(pn, periods, names, "nationality", sorted(set(pn["nationality"].astype(str))))
        c = c[c.value > 0]
        frames.append(
            _frame(
                c.period, c.section, "people_arrested", "nationality=" + c["nationality"].astype(str), c.value, c.value
            )  # fmt: skip
        )

    # cases
    if len(cases):
        csec = cases["section"].to_numpy() if sections else np.full(len(cases), PARK_WIDE, dtype=object)
        cs = pd.DataFrame({"period": case_p, "section": csec})
        c = _counts(cs[in_range(case_p)], periods, names, None, None)
        frames.append(_frame(c.period, c.section, "cases_opened", "", c.value, c.value))
        oc = pd.DataFrame({"period": out_p, "section": csec, "outcome": cases["outcome"].to_numpy()})
        oc = oc[in_range(out_p) & oc["outcome"].notna().to_numpy()]
        c = _counts(oc, periods, names, "outcome", OUTCOMES)
        frames.append(_frame(c.period, c.section, "case_outcomes", "outcome=" + c["outcome"], c.value, c.value))
        closed = c.groupby(["period", "section"], sort=False)["value"].sum().reset_index()
        conv = c[c["outcome"] == "convicted"].reset_index(drop=True)
        closed = conv[["period", "section"]].merge(closed, on=["period", "section"], how="left")
        k, n = conv.value.to_numpy(), closed.value.to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(n > 0, k / np.where(n > 0, n, 1), np.nan)
        lo_ci, hi_ci = wilson_interval(k, n)
        frames.append(_frame(conv.period, conv.section, "conviction_rate", "", rate, k, n, lo_ci, hi_ci))
        days = cases["days_to_verdict"].to_numpy(dtype=float)
        dv = pd.DataFrame({"period": out_p, "section": csec, "value": days})
        dv = dv[in_range(out_p) & np.isfinite(days)]
        both = pd.concat([dv, dv.assign(section=PARK_WIDE)], ignore_index=True)
        g = both.groupby(["period", "section"])["value"].agg(["median", "size"]).reset_index()
        full = pd.MultiIndex.from_product([periods, [PARK_WIDE, *names]], names=["period", "section"])
        g = g.set_index(["period", "section"]).reindex(full).reset_index()
        g["size"] = g["size"].fillna(0)
        frames.append(_frame(g.period, g.section, "days_to_verdict", "", g["median"], np.nan, g["size"]))

    table = pd.concat(frames, ignore_index=True)
    order = {p: i for i, p in enumerate(periods)}
    table["_o"] = table["period"].map(order)
    table = table.sort_values(["_o", "section"], kind="stable").drop(columns="_o")
    labels = {p: period_label(p, period) for p in periods}
    table["period"] = table["period"].map(labels)
    table.insert(0, "period_kind", period)
    table.insert(0, "park", register.name)
    return table[list(INDICATOR_COLUMNS)].reset_index(drop=True)


def indicator_value(table: pd.DataFrame, indicator: str, period: str, section: str = PARK_WIDE, breakdown: str = ""):
    """The ``value`` of one row of an indicator table (NaN when absent)."""
    rows = table[
        (table["indicator"] == indicator)
        & (table["period"] == period)
        & (table["section"] == section)
        & (table["breakdown"] == breakdown)
    ]
    return float(rows["value"].iloc[0]) if len(rows) else float("nan")


def indicator_series(
    table: pd.DataFrame, indicator: str, breakdown: str = "", section: str = PARK_WIDE, column: str = "value"
) -> pd.Series:
    """One indicator as a series over the periods of the table (``column`` of the rows)."""
    rows = table[(table["indicator"] == indicator) & (table["section"] == section) & (table["breakdown"] == breakdown)]
    periods = pd.unique(table["period"])
    return rows.set_index("period")[column].reindex(periods).astype(float)


def filter_indicators(
    table: pd.DataFrame,
    start: str | None = None,
    end: str | None = None,
    section: str | None = PARK_WIDE,
    types=None,
) -> pd.DataFrame:
    """Rows of an indicator table in the periods ``start`` to ``end`` (labels), of one section, and of some types.

    ``types`` (incident types) keeps, of the rows broken down by type (``incidents``
    and CPUE), those types and the ``type=finds`` total; other rows are kept.
    ``section=None`` keeps every section.
    """
    periods = list(pd.unique(table["period"]))
    lo = periods.index(start) if start in periods else 0
    hi = periods.index(end) if end in periods else len(periods) - 1
    keep = table["period"].isin(periods[lo : hi + 1])
    if section is not None:
        keep &= table["section"] == section
    if types is not None:
        typed = table["breakdown"].str.startswith("type=")
        wanted = {f"type={t}" for t in types} | {ALL_FINDS}
        keep &= ~typed | table["breakdown"].isin(wanted)
    return table[keep.to_numpy()].reset_index(drop=True)
