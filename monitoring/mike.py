"""The CITES MIKE carcass table: PIKE per site (or subregion, or region) and year, with its interval.

MIKE (Monitoring the Illegal Killing of Elephants) reports, per site and
year, the carcasses found (``TotalNumberOfCarcasses``) and those illegally
killed (``NumberOfIllegalCarcasses``).  PIKE, the Proportion of Illegally
Killed Elephants, is their ratio; its interval here is the Wilson score
interval (:func:`monitoring.stats.wilson_interval`), the same as the park's
own PIKE, so a park can set its figures beside its MIKE site and region.

Examples
--------
>>> table = read_mike("../shared/data/mike/mike_carcass_summary_2022-03-31.csv")  # doctest: +SKIP
>>> mike_pike(table, site="KRU").tail(3)  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .errors import MikeError
from .stats import wilson_interval

__all__ = ["MIKE_COLUMNS", "PIKE_COLUMNS", "mike_pike", "read_mike"]

MIKE_COLUMNS = (
    "UNRegion",
    "SubregionName",
    "SubregionID",
    "CountryName",
    "CountryCode",
    "MIKEsiteID",
    "MIKEsiteName",
    "year",
    "TotalNumberOfCarcasses",
    "NumberOfIllegalCarcasses",
)
PIKE_COLUMNS = ("level", "id", "name", "year", "carcasses", "illegal", "pike", "lower", "upper")
_LEVELS = {
    "site": ("MIKEsiteID", "MIKEsiteName"),
    "subregion": ("SubregionID", "SubregionName"),
    "region": ("UNRegion", "UNRegion"),
}


def read_mike(path: str | Path) -> pd.DataFrame:
    """Read the MIKE carcass summary table (CSV as published on the CITES MIKE portal).

    Rows whose counts are not whole numbers, or whose illegal carcasses exceed
    the total, are dropped and listed in ``table.attrs["problems"]`` (file, row, fix).

    Raises
    ------
    MikeError
        When the file is missing, unreadable or lacks a column of :data:`MIKE_COLUMNS`.
    """
    path = Path(path)
    if path.is_dir():
        found = sorted(path.glob("*.csv"))
        if not found:
            raise MikeError(f"{path}: no CSV file in this folder. Fix: give the MIKE carcass table's CSV file")
        path = found[0]
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise MikeError(f"{path}: file not found. Fix: give the path of the MIKE carcass table (CSV)") from exc
    except (UnicodeDecodeError, pd.errors.ParserError, OSError) as exc:
        raise MikeError(f"{path}: cannot be read as CSV ({exc}). Fix: export the table as UTF-8 CSV") from exc
    missing = [c for c in MIKE_COLUMNS if c not in df.columns]
    if missing:
        raise MikeError(
            f"{path}: no column {', '.join(missing)} (columns: {', '.join(df.columns)}). "
            "Fix: use the MIKE carcass summary table with its published column names"
        )
    problems = []
    row = np.arange(2, len(df) + 2)
    year = pd.to_numeric(df["year"], errors="coerce")
    total = pd.to_numeric(df["TotalNumberOfCarcasses"], errors="coerce")
    illegal = pd.to_numeric(df["NumberOfIllegalCarcasses"], errors="coerce")
    bad = year.isna() | total.isna() | illegal.isna() | (total < 0) | (illegal < 0)
    worse = ~bad & (illegal > total)
    for r in row[bad.to_numpy()]:
        problems.append(f"{path.name}, row {r}: year or carcass counts are not numbers; row skipped (fix the counts)")
    for r in row[worse.to_numpy()]:
        problems.append(f"{path.name}, row {r}: more illegal carcasses than carcasses; row skipped (check the counts)")
    keep = ~(bad | worse)
    out = df.loc[keep].copy()
    out["year"] = year[keep].astype(int)
    out["TotalNumberOfCarcasses"] = total[keep].astype(int)
    out["NumberOfIllegalCarcasses"] = illegal[keep].astype(int)
    out = out.reset_index(drop=True)
    out.attrs["problems"] = problems
    out.attrs["source"] = str(path)
    return out


def mike_pike(
    table: pd.DataFrame,
    site: str | None = None,
    level: str = "site",
    years: tuple[int, int] | None = None,
) -> pd.DataFrame:
    """PIKE per site (subregion or region) and year, with the Wilson 95 % interval.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`read_mike`.
    site : str, optional
        Keep one site (``level="site"``: its ``MIKEsiteID`` such as ``"KRU"`` or its name),
        subregion or region.
    level : str
        ``"site"``, ``"subregion"`` or ``"region"``: carcasses are summed over that level.
    years : (int, int), optional
        First and last year kept.

    Returns
    -------
    pandas.DataFrame
        :data:`PIKE_COLUMNS`, ``pike`` NaN for a year without carcasses.

    Raises
    ------
    MikeError
        For an unknown level or a site not in the table.
    """
    if level not in _LEVELS:
        raise MikeError(f"unknown level {level!r}; use site, subregion or region")
    id_col, name_col = _LEVELS[level]
    t = table
    if years is not None:
        t = t[(t["year"] >= years[0]) & (t["year"] <= years[1])]
    if site is not None:
        key = str(site).strip().lower()
        hit = (t[id_col].str.lower() == key) | (t[name_col].str.lower() == key)
        if not hit.any():
            known = ", ".join(sorted(set(table[id_col]))[:40])
            raise MikeError(
                f"no MIKE {level} {site!r} in {table.attrs.get('source', 'the table')}. Fix: use one of {known}"
            )
        t = t[hit]
    g = (
        t.groupby([id_col, name_col, "year"], sort=True)[["TotalNumberOfCarcasses", "NumberOfIllegalCarcasses"]]
        .sum()
        .reset_index()
    )
    n = g["TotalNumberOfCarcasses"].to_numpy(dtype=float)
    k = g["NumberOfIllegalCarcasses"].to_numpy(dtype=float)
    lo, hi = wilson_interval(k, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        pike = np.where(n > 0, k / np.where(n > 0, n, 1), np.nan)
    return pd.DataFrame(
        {
            "level": level,
            "id": g[id_col].to_numpy(),
            "name": g[name_col].to_numpy(),
            "year": g["year"].to_numpy(),
            "carcasses": n.astype(int),
            "illegal": k.astype(int),
            "pike": pike,
            "lower": lo,
            "upper": hi,
        },
        columns=list(PIKE_COLUMNS),
    )
