"""The case table: one row per step of a prosecution, and one summary row per case.

A case table (``[layers] cases`` in ``park.toml``, CSV or a GDAL layer) holds
``case_ref, event, date, sentence, note`` (``layers.defaults.CASE_COLUMNS``);
events are ``opened``, ``charged``, ``convicted``, ``acquitted`` or
``withdrawn`` (free-text labels such as "Registered" or "Found guilty" are
mapped).  Rows without a case reference, with an unknown step or an
unreadable date are reported (file, row, fix) and skipped; the rest loads.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pyogrio.errors

from layers.defaults import (
    CASE_COLUMNS,
    CASE_EVENTS,
    COL_CASE,
    COL_ITEM,
    COL_PEOPLE,
    COL_SECTION,
    COL_SOURCE_FILE,
    COL_SOURCE_ROW,
    COL_TIME,
    COL_TYPE,
)
from layers.errors import LayerReadError
from layers.report import ERROR, LoadReport, report_rows
from layers.tabular import find_column, read_csv_table

from .defaults import (
    CASE_ALIASES,
    DATE_ALIASES,
    EVENT_ALIASES,
    EVENT_WORDS,
    NOTE_ALIASES,
    OUTCOMES,
    SECTION_UNKNOWN,
    SENTENCE_ALIASES,
    VERDICTS,
)
from .errors import RegisterError
from .text import clean_text, map_words

__all__ = [
    "CASE_ROW_ID",
    "CASE_SUMMARY_COLUMNS",
    "case_summary",
    "empty_cases",
    "finish_cases",
    "normalise_cases",
    "read_case_table",
]

CASE_ROW_ID = "case_row"  # id of a row of the case table: "<file>:<row>", or "edit:<id>" for a row added by an edit
CASE_SUMMARY_COLUMNS = (
    "case_ref",
    "section",
    "arrest_date",
    "opened",
    "charged",
    "outcome",
    "outcome_date",
    "sentence",
    "status",
    "days_to_verdict",
    "incidents",
    "people",
    "items",
)


# --- the case table -------------------------------------------------------------------
def read_case_table(path: str | Path, mapping: dict | None = None, report: LoadReport | None = None) -> pd.DataFrame:
    """Read a case table (CSV, or a GeoPackage/other GDAL layer) and normalise it (:func:`normalise_cases`).

    Raises
    ------
    RegisterError
        When the file cannot be read or lacks a case reference, event or date column.
    """
    path = Path(path)
    mapping = dict(mapping or {})
    if not path.exists():
        raise RegisterError(f"{path}: case table not found. Fix: correct `cases` under [layers] in park.toml")
    try:
        if path.suffix.lower() in (".csv", ".txt", ".tsv"):
            df = read_csv_table(path).fillna("")
        else:
            df = pyogrio.read_dataframe(path, layer=mapping.get("layer"), read_geometry=False)
            df = df.astype(str)
    except LayerReadError as exc:
        raise RegisterError(str(exc)) from exc
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, pyogrio.errors.FieldError, OSError,
            ValueError) as exc:  # fmt: skip  # GDAL errors, translated here
        raise RegisterError(
            f"{path}: cannot be read as a case table ({type(exc).__name__}: {exc}). "
            "Fix: save it as CSV with columns case_ref, event, date, sentence, note"
        ) from exc
    df[COL_SOURCE_FILE] = path.name
    df[COL_SOURCE_ROW] = np.arange(2, len(df) + 2)  # CSV line numbers, header on line 1
    return normalise_cases(df, mapping, report, path.name)


def normalise_cases(
    df: pd.DataFrame, mapping: dict | None = None, report: LoadReport | None = None, file: str = "cases"
) -> pd.DataFrame:
    """Case table columns found (mapping, else common names), events and dates normalised; bad rows reported.

    Returns
    -------
    pandas.DataFrame
        ``CASE_COLUMNS`` (``date`` tz-aware UTC) plus ``source_file`` and ``source_row``.
    """
    report = report if report is not None else LoadReport()
    mapping = dict(mapping or {})
    cols = [c for c in df.columns if c not in (COL_SOURCE_FILE, COL_SOURCE_ROW)]
    try:
        found = {
            "case_ref": find_column(cols, CASE_ALIASES, mapping.get("case_ref"), Path(file), "case_ref"),
            "event": find_column(cols, EVENT_ALIASES, mapping.get("event"), Path(file), "event"),
            "date": find_column(cols, DATE_ALIASES, mapping.get("date"), Path(file), "date"),
            "sentence": find_column(cols, SENTENCE_ALIASES, mapping.get("sentence"), Path(file), "sentence"),
            "note": find_column(cols, NOTE_ALIASES, mapping.get("note"), Path(file), "note"),
        }
    except LayerReadError as exc:
        raise RegisterError(str(exc)) from exc
    missing = [k for k in ("case_ref", "event", "date") if found[k] is None]
    if missing:
        raise RegisterError(
            f"{file}: no {', '.join(missing)} column (columns: {', '.join(map(str, cols))}). "
            f"Fix: name the columns {', '.join(CASE_COLUMNS)}, or map them under [columns.cases] in park.toml"
        )
    rows = df[COL_SOURCE_ROW].to_numpy() if COL_SOURCE_ROW in df else np.arange(2, len(df) + 2)
    out = pd.DataFrame(index=df.index)
    out["case_ref"] = clean_text(df[found["case_ref"]])
    out["event"] = map_words(clean_text(df[found["event"]]), EVENT_WORDS)
    dates = pd.to_datetime(clean_text(df[found["date"]]), errors="coerce", utc=True, format="mixed", dayfirst=False)
    out["date"] = dates
    for key in ("sentence", "note"):
        out[key] = (
            clean_text(df[found[key]]) if found[key] is not None else pd.Series(pd.NA, index=df.index, dtype=object)
        )
    out[COL_SOURCE_FILE] = df[COL_SOURCE_FILE].to_numpy() if COL_SOURCE_FILE in df else file
    out[COL_SOURCE_ROW] = rows
    out[CASE_ROW_ID] = [f"{f}:{r}" for f, r in zip(out[COL_SOURCE_FILE], rows, strict=True)]
    bad_ref = out["case_ref"].isna().to_numpy()
    bad_event = out["event"].isna().to_numpy() & ~bad_ref
    bad_date = out["date"].isna().to_numpy() & ~bad_ref & ~bad_event
    for bad, what, fix in (
        (bad_ref, "no case reference", "give the case reference of the step"),
        (bad_event, "event is not a prosecution step", f"use one of {', '.join(CASE_EVENTS)}"),
        (bad_date, "date cannot be read", "write the date as YYYY-MM-DD"),
    ):
        if bad.any():
            report_rows(report, ERROR, "cases", file, rows[bad], f"{what}; row skipped", fix, "case_row")
    keep = ~(bad_ref | bad_event | bad_date)
    return out.loc[keep].sort_values(["case_ref", "date"], kind="stable").reset_index(drop=True)


def empty_cases() -> pd.DataFrame:
    """A case table with no rows and the normalised columns."""
    return pd.DataFrame(
        {
            "case_ref": pd.Series(dtype=object),
            "event": pd.Series(dtype=object),
            "date": pd.Series(dtype="datetime64[ns, UTC]"),
            "sentence": pd.Series(dtype=object),
            "note": pd.Series(dtype=object),
            COL_SOURCE_FILE: pd.Series(dtype=object),
            COL_SOURCE_ROW: pd.Series(dtype="int64"),
            CASE_ROW_ID: pd.Series(dtype=object),
        }
    )


def finish_cases(cases: pd.DataFrame) -> pd.DataFrame:
    """A case table after edits: dates as UTC times, rows in case and date order."""
    out = cases.copy()
    out["date"] = pd.to_datetime(out["date"], utc=True, errors="coerce", format="mixed")
    out = out[out["date"].notna().to_numpy() & out["case_ref"].notna().to_numpy()]
    return out.sort_values(["case_ref", "date"], kind="stable").reset_index(drop=True)


def case_summary(cases: pd.DataFrame, incidents: pd.DataFrame) -> pd.DataFrame:
    """One row per case (see :meth:`monitoring.register.Register.case_summary`), by case reference."""
    inc = incidents[incidents[COL_CASE].notna().to_numpy()] if len(incidents) else incidents
    refs = sorted(set(cases["case_ref"].dropna().astype(str)) | set(inc[COL_CASE].dropna().astype(str)))
    if not refs:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in CASE_SUMMARY_COLUMNS})
    out = pd.DataFrame(index=pd.Index(refs, name="case_ref"))
    utc = "datetime64[ns, UTC]"
    c = cases.assign(case_ref=cases["case_ref"].astype(str))
    out["opened"] = c[c["event"] == "opened"].groupby("case_ref")["date"].min().reindex(out.index).astype(utc)
    first = c.groupby("case_ref")["date"].min().reindex(out.index).astype(utc)
    out["opened"] = out["opened"].where(out["opened"].notna(), first)
    out["charged"] = c[c["event"] == "charged"].groupby("case_ref")["date"].min().reindex(out.index).astype(utc)
    final = c[c["event"].isin(OUTCOMES)].sort_values(["case_ref", "date"], kind="stable")
    last = final.groupby("case_ref").tail(1).set_index("case_ref").reindex(out.index)
    out["outcome"] = last["event"].astype(object).where(last["event"].notna(), None)
    out["outcome_date"] = last["date"].astype(utc)
    out["sentence"] = last["sentence"].where(last["event"] == "convicted", None).astype(object)

    links = inc.assign(**{COL_CASE: inc[COL_CASE].astype(str)})
    is_arrest = (links[COL_TYPE] == "arrest").to_numpy()
    arrests = links[is_arrest]
    arrest = arrests.groupby(COL_CASE)[COL_TIME].min().reindex(out.index).astype(utc)
    any_link = links.groupby(COL_CASE)[COL_TIME].min().reindex(out.index).astype(utc)
    arrest = arrest.where(arrest.notna(), any_link)
    out["arrest_date"] = arrest.where(arrest.notna(), out["opened"])
    out["opened"] = out["opened"].where(out["opened"].notna(), out["arrest_date"])
    verdict = out["outcome"].isin(VERDICTS).to_numpy()
    days = (out["outcome_date"] - out["arrest_date"]).dt.total_seconds() / 86400.0
    out["days_to_verdict"] = days.where(verdict, np.nan).astype(float)
    if COL_SECTION in links and len(links):
        earliest = links.sort_values(COL_TIME, kind="stable").groupby(COL_CASE).head(1).set_index(COL_CASE)
        sec = earliest[COL_SECTION].reindex(out.index)
        out["section"] = sec.where(sec.map(lambda v: isinstance(v, str)), SECTION_UNKNOWN).astype(object)
    else:
        out["section"] = SECTION_UNKNOWN
    out["status"] = out["outcome"].where(out["outcome"].notna(), "open").astype(object)
    out["incidents"] = links.groupby(COL_CASE).size().reindex(out.index, fill_value=0).astype(int)
    out["people"] = arrests.groupby(COL_CASE)[COL_PEOPLE].sum().reindex(out.index, fill_value=0.0).astype(float)
    seized = links[(links[COL_TYPE] == "seizure").to_numpy() & links[COL_ITEM].notna().to_numpy()]
    items = seized.groupby(COL_CASE)[COL_ITEM].agg(lambda v: ", ".join(sorted(set(map(str, v)))))
    out["items"] = items.reindex(out.index, fill_value="").astype(object)
    return out.reset_index()[list(CASE_SUMMARY_COLUMNS)]
