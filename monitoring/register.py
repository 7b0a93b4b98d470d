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

from layers.crs import reproject
from layers.defaults import (
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
from layers.geochecks import check_crs
from layers.loader import NAME_ALIASES
from layers.readers import read_vector
from layers.report import ERROR, INFO, WARNING, LoadReport
from layers.tabular import find_column

from .cases import (
    CASE_ROW_ID,
    CASE_SUMMARY_COLUMNS,
    case_summary,
    empty_cases,
    finish_cases,
    normalise_cases,
    read_case_table,
)
from .defaults import (
    CARCASS_TYPE,
    CASE_ALIASES,
    CAUSE_ALIASES,
    CAUSE_WORDS,
    ELEPHANT,
    ILLEGAL,
    INCIDENT_ID_ALIASES,
    NATIONALITY_ALIASES,
    PEOPLE_ALIASES,
    SECTION_ALIASES,
    SECTION_UNKNOWN,
    SPECIES_ALIASES,
    SPECIES_OF_TYPE,
)
from .errors import RegisterError
from .text import clean_text, map_words, norm_label

__all__ = [
    "CASE_SUMMARY_COLUMNS",
    "REGISTER_COLUMNS",
    "Register",
    "assign_sections",
    "carcass_flags",
    "fill_defaults",
    "load_register",
    "normalise_cases",
    "normalise_incidents",
    "read_case_table",
    "register_from_frames",
    "section_codes",
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

    def section_codes(self, x, y) -> tuple[np.ndarray, list[str]]:
        """``(codes, names)`` of the sections of points ``(x, y)`` (-1 outside every section); fast for millions."""
        return section_codes(x, y, self.sections if self.section_kind == "sections" else None, self.posts)

    def section_of(self, x, y) -> np.ndarray:
        """Section (or nearest post) name of points ``(x, y)`` in the park CRS; ``SECTION_UNKNOWN`` outside all."""
        return assign_sections(x, y, self.sections if self.section_kind == "sections" else None, self.posts)

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
def normalise_item(values: pd.Series) -> pd.Series:
    """Seized items mapped onto ``SEIZURE_ITEMS`` (``"other"`` for anything else, NA when blank)."""
    out = []
    for v in values.astype(object):
        low = "" if pd.isna(v) else norm_label(v)
        if not low or low in ("nan", "none"):
            out.append(pd.NA)
            continue
        key = low.replace(" ", "_")
        if key in SEIZURE_ITEMS:
            out.append(key)
            continue
        out.append(next((name for name, pat in _ITEM_RULES if re.search(pat, low)), "other"))
    return pd.Series(out, index=values.index, dtype=object)


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

    ids = clean_text(raw[COL_INCIDENT_ID])
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

    species = clean_text(raw[COL_SPECIES]).map(lambda v: v if pd.isna(v) else norm_label(v))
    species = species.map(lambda v: v if pd.isna(v) else ("elephant" if "elephant" in v else v))
    species = species.map(lambda v: v if pd.isna(v) else ("rhino" if "rhino" in v else v))
    gdf[COL_SPECIES] = species.astype(object)
    gdf[COL_CAUSE] = map_words(clean_text(raw[COL_CAUSE]), CAUSE_WORDS).astype(object)
    fill_defaults(gdf)

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
    gdf[COL_NATIONALITY] = clean_text(raw[COL_NATIONALITY])
    gdf[COL_CASE] = clean_text(raw[COL_CASE])
    gdf[COL_QUANTITY] = pd.to_numeric(gdf[COL_QUANTITY], errors="coerce").astype(float)
    gdf["item_raw"] = gdf[COL_ITEM]
    gdf[COL_ITEM] = normalise_item(gdf[COL_ITEM])
    gdf[COL_UNIT] = clean_text(gdf[COL_UNIT])
    gdf[COL_SECTION] = clean_text(raw[COL_SECTION])
    return gdf


def fill_defaults(gdf: pd.DataFrame) -> pd.DataFrame:
    """Fill, in place, what an incident's type implies: the species of a rhino or elephant carcass, and the cause
    of a carcass (``illegal`` for the poaching types, ``unknown`` for the ``carcass`` type) where none is recorded."""
    types = gdf[COL_TYPE].astype(object)
    species = gdf[COL_SPECIES].astype(object)
    gdf[COL_SPECIES] = species.where(species.notna(), types.map(SPECIES_OF_TYPE)).astype(object)
    cause = gdf[COL_CAUSE].astype(object)
    cause = cause.where(cause.notna() | ~types.isin(list(SPECIES_OF_TYPE)), ILLEGAL)
    cause = cause.where(cause.notna() | (types != CARCASS_TYPE), "unknown")
    gdf[COL_CAUSE] = cause.astype(object)
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
def section_codes(x: np.ndarray, y: np.ndarray, sections=None, posts=None) -> tuple[np.ndarray, list[str]]:
    """Code of the section polygon holding each point, else of the nearest post; -1 outside every section.

    Returns
    -------
    codes : numpy.ndarray of int64
        Index into ``names`` (-1: outside every section, or no sections and no posts).
    names : list of str
        The section (or post) names.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    codes = np.full(len(x), -1, dtype=np.int64)
    ok = np.isfinite(x) & np.isfinite(y)
    if sections is not None and len(sections):
        names = [str(n) for n in sections[COL_NAME]]
        left = ok.copy()
        for code, geom in enumerate(sections.geometry.values):  # first section wins on overlaps
            if not left.any():
                break
            shapely.prepare(geom)
            idx = np.flatnonzero(left)
            inside = shapely.contains_xy(geom, x[idx], y[idx])
            codes[idx[inside]] = code
            left[idx[inside]] = False
        return codes, names
    if posts is not None and len(posts):
        from scipy.spatial import cKDTree

        names = [str(n) for n in posts[COL_NAME]]
        px, py = shapely.get_x(posts.geometry.values), shapely.get_y(posts.geometry.values)
        if not ok.any():
            return codes, names
        if len(names) <= 32:  # a few posts: one pass per post is faster than a tree
            xs, ys = x[ok], y[ok]
            best = np.full(len(xs), np.inf)
            j = np.zeros(len(xs), dtype=np.int64)
            for k in range(len(names)):
                d = (xs - px[k]) ** 2 + (ys - py[k]) ** 2
                closer = d < best
                best[closer], j[closer] = d[closer], k
        else:
            _, j = cKDTree(np.column_stack([px, py])).query(np.column_stack([x[ok], y[ok]]))
        codes[ok] = j
        return codes, names
    return codes, []


def assign_sections(x: np.ndarray, y: np.ndarray, sections=None, posts=None) -> np.ndarray:
    """Name of the section polygon holding each point, else of the nearest post; ``SECTION_UNKNOWN`` else.

    With a sections layer, points outside every polygon get ``SECTION_UNKNOWN``
    (the park-wide figures still count them).
    """
    codes, names = section_codes(x, y, sections, posts)
    lookup = np.array([*names, SECTION_UNKNOWN], dtype=object)
    return lookup[np.where(codes >= 0, codes, len(names))]


def read_sections(path: Path, crs, mapping: dict | None, report: LoadReport) -> gpd.GeoDataFrame | None:
    """The sections layer as polygons with ``name`` in ``crs``; ``None`` (and an error in ``report``) when unusable."""
    mapping = dict(mapping or {})
    try:
        gdf = read_vector(path, role="sections", columns=mapping, report=report, layer_name="sections")
    except LayerReadError as exc:
        report.add(ERROR, "sections", path.name, f"{exc}; incidents go to the nearest post", check="unreadable")
        return None
    gdf = check_crs(gdf, "sections", path.name, report, park_crs=crs)
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
        incidents = fill_defaults(edits("incidents", incidents, COL_INCIDENT_ID))
        cases = finish_cases(edits("cases", cases, CASE_ROW_ID))
    sections = None
    spath = m.layers.get("sections")
    if spath is not None:
        sections = read_sections(spath, park.crs, m.columns.get("sections"), report)
    posts = park.posts if park.posts is not None and len(park.posts) else None
    kind = "sections" if sections is not None else ("posts" if posts is not None else "none")
    incidents = _with_sections(incidents, sections, posts)
    return Register(park.name, incidents, cases, sections, posts, kind, report, park.boundary_geometry, park.crs)
