"""The park manifest: ``park.toml`` parsed into a :class:`Manifest`, or drafted for a folder.

A park is a folder holding a ``park.toml`` that names its layers by role::

    [park]
    name = "Demo Park"
    cell_size_m = 500
    [layers]
    boundary = "boundary.geojson"
    incidents = "incidents.csv"
    [layers.features]
    roads = "roads.zip"
    [layers.rasters]
    landcover = { path = "landcover.tif", categorical = true }

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "park.toml").write_text('[park]\\nname = "P"\\n[layers]\\nboundary = "b.geojson"\\n')
>>> m = read_manifest(folder)
>>> m.name, m.cell_size_m, m.layers["boundary"].name
('P', 500.0, 'b.geojson')
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .defaults import DEFAULT_CELL_SIZE_M, MANIFEST_NAME, MAX_CELL_SIZE_M, MIN_CELL_SIZE_M
from .errors import ManifestError

ROLES = ("boundary", "incidents", "patrols", "posts", "cases", "sections")
# Roles that `load_park` leaves to the package that uses them (the register reads `cases` and `sections`).
REGISTER_ROLES = ("cases", "sections")
REQUIRED_ROLES = ("boundary",)
COLUMN_KEYS = ("time", "type", "lon", "lat", "x", "y", "wkt", "name", "track", "item", "quantity", "unit")
# Register columns of incidents (read by ``monitoring.register``): own id, species, cause, case reference,
# people, nationality and section.
REGISTER_COLUMN_KEYS = ("incident_id", "species", "cause", "case_ref", "people", "nationality", "section")
# Patrol legs given as lines without vertex times (SMART tracks as shapefile): the leg's start and end dates.
LEG_COLUMN_KEYS = ("start", "end")
COLUMN_KEYS = COLUMN_KEYS + REGISTER_COLUMN_KEYS + LEG_COLUMN_KEYS
# Columns of the case table, accepted under [columns.cases] only.
CASE_COLUMN_KEYS = ("case_ref", "event", "date", "sentence", "note")
COLUMN_OPTIONS = ("date_format", "crs", "timezone", "layer")


@dataclass(frozen=True)
class RasterLayer:
    """A raster layer of the park: its name, file and whether its values are classes."""

    name: str
    path: Path
    categorical: bool = False
    classes: dict[int, str] = field(default_factory=dict)  # class code -> name (categorical rasters)


@dataclass
class Manifest:
    """A parsed ``park.toml``.

    Parameters
    ----------
    folder : Path
        The park folder; relative layer paths are resolved against it.
    name : str
        The park's name.
    cell_size_m : float
        Side of an analysis-grid cell in metres.
    crs : str or None
        The metric CRS asked for in ``[park] crs``; ``None`` picks the UTM zone.
    layers : dict of str to Path
        Files by role (``boundary``, ``incidents``, ``patrols``, ``posts``).
    features : dict of str to Path
        Feature layers (roads, rivers, villages...) by name.
    rasters : dict of str to RasterLayer
        Raster layers by name, with their categorical flag.
    columns : dict of str to dict
        Column mappings and reading options per role or feature name
        (``time``, ``type``, ``lon``, ``lat``, ``x``, ``y``, ``wkt``, ``date_format``, ``crs``...).
    path : Path
        The manifest file itself.
    access : dict
        The ``[access]`` table, read by :mod:`access` (``sensitive``: layer names
        or patterns protected in outside exports; ``generalise_m``: their grid).
    defaults : dict
        Reading options of ``[park]`` (``timezone``, ``date_format``) that every
        layer uses unless its ``[columns.<layer>]`` table says otherwise
        (:meth:`options`).  ``timezone`` is also the zone times are shown in.
    """

    folder: Path
    name: str
    cell_size_m: float = DEFAULT_CELL_SIZE_M
    crs: str | None = None
    layers: dict[str, Path] = field(default_factory=dict)
    features: dict[str, Path] = field(default_factory=dict)
    rasters: dict[str, RasterLayer] = field(default_factory=dict)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    path: Path | None = None
    access: dict = field(default_factory=dict)
    defaults: dict = field(default_factory=dict)

    @property
    def timezone(self) -> str:
        """The park's time zone (``[park] timezone``, an IANA name such as ``Africa/Nairobi``; else ``UTC``)."""
        return str(self.defaults.get("timezone") or "UTC")

    def options(self, name: str) -> dict[str, str]:
        """The column mapping and reading options of layer ``name``: ``[columns.<name>]`` over ``[park]``'s."""
        return {**self.defaults, **self.columns.get(name, {})}

    def all_files(self) -> dict[str, Path]:
        """Every file named by the manifest, keyed by role or layer name."""
        files = dict(self.layers)
        files.update(self.features)
        files.update({name: r.path for name, r in self.rasters.items()})
        return files

    def missing_files(self) -> dict[str, Path]:
        """Files named by the manifest that do not exist, keyed by role or layer name."""
        return {name: path for name, path in self.all_files().items() if not path.exists()}


