"""The register: every incident with its section, species, cause, seizure, arrest and case, and the case table.

A park's incidents come from :func:`layers.park.load_park` (time, type, item,
quantity, unit and the file's other columns).  The register adds what managers
report on:

- ``incident_id`` (the file's own id, else ``<file>:<row>``), ``species``,
  ``cause`` (carcasses: illegal, natural, unknown), ``case_ref``, ``people``
  (arrests) and ``nationality``, found by the names mapped in
  ``[columns.incidents]`` of ``park.toml`` or guessed from common names;
- ``section``: the polygon of the park's ``sections`` layer holding the
  incident, else the nearest ranger post;
- the case table (``[layers] cases``): one row per step of a prosecution
  (``case_ref, event, date, sentence, note``; events ``opened``, ``charged``,
  ``convicted``, ``acquitted``, ``withdrawn``), linked to incidents by the
  case reference.

Bad rows of the case table are reported in ``Register.report`` (file, row,
fix) and dropped; the rest loads.

Examples
--------
>>> reg = load_register(load_park("data/demo"))  # doctest: +SKIP
>>> reg.case_summary()[["case_ref", "status", "days_to_verdict"]].head()  # doctest: +SKIP
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers import checks
from layers.defaults import (
    CASE_COLUMNS,
    CASE_EVENTS,
    COL_CASE,
    COL_CAUSE,
    COL_INCIDENT_ID,
    COL_ITEM,
    COL_NAME,
    COL_NATIONALITY,
    COL_PEOPLE,
    COL_QUANTITY,
    COL_SECTION,
    COL_SOURCE_FILE,
    COL_SOURCE_ROW,
    COL_SPECIES,
    COL_TIME,
    COL_TYPE,
    COL_UNIT,
    SEIZURE_ITEMS,
)
from layers.errors import LayerReadError
from layers.park import NAME_ALIASES, reproject
from layers.readers import find_column, read_vector
from layers.report import ERROR, INFO, WARNING, LoadReport

from .defaults import (
    CARCASS_TYPE,
    CASE_ALIASES,
    CAUSE_ALIASES,
    CAUSE_WORDS,
    DATE_ALIASES,
    ELEPHANT,
    EVENT_ALIASES,
    EVENT_WORDS,
    ILLEGAL,
    INCIDENT_ID_ALIASES,
    NATIONALITY_ALIASES,
    NOTE_ALIASES,
    OUTCOMES,
    PEOPLE_ALIASES,
    SECTION_ALIASES,
    SECTION_UNKNOWN,
    SENTENCE_ALIASES,
    SPECIES_ALIASES,
    SPECIES_OF_TYPE,
    VERDICTS,
)
from .errors import RegisterError

__all__ = [
    "CASE_SUMMARY_COLUMNS",
    "REGISTER_COLUMNS",
    "Register",
    "assign_sections",
    "carcass_flags",
    "load_register",
    "normalise_cases",
    "normalise_incidents",
    "read_case_table",
    "register_from_frames",
]

REGISTER_COLUMNS = (
    COL_INCIDENT_ID,
    COL_TIME,
    COL_TYPE,
    COL_SPECIES,
    COL_CAUSE,
    COL_ITEM,
    COL_QUANTITY,
    COL_UNIT,
    COL_PEOPLE,
    COL_NATIONALITY,
    COL_CASE,
    COL_SECTION,
)
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
_ITEM_RULES = (
    ("rhino_horn", r"rhino|horn"),
    ("ivory", r"ivory|tusk"),
    ("pangolin_scales", r"pangolin|scale"),
    ("bushmeat", r"bush ?meat|meat|game"),
    ("ammunition", r"ammun|round|cartridge|bullet"),
    ("firearm", r"fire ?arm|gun|rifle|weapon|pistol|shotgun"),
    ("snare", r"snare|wire|trap"),
)


@dataclass
class Register:
    """A park's register: incidents with their register columns, the case table and the sections.

    Attributes
    ----------
    name : str
        The park's name.
    incidents : geopandas.GeoDataFrame
        Points in the park CRS with :data:`REGISTER_COLUMNS` (and the file's other columns).
    cases : pandas.DataFrame
        The case table in long format: ``CASE_COLUMNS`` (``date`` tz-aware UTC) plus
        ``source_file`` and ``source_row``.
    sections : geopandas.GeoDataFrame or None
        Polygons with ``name``: the park's sections, when it has a sections layer.
    posts : geopandas.GeoDataFrame or None
        The ranger posts (the sections of a park without a sections layer).
    section_kind : str
        ``"sections"``, ``"posts"`` or ``"none"``: what ``section`` names.
    report : layers.report.LoadReport
        Problems found reading the register.
    boundary : shapely geometry or None
    crs : pyproj.CRS or None
    """

    name: str
    incidents: gpd.GeoDataFrame
    cases: pd.DataFrame
    sections: gpd.GeoDataFrame | None = None
    posts: gpd.GeoDataFrame | None = None
    section_kind: str = "none"
    report: LoadReport = field(default_factory=LoadReport)
    boundary: object = None
    crs: object = None

    def section_names(self) -> list[str]:
        """Names of the sections (or posts) in order."""
        if self.section_kind == "sections" and self.sections is not None:
            return [str(n) for n in self.sections[COL_NAME]]
        if self.section_kind == "posts" and self.posts is not None:
            return [str(n) for n in self.posts[COL_NAME]]
        return []

    def section_of(self, x, y) -> np.ndarray:
        """Section (or nearest post) name of points ``(x, y)`` in the park CRS; ``SECTION_UNKNOWN`` outside all."""
        return assign_sections(np.asarray(x, float), np.asarray(y, float), self.sections, self.posts)

    def case_summary(self) -> pd.DataFrame:
        """One row per case (:data:`CASE_SUMMARY_COLUMNS`).

        ``arrest_date`` is the earliest arrest (or, when no arrest is linked,
        any incident) with the case reference, else the date the case was
        opened; ``opened`` is the first ``opened`` step, else the arrest date;
        ``outcome`` the last of ``convicted``, ``acquitted`` or ``withdrawn``;
        ``status`` that outcome or ``"open"``; ``days_to_verdict`` the days
        from the arrest to a conviction or an acquittal (withdrawals are no
        verdict).  Cases named by incidents but missing from the case table
        are listed as open, opened on their arrest date.
        """
        return case_summary(self.cases, self.incidents)


# --- normalising the incidents ------------------------------------------------------
def _norm(text) -> str:
    return re.sub(r"\s+", " ", str(text).strip().lower().replace("_", " ").replace("-", " "))


def _map_words(values: pd.Series, words: dict[str, tuple[str, ...]]) -> pd.Series:
    """Map free text onto the keys of ``words`` (first key with a word in the text); NA stays NA."""
    uniques = pd.unique(values.dropna().astype(str))
    mapping = {}
    for u in uniques:
        low = _norm(u)
        if not low or low in ("nan", "none"):
            mapping[u] = pd.NA
            continue
        mapping[u] = next((key for key, ws in words.items() if low == key or any(w in low for w in ws)), None)
    return values.astype(object).map(lambda v: pd.NA if pd.isna(v) else mapping.get(str(v)))


def normalise_item(values: pd.Series) -> pd.Series:
    """Seized items mapped onto ``SEIZURE_ITEMS`` (``"other"`` for anything else, NA when blank)."""
    out = []
    for v in values.astype(object):
        low = "" if pd.isna(v) else _norm(v)
        if not low or low in ("nan", "none"):
            out.append(pd.NA)
            continue
        key = low.replace(" ", "_")
        if key in SEIZURE_ITEMS:
            out.append(key)
            continue
        out.append(next((name for name, pat in _ITEM_RULES if re.search(pat, low)), "other"))
    return pd.Series(out, index=values.index, dtype=object)


def _text(series: pd.Series) -> pd.Series:
    s = series.astype("string").str.strip()
    return s.mask(s.isin(["", "nan", "None", "<NA>"])).astype(object)


def normalise_incidents(
    incidents: gpd.GeoDataFrame,
    mapping: dict | None = None,
    report: LoadReport | None = None,
    file: str = "incidents",
) -> gpd.GeoDataFrame:
    """Add the register columns to a park's incidents.

    Parameters
    ----------
    incidents : geopandas.GeoDataFrame
        ``Park.incidents`` (or a frame with ``time``, ``type`` and point geometry).
    mapping : dict, optional
        ``[columns.incidents]`` of the manifest (``species = "Animal"``...).
    report : LoadReport, optional
        Where guesses are noted.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy with :data:`REGISTER_COLUMNS` (``section`` still empty).
    """
    report = report if report is not None else LoadReport()
    mapping = dict(mapping or {})
    gdf = incidents.copy()
    for col in (COL_ITEM, COL_QUANTITY, COL_UNIT):
        if col not in gdf.columns:
            gdf[col] = np.nan
    taken = {COL_TIME, COL_TYPE, "type_raw", COL_ITEM, COL_QUANTITY, COL_UNIT, COL_SOURCE_FILE, COL_SOURCE_ROW}
    others = [c for c in gdf.columns if c not in taken and c != gdf.geometry.name]

    def column(key: str, aliases) -> str | None:
        try:
            return find_column(others, aliases, mapping.get(key), Path(file), key)
        except LayerReadError as exc:
            report.add(ERROR, "incidents", file, str(exc), check="missing_column")
            return None

    found = {
        COL_INCIDENT_ID: column("incident_id", INCIDENT_ID_ALIASES),
        COL_SPECIES: column("species", SPECIES_ALIASES),
        COL_CAUSE: column("cause", CAUSE_ALIASES),
        COL_CASE: column("case_ref", CASE_ALIASES),
        COL_PEOPLE: column("people", PEOPLE_ALIASES),
        COL_NATIONALITY: column("nationality", NATIONALITY_ALIASES),
        COL_SECTION: column("section", tuple(a for a in SECTION_ALIASES if a != "name")),
    }
    n = len(gdf)
    blank = pd.Series([pd.NA] * n, index=gdf.index, dtype=object)
    raw = {col: (gdf[src] if src is not None else blank) for col, src in found.items()}

    # The natural-death carcass type: labels the layers package maps to "other" until it knows it.
    types = gdf[COL_TYPE].astype(object).copy()
    if "type_raw" in gdf.columns:
        lab = gdf["type_raw"].astype("string").fillna("").str.lower()
        is_carcass = (types == "other") & lab.str.contains(r"carcass|carcase|dead|mortality", regex=True)
        types[is_carcass.to_numpy()] = CARCASS_TYPE
    gdf[COL_TYPE] = types

    ids = _text(raw[COL_INCIDENT_ID])
    if COL_SOURCE_FILE in gdf.columns and COL_SOURCE_ROW in gdf.columns:
        fallback = gdf[COL_SOURCE_FILE].astype(str) + ":" + gdf[COL_SOURCE_ROW].astype(str)
    else:
        fallback = pd.Series([f"row:{i + 1}" for i in range(n)], index=gdf.index)
    ids = ids.where(ids.notna(), fallback)
    dup = ids.duplicated(keep=False).to_numpy()
    if dup.any():
        report.add(
            WARNING,
            "incidents",
            file,
            f"{int(dup.sum())} incidents share an id; the file row was added to it",
            "give every incident its own id",
            check="duplicate_id",
        )
        ids[dup] = ids[dup].astype(str) + "@" + fallback[dup].astype(str)
    gdf[COL_INCIDENT_ID] = ids.astype(str).to_numpy()

    species = _text(raw[COL_SPECIES]).map(lambda v: v if pd.isna(v) else _norm(v))
    species = species.map(lambda v: v if pd.isna(v) else ("elephant" if "elephant" in v else v))
    species = species.map(lambda v: v if pd.isna(v) else ("rhino" if "rhino" in v else v))
    from_type = gdf[COL_TYPE].map(SPECIES_OF_TYPE)
    gdf[COL_SPECIES] = species.where(species.notna(), from_type).astype(object)

    cause = _map_words(_text(raw[COL_CAUSE]), CAUSE_WORDS)
    poached = gdf[COL_TYPE].isin(list(SPECIES_OF_TYPE))
    cause = cause.where(cause.notna() | ~poached, ILLEGAL)
    cause = cause.where(cause.notna() | (gdf[COL_TYPE] != CARCASS_TYPE), "unknown")
    gdf[COL_CAUSE] = cause.astype(object)

    people = pd.to_numeric(raw[COL_PEOPLE], errors="coerce")
    arrests = (gdf[COL_TYPE] == "arrest").to_numpy()
    guessed = arrests & people.isna().to_numpy()
    if guessed.any():
        report.add(
            INFO,
            "incidents",
            file,
            f"{int(guessed.sum())} arrests record no number of people; each counts one person",
            f"add a people column (or map people under [columns.incidents]) to {file}",
            check="people",
        )
    people = people.where(~pd.Series(guessed, index=gdf.index), 1.0)
    gdf[COL_PEOPLE] = people.astype(float)
    gdf[COL_NATIONALITY] = _text(raw[COL_NATIONALITY])
    gdf[COL_CASE] = _text(raw[COL_CASE])
    gdf[COL_QUANTITY] = pd.to_numeric(gdf[COL_QUANTITY], errors="coerce").astype(float)
    gdf["item_raw"] = gdf[COL_ITEM]
    gdf[COL_ITEM] = normalise_item(gdf[COL_ITEM])
    gdf[COL_UNIT] = _text(gdf[COL_UNIT])
    gdf[COL_SECTION] = _text(raw[COL_SECTION])
    return gdf


def carcass_flags(incidents: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """``(elephant, illegal)`` boolean arrays: which incidents are elephant carcasses, and which of those illegal.

    An elephant carcass is an ``elephant_carcass`` incident, or a ``carcass``
    of species elephant.  It is illegal when its cause is ``illegal`` (an
    ``elephant_carcass`` without a recorded cause counts as illegal, the
    ``carcass`` type without one as unknown).  PIKE is illegal over all
    elephant carcasses, natural and unknown causes included, as CITES MIKE
    counts them.
    """
    n = len(incidents)
    none = pd.Series([None] * n, index=incidents.index, dtype=object)
    types = incidents[COL_TYPE].astype(object)
    species = incidents[COL_SPECIES].astype(object) if COL_SPECIES in incidents else none
    cause = incidents[COL_CAUSE].astype(object) if COL_CAUSE in incidents else none
    is_el = (types == "elephant_carcass").to_numpy(dtype=bool)
    elephant = is_el | ((types == CARCASS_TYPE) & species.eq(ELEPHANT).fillna(False)).to_numpy(dtype=bool)
    said = cause.eq(ILLEGAL).fillna(False).to_numpy(dtype=bool)
    illegal = elephant & (said | (is_el & cause.isna().to_numpy()))
    return elephant, illegal


# --- sections ------------------------------------------------------------------------
def assign_sections(x: np.ndarray, y: np.ndarray, sections=None, posts=None) -> np.ndarray:
    """Name of the section polygon holding each point, else of the nearest post; ``SECTION_UNKNOWN`` else.

    With a sections layer, points outside every polygon get ``SECTION_UNKNOWN``
    (the park-wide figures still count them).
    """
    out = np.full(len(x), SECTION_UNKNOWN, dtype=object)
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return out
    if sections is not None and len(sections):
        names = sections[COL_NAME].astype(str).to_numpy()
        left = ok.copy()
        for geom, name in zip(sections.geometry.values, names, strict=True):  # first section wins on overlaps
            if not left.any():
                break
            shapely.prepare(geom)
            idx = np.flatnonzero(left)
            inside = shapely.contains_xy(geom, x[idx], y[idx])
            out[idx[inside]] = name
            left[idx[inside]] = False
        return out
    if posts is not None and len(posts):
        from scipy.spatial import cKDTree

        px = shapely.get_x(posts.geometry.values)
        py = shapely.get_y(posts.geometry.values)
        tree = cKDTree(np.column_stack([px, py]))
        _, j = tree.query(np.column_stack([x[ok], y[ok]]))
        out[ok] = posts[COL_NAME].astype(str).to_numpy()[j]
    return out


def read_sections(path: Path, crs, mapping: dict | None, report: LoadReport) -> gpd.GeoDataFrame | None:
    """The sections layer as polygons with ``name`` in ``crs``; ``None`` (and an error in ``report``) when unusable."""
    mapping = dict(mapping or {})
    try:
        gdf = read_vector(path, role="sections", columns=mapping, report=report, layer_name="sections")
    except LayerReadError as exc:
        report.add(ERROR, "sections", path.name, f"{exc}; incidents go to the nearest post", check="unreadable")
        return None
    gdf = checks.check_crs(gdf, "sections", path.name, report, park_crs=crs)
    if gdf is None or not len(gdf):
        return None
    gdf = gdf[gdf.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()]
    if not len(gdf):
        report.add(
            ERROR,
            "sections",
            path.name,
            "the sections layer holds no polygons; incidents go to the nearest post",
            "give the park's sections as polygons",
            check="geometry",
        )
        return None
    cols = [c for c in gdf.columns if c != gdf.geometry.name]
    ncol = find_column(cols, ("section", "sectionname", *NAME_ALIASES, "sector", "zone"), mapping.get("name"), path)
    names = (
        gdf[ncol].astype(str).str.strip()
        if ncol
        else pd.Series([f"Section {r}" for r in gdf[COL_SOURCE_ROW]], index=gdf.index)
    )
    out = gpd.GeoDataFrame({COL_NAME: names.to_numpy()}, geometry=gdf.geometry.values, crs=gdf.crs)
    out = reproject(out, crs) if crs is not None else out
    out["geometry"] = shapely.make_valid(out.geometry.values)
    return out.reset_index(drop=True)


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
            df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", sep=None, engine="python")
        else:
            import pyogrio

            df = pyogrio.read_dataframe(path, layer=mapping.get("layer"), read_geometry=False)
            df = df.astype(str)
    except UnicodeDecodeError as exc:
        raise RegisterError(f"{path}: not UTF-8 text ({exc}). Fix: save the case table as UTF-8 CSV") from exc
    except Exception as exc:  # pandas and GDAL errors, translated here
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
    out["case_ref"] = _text(df[found["case_ref"]])
    out["event"] = _map_words(_text(df[found["event"]]), EVENT_WORDS)
    dates = pd.to_datetime(_text(df[found["date"]]), errors="coerce", utc=True, format="mixed", dayfirst=False)
    out["date"] = dates
    for key in ("sentence", "note"):
        out[key] = _text(df[found[key]]) if found[key] is not None else pd.Series(pd.NA, index=df.index, dtype=object)
    out[COL_SOURCE_FILE] = df[COL_SOURCE_FILE].to_numpy() if COL_SOURCE_FILE in df else file
    out[COL_SOURCE_ROW] = rows
    bad_ref = out["case_ref"].isna().to_numpy()
    bad_event = out["event"].isna().to_numpy() & ~bad_ref
    bad_date = out["date"].isna().to_numpy() & ~bad_ref & ~bad_event
    for bad, what, fix in (
        (bad_ref, "no case reference", "give the case reference of the step"),
        (bad_event, "event is not a prosecution step", f"use one of {', '.join(CASE_EVENTS)}"),
        (bad_date, "date cannot be read", "write the date as YYYY-MM-DD"),
    ):
        if bad.any():
            checks.report_rows(report, ERROR, "cases", file, rows[bad], f"{what}; row skipped", fix, "case_row")
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
        }
    )


def case_summary(cases: pd.DataFrame, incidents: pd.DataFrame) -> pd.DataFrame:
    """One row per case (see :meth:`Register.case_summary`)."""
    inc = incidents[incidents[COL_CASE].notna().to_numpy()] if len(incidents) else incidents
    refs = sorted(set(cases["case_ref"].dropna().astype(str)) | set(inc[COL_CASE].dropna().astype(str)))
    if not refs:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in CASE_SUMMARY_COLUMNS})
    by_case = {ref: g for ref, g in cases.groupby("case_ref", sort=False)}
    inc_by = {ref: g for ref, g in inc.groupby(COL_CASE, sort=False)} if len(inc) else {}
    rows = []
    for ref in refs:
        steps = by_case.get(ref)
        links = inc_by.get(ref)
        arrests = links[links[COL_TYPE] == "arrest"] if links is not None else None
        arrest_date = pd.NaT
        if arrests is not None and len(arrests):
            arrest_date = arrests[COL_TIME].min()
        elif links is not None and len(links):
            arrest_date = links[COL_TIME].min()
        opened = charged = outcome_date = pd.NaT
        outcome = sentence = None
        if steps is not None and len(steps):
            o = steps.loc[steps["event"] == "opened", "date"]
            opened = o.min() if len(o) else steps["date"].min()
            c = steps.loc[steps["event"] == "charged", "date"]
            charged = c.min() if len(c) else pd.NaT
            final = steps[steps["event"].isin(OUTCOMES)]
            if len(final):
                last = final.sort_values("date", kind="stable").iloc[-1]
                outcome, outcome_date = last["event"], last["date"]
                sentence = last["sentence"] if last["event"] == "convicted" else None
        if pd.isna(arrest_date):
            arrest_date = opened
        if pd.isna(opened):
            opened = arrest_date
        days = np.nan
        if outcome in VERDICTS and pd.notna(arrest_date) and pd.notna(outcome_date):
            days = (outcome_date - arrest_date).total_seconds() / 86400.0
        section = SECTION_UNKNOWN
        if links is not None and len(links) and COL_SECTION in links:
            first = links.sort_values(COL_TIME).iloc[0][COL_SECTION]
            section = first if isinstance(first, str) else SECTION_UNKNOWN
        people = float(arrests[COL_PEOPLE].sum()) if arrests is not None and len(arrests) else 0.0
        items = ""
        if links is not None and len(links):
            seized = links[links[COL_TYPE] == "seizure"]
            items = ", ".join(sorted(set(seized[COL_ITEM].dropna().astype(str))))
        rows.append(
            {
                "case_ref": ref,
                "section": section,
                "arrest_date": arrest_date,
                "opened": opened,
                "charged": charged,
                "outcome": outcome,
                "outcome_date": outcome_date,
                "sentence": sentence,
                "status": outcome or "open",
                "days_to_verdict": days,
                "incidents": 0 if links is None else len(links),
                "people": people,
                "items": items,
            }
        )
    return pd.DataFrame(rows, columns=list(CASE_SUMMARY_COLUMNS))


# --- the register ----------------------------------------------------------------------
def register_from_frames(
    incidents: gpd.GeoDataFrame,
    cases: pd.DataFrame | None = None,
    sections: gpd.GeoDataFrame | None = None,
    posts: gpd.GeoDataFrame | None = None,
    name: str = "park",
    mapping: dict | None = None,
    boundary=None,
) -> Register:
    """A register from frames built in memory (tests, benchmarks, edits applied by the caller).

    ``incidents`` need ``time``, ``type`` and point geometry in a metric CRS;
    ``cases`` the ``CASE_COLUMNS`` (or names :func:`normalise_cases` guesses);
    ``sections`` polygons with ``name``; ``posts`` points with ``name``.
    """
    report = LoadReport(park=name)
    gdf = normalise_incidents(incidents, mapping, report)
    if cases is None or not len(cases):
        table = empty_cases()
    else:
        table = cases.copy()
        if COL_SOURCE_ROW not in table:
            table[COL_SOURCE_ROW] = np.arange(2, len(table) + 2)
        table = normalise_cases(table, None, report)
    kind = (
        "sections"
        if sections is not None and len(sections)
        else ("posts" if posts is not None and len(posts) else "none")
    )
    gdf = _with_sections(gdf, sections if kind == "sections" else None, posts)
    return Register(name, gdf, table, sections, posts, kind, report, boundary, getattr(gdf, "crs", None))


def _with_sections(gdf: gpd.GeoDataFrame, sections, posts) -> gpd.GeoDataFrame:
    given = gdf[COL_SECTION] if COL_SECTION in gdf else None
    if len(gdf) and ((sections is not None and len(sections)) or (posts is not None and len(posts))):
        x = shapely.get_x(gdf.geometry.values)
        y = shapely.get_y(gdf.geometry.values)
        gdf[COL_SECTION] = assign_sections(np.asarray(x, float), np.asarray(y, float), sections, posts)
    elif given is not None:
        gdf[COL_SECTION] = given.where(given.notna(), SECTION_UNKNOWN).astype(object)
    else:
        gdf[COL_SECTION] = SECTION_UNKNOWN
    return gdf


def load_register(park, edits=None) -> Register:
    """The register of a loaded park: incidents with their register columns, cases and sections.

    Parameters
    ----------
    park : layers.park.Park
        A loaded park; its manifest may name ``cases`` and ``sections`` under ``[layers]``.
    edits : callable, optional
        ``edits(table_name, frame, id_column) -> frame``: applied to the
        ``"incidents"`` and ``"cases"`` tables before the register is built
        (the park store's :meth:`apply_edits`).

    Returns
    -------
    Register
        Its ``report`` lists rows of the case table that were skipped and guesses made.
    """
    m = park.manifest
    report = LoadReport(park=park.name)
    inc_path = m.layers.get("incidents")
    incidents = normalise_incidents(
        park.incidents, m.columns.get("incidents"), report, inc_path.name if inc_path else "incidents"
    )
    cases = empty_cases()
    path = m.layers.get("cases")
    if path is not None:
        try:
            cases = read_case_table(path, m.columns.get("cases"), report)
        except RegisterError as exc:
            report.add(
                ERROR,
                "cases",
                path.name,
                str(exc).split(" Fix: ")[0] + "; no cases loaded",
                str(exc).split(" Fix: ")[-1] if " Fix: " in str(exc) else "",
                check="unreadable",
            )
    if edits is not None:
        incidents = edits("incidents", incidents, COL_INCIDENT_ID)
        cases = edits("cases", cases, "case_row")
    sections = None
    spath = m.layers.get("sections")
    if spath is not None:
        sections = read_sections(spath, park.crs, m.columns.get("sections"), report)
    posts = park.posts if park.posts is not None and len(park.posts) else None
    kind = "sections" if sections is not None else ("posts" if posts is not None else "none")
    incidents = _with_sections(incidents, sections, posts)
    return Register(park.name, incidents, cases, sections, posts, kind, report, park.boundary_geometry, park.crs)