# --- reading ---------------------------------------------------------------
def _toml_error(path: Path, text: str, exc: tomllib.TOMLDecodeError) -> ManifestError:
    line = getattr(exc, "lineno", None)
    if line is None:
        m = re.search(r"line (\d+)", str(exc))
        line = int(m.group(1)) if m else None
    msg = getattr(exc, "msg", str(exc))
    where = f"{path}, line {line}" if line else str(path)
    shown = ""
    if line and 0 < line <= len(text.splitlines()):
        shown = f": {text.splitlines()[line - 1].strip()!r}"
    return ManifestError(
        f"{where}{shown}: not valid TOML ({msg}). Fix: put text values in double quotes "
        '(name = "My Park"), write one key = value per line, and name tables in square '
        "brackets ([layers]); see the README's park.toml example"
    )


def _path_entry(folder: Path, manifest_path: Path, where: str, value, allow_outside: bool = False) -> Path:
    if isinstance(value, dict):
        value = value.get("path")
    if not isinstance(value, str) or not value.strip():
        raise ManifestError(
            f'{manifest_path}: {where} must be a file name in quotes, e.g. {where.split(".")[-1]} = "file.geojson"'
        )
    path = Path(value.strip()).expanduser()
    path = path if path.is_absolute() else folder / path
    if not allow_outside:
        inside = folder.resolve()
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError):  # a symlink loop
            resolved = Path("/")
        if not resolved.is_relative_to(inside):
            how = (
                "an absolute path"
                if Path(value.strip()).expanduser().is_absolute()
                else ("a path through '..'" if ".." in Path(value.strip()).parts else "a symbolic link")
            )
            raise ManifestError(
                f"{manifest_path}: {where} = {value.strip()!r} is {how} to a file outside the park folder; "
                "nothing outside the park is read unless you say so. Fix: copy the file into the park folder, "
                "or set allow_outside = true under [park] if you mean it"
            )
    return path


PARK_KEYS = ("name", "cell_size_m", "crs", "allow_outside")
PARK_READING_OPTIONS = ("timezone", "date_format")  # [park] defaults of every layer's reading options
PARK_OPTION_EXAMPLES = {"timezone": "Africa/Nairobi", "date_format": "%d/%m/%Y %H:%M"}
TOP_TABLES = ("park", "layers", "columns", "categories")


def _misspelt(key: str, known, where: str, path: Path) -> None:
    """Refuse a key that is not known but close to one that is (``timzone``, ``colums``): it would be ignored."""
    import difflib

    close = difflib.get_close_matches(str(key), list(known), n=1, cutoff=0.75)
    if key not in known and close:
        raise ManifestError(
            f"{path}: {where} has the key {key!r}, which is not known; did you mean {close[0]!r}? "
            f"Fix: correct its spelling (a misspelt key would be ignored)"
        )


def read_manifest(folder: str | Path, text: str | None = None) -> Manifest:
    """Read and validate ``folder/park.toml``.

    Parameters
    ----------
    folder : str or Path
        A park folder, or the ``park.toml`` file itself.
    text : str, optional
        The manifest's text to validate instead of the file's (an edit not
        saved yet); paths in it are relative to the folder as usual.

    Returns
    -------
    Manifest

    Raises
    ------
    ManifestError
        When the file is missing, is not valid TOML (the message names the
        line), or names something impossible (an unknown role, a cell size
        out of range).  Missing layer files are not an error here: see
        :meth:`Manifest.missing_files`.
    """
    folder = Path(folder)
    path = folder if folder.is_file() else folder / MANIFEST_NAME
    folder = path.parent
    if text is not None:
        return _parse(path, folder, text)
    if not path.exists():
        hint = "" if folder.exists() else f" (the folder {folder} does not exist either)"
        raise ManifestError(
            f"{path}: no park manifest found{hint}. Fix: run `python -m layers init {folder}` to draft one, "
            "then check the roles it guessed"
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ManifestError(f"{path}: not a UTF-8 text file ({exc}). Fix: save park.toml as UTF-8 text") from exc
    except OSError as exc:
        raise ManifestError(f"{path}: cannot be read ({exc.strerror or exc}). Fix: check the file permissions") from exc
    return _parse(path, folder, text)


def _parse(path: Path, folder: Path, text: str) -> Manifest:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _toml_error(path, text, exc) from exc

    park = data.get("park", {})
    if not isinstance(park, dict):
        raise ManifestError(f"{path}: [park] must be a table. Fix: start the file with a [park] line")
    for key in list(data):
        _misspelt(key, TOP_TABLES, "the file", path)
    for key in park:
        _misspelt(key, PARK_KEYS + COLUMN_OPTIONS, "[park]", path)
    allow = park.get("allow_outside", False)
    if not isinstance(allow, bool):
        raise ManifestError(f"{path}: [park] allow_outside must be true or false (no quotes)")
    name = str(park.get("name") or folder.resolve().name)
    cell = park.get("cell_size_m", DEFAULT_CELL_SIZE_M)
    if isinstance(cell, bool) or not isinstance(cell, int | float):
        raise ManifestError(f"{path}: [park] cell_size_m = {cell!r} is not a number. Fix: write e.g. cell_size_m = 500")
    cell = float(cell)
    if not MIN_CELL_SIZE_M <= cell <= MAX_CELL_SIZE_M:
        raise ManifestError(
            f"{path}: [park] cell_size_m = {cell:g} m is outside {MIN_CELL_SIZE_M:g}-{MAX_CELL_SIZE_M:g} m. "
            "Fix: pick a cell size in that range (500 m is a good start)"
        )
    crs = park.get("crs")
    if crs is not None and not isinstance(crs, str | int):
        raise ManifestError(f'{path}: [park] crs must be text such as "EPSG:32736"')
    crs = None if crs is None else (f"EPSG:{crs}" if isinstance(crs, int) else crs)

    layers_tbl = data.get("layers")
    if not isinstance(layers_tbl, dict):
        raise ManifestError(f'{path}: no [layers] table. Fix: add [layers] with at least boundary = "boundary.geojson"')
    layers: dict[str, Path] = {}
    features: dict[str, Path] = {}
    rasters: dict[str, RasterLayer] = {}
    for key, value in layers_tbl.items():
        if key == "features":
            if not isinstance(value, dict):
                raise ManifestError(f'{path}: [layers.features] must be a table of name = "file" lines')
            for fname, fvalue in value.items():
                features[fname] = _path_entry(folder, path, f"layers.features.{fname}", fvalue, allow)
        elif key == "rasters":
            if not isinstance(value, dict):
                raise ManifestError(f'{path}: [layers.rasters] must be a table of name = "file.tif" lines')
            for rname, rvalue in value.items():
                categorical = bool(rvalue.get("categorical", False)) if isinstance(rvalue, dict) else False
                classes = _class_names(path, rname, rvalue.get("classes") if isinstance(rvalue, dict) else None)
                rasters[rname] = RasterLayer(
                    rname,
                    _path_entry(folder, path, f"layers.rasters.{rname}", rvalue, allow),
                    categorical or bool(classes),
                    classes,
                )
        elif key in ROLES:
            layers[key] = _path_entry(folder, path, f"layers.{key}", value, allow)
        else:
            raise ManifestError(
                f"{path}: unknown layer role {key!r} in [layers] (known: {', '.join(ROLES)}). "
                f"Fix: put feature layers under [layers.features] and rasters under [layers.rasters]"
            )
    for role in REQUIRED_ROLES:
        if role not in layers:
            raise ManifestError(
                f'{path}: [layers] names no {role}. Fix: add {role} = "your_{role}_file" under [layers]; '
                "the park boundary is required"
            )

    defaults = {}
    for key in PARK_READING_OPTIONS:
        if key in park:
            if not isinstance(park[key], str) or not park[key].strip():
                raise ManifestError(f'{path}: [park] {key} must be text, e.g. {key} = "{PARK_OPTION_EXAMPLES[key]}"')
            defaults[key] = park[key].strip()
    if "timezone" in defaults:
        _check_zone(path, "[park] timezone", defaults["timezone"])
    unused = sorted(set(park) & (set(COLUMN_OPTIONS) - set(PARK_READING_OPTIONS) - set(PARK_KEYS)))
    if unused:
        raise ManifestError(
            f"{path}: [park] {unused[0]} applies to one layer, not the park. "
            f"Fix: move it to that layer's [columns.<layer>] table"
        )
    columns: dict[str, dict[str, str]] = {}
    for key, value in (data.get("columns") or {}).items():
        if not isinstance(value, dict):
            raise ManifestError(f'{path}: [columns.{key}] must be a table, e.g. time = "date"')
        allowed = tuple(dict.fromkeys(COLUMN_KEYS + COLUMN_OPTIONS + (CASE_COLUMN_KEYS if key == "cases" else ())))
        unknown = set(value) - set(allowed)
        for k in sorted(unknown):
            _misspelt(k, allowed, f"[columns.{key}]", path)
        if unknown:
            raise ManifestError(
                f"{path}: [columns.{key}] has unknown keys {sorted(unknown)}. Fix: use only {', '.join(allowed)}"
            )
        columns[key] = {k: str(v) for k, v in value.items()}
    access = _access_table(path, data.get("access", {}))
    return Manifest(folder, name, cell, crs, layers, features, rasters, columns, path, access, defaults)


def _check_zone(path: Path, where: str, zone: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ManifestError(
            f'{path}: {where} = "{zone}" is not a known time zone. Fix: use an IANA name such as '
            '"Africa/Nairobi", "Africa/Johannesburg" or "UTC"'
        ) from exc


def _access_table(path: Path, value) -> dict:
    """The ``[access]`` table, checked: ``sensitive`` a list of names, ``generalise_m`` a positive number."""
    if not isinstance(value, dict):
        raise ManifestError(f'{path}: [access] must be a table, e.g. sensitive = ["incidents", "rhino_density"]')
    unknown = set(value) - {"sensitive", "generalise_m"}
    if unknown:
        raise ManifestError(
            f"{path}: [access] has unknown keys {sorted(unknown)}. Fix: use only sensitive, generalise_m"
        )
    sensitive = value.get("sensitive")
    if sensitive is not None and not (isinstance(sensitive, list) and all(isinstance(s, str) for s in sensitive)):
        raise ManifestError(f'{path}: [access] sensitive must be a list of layer names, e.g. ["incidents"]')
    cell = value.get("generalise_m")
    if cell is not None and (isinstance(cell, bool) or not isinstance(cell, int | float) or cell <= 0):
        raise ManifestError(f"{path}: [access] generalise_m = {cell!r} is not a positive number. Fix: e.g. 5000")
    return dict(value)


def save_manifest(folder: str | Path, text: str) -> tuple[Manifest, Path | None]:
    """Validate ``text`` as the park's manifest and write it as ``folder/park.toml``.

    The file it replaces is kept beside it as ``park.<time>.toml.bak`` (nothing
    the user wrote is lost).  Raises :class:`ManifestError`, and writes
    nothing, when ``text`` is not a valid manifest.

    Returns
    -------
    (Manifest, Path or None)
        The new manifest and the backup of the old file (``None`` when there was none).
    """
    import datetime as dt

    folder = Path(folder)
    if not folder.is_dir():
        raise ManifestError(f"{folder}: not a folder. Fix: give the park folder")
    manifest = read_manifest(folder, text=text)
    path = folder / MANIFEST_NAME
    backup = None
    if path.exists():
        stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")
        backup = folder / f"park.{stamp}.toml.bak"
        backup.write_bytes(path.read_bytes())
    tmp = folder / f".{MANIFEST_NAME}.tmp"
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return manifest, backup


def _class_names(path: Path, raster: str, table) -> dict[int, str]:
    """``classes = { 1 = "Grassland", ... }`` of a categorical raster as ``{1: "Grassland"}``."""
    if table is None:
        return {}
    fix = f'Fix: write e.g. {raster} = {{ path = "{raster}.tif", categorical = true, classes = {{ 1 = "Grassland" }} }}'
    if not isinstance(table, dict):
        raise ManifestError(f"{path}: layers.rasters.{raster}.classes must be a table of code = name. {fix}")
    out = {}
    for code, name in table.items():
        try:
            out[int(code)] = str(name)
        except ValueError:
            raise ManifestError(
                f"{path}: layers.rasters.{raster}.classes: {code!r} is not a class code (a whole number). {fix}"
            ) from None
    return out


# --- drafting ---------------------------------------------------------------
