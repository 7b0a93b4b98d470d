"""What every page shares: the chosen park folder, cached loaders, errors, the map widget.

Caching lives here (never in the library): a park is loaded once per folder
and content stamp (``st.cache_resource``, it holds GeoDataFrames), and the
arrays and images derived from it are cached beside it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import streamlit as st

from access.cache import SafeCache, default_cache_dir
from access.errors import AccessError, UnsafeLocation
from access.files import check_upload, save_uploads
from layers.defaults import STORE_NAME
from layers.draft import draft_manifest
from layers.errors import LayersError
from monitoring.errors import MonitoringError
from patrols.errors import PatrolsError
from riskmodel.errors import RiskModelError
from riskmodel.riskmap import CLASS_NAMES
from ui import diskjson, maps, mapview

ROOT = Path(__file__).resolve().parent.parent
PARK_ENV = "PARK_DIR"  # environment variable naming the park folder to open first
DEFAULT_PARK = ROOT / "data" / "demo"
PARKS_ENV = "PARKS_DIR"  # environment variable: where parks made from uploads are saved
PARKS_ROOT = ROOT / "data" / "parks"  # ...by default
MAP_HEIGHT = 600


# --- the library's errors ---------------------------------------------------------
def library_errors() -> tuple[type[BaseException], ...]:
    """The root exceptions of the library packages."""
    return (LayersError, RiskModelError, PatrolsError, AccessError, MonitoringError)


def show_error(exc: BaseException, what: str = "") -> None:
    """A library error as a clear message (never a traceback)."""
    prefix = f"{what}: " if what else ""
    st.error(f"{prefix}{exc}")


def run_library(call: Callable, what: str):
    """Run a library call; show its error (library or unexpected) and return ``None`` on failure."""
    try:
        return call()
    except library_errors() as exc:
        show_error(exc, what)
    except Exception as exc:  # a bug must not reach the user as a traceback
        st.error(f"{what}: unexpected {type(exc).__name__}: {exc}. Please report it with the park folder.")
    return None


# --- the chosen park ---------------------------------------------------------------
def default_park_dir() -> str:
    """The park a new session opens: ``$PARK_DIR``, else the demo."""
    return os.environ.get(PARK_ENV) or str(DEFAULT_PARK)


def park_dir() -> str:
    """The park folder the user is looking at (session, else :func:`default_park_dir`)."""
    return st.session_state.setdefault("park_dir", default_park_dir())


def set_park_dir(folder: str | Path) -> None:
    """Switch the app to another park folder (its kept risk maps and plan are restored from its store)."""
    folder = str(folder)
    if st.session_state.get("park_dir") != folder:
        st.session_state["park_dir"] = folder
        for key in ("risk", "forecast", "plan", "restored"):
            st.session_state.pop(key, None)
        opened = st.session_state.setdefault("opened_parks", [])
        if folder not in opened:
            opened.append(folder)


def parks_root() -> Path:
    """Folder holding the parks made from uploads (``$PARKS_DIR`` or ``data/parks``)."""
    return Path(os.environ.get(PARKS_ENV) or PARKS_ROOT)


def new_park_folder(name: str) -> Path:
    """A new, empty folder ``<parks root>/<slug>`` (``-2``, ``-3``... when taken): nothing is overwritten."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "park"
    root = parks_root()
    folder, n = root / slug, 2
    while folder.exists():
        folder, n = root / f"{slug}-{n}", n + 1
    folder.mkdir(parents=True)
    return folder


def create_park(name: str, files: dict[str, bytes]) -> tuple[Path, str]:
    """Save uploaded files in a new park folder and draft its ``park.toml``.

    Returns the folder and the drafted manifest text.  An uploaded ``park.toml`` is kept as it is and
    the draft goes to ``park.draft.toml``; raises the library's errors.
    """
    for fname, data in files.items():  # every file checked before the folder is made
        check_upload(fname, len(data))
    folder = new_park_folder(name)
    save_uploads(folder, files)
    text = draft_manifest(folder)
    text = re.sub(r"(?m)^name\s*=.*$", lambda _m: f"name = {json.dumps(name.strip())}", text, count=1)
    target = folder / ("park.draft.toml" if (folder / "park.toml").exists() else "park.toml")
    target.write_text(text, encoding="utf-8")
    return folder, text


def stamp(folder: str | Path) -> str:
    """A cache key that changes when any file of the park folder changes."""
    folder = Path(folder)
    if not folder.is_dir():
        return "missing"
    parts = []
    for p in sorted(folder.iterdir()):
        if p.name.startswith(STORE_NAME):
            continue  # kept plans and maps change the store's file, not the park: see store_stamp
        if p.is_file():
            s = p.stat()
            parts.append(f"{p.name}:{s.st_size}:{int(s.st_mtime_ns)}")
    return "|".join(parts) + store_stamp(folder)


def store_stamp(folder: Path) -> str:
    """What of the park store changes the park: its imports and edits (not its kept documents)."""
    from layers.store import ParkStore

    if not ParkStore.exists(folder):
        return ""
    try:
        counts = ParkStore(folder, create=False).counts()
    except LayersError:
        return "|store:unreadable"
    return f"|store:{counts['imports']}:{counts['edits']}"


CACHE_ENV = "PARK_CACHE_DIR"  # where loaded parks are kept between server starts


def cache_dir() -> Path:
    """Folder of the on-disk cache (``$PARK_CACHE_DIR``, else ``~/.cache/rhino-patrol``; private, mode 0700)."""
    return Path(os.environ.get(CACHE_ENV) or default_cache_dir())


def _library_stamp() -> str:
    """Changes whenever the library's code changes, so stale cached objects are not reused."""
    parts = []
    for pkg in ("layers", "riskmodel", "patrols"):
        for f in sorted((ROOT / pkg).rglob("*.py")):
            parts.append(f"{f.name}:{f.stat().st_mtime_ns}")
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:12]


def _cache_name(kind: str, folder: str, folder_stamp: str) -> str:
    where = hashlib.sha1(str(Path(folder).resolve()).encode()).hexdigest()[:16]
    key = hashlib.sha1(f"{folder_stamp}|{_library_stamp()}".encode()).hexdigest()[:16]
    return f"{kind}-{where}-{key}"


def disk_cache_path(kind: str, folder: str, folder_stamp: str) -> Path:
    """Where :func:`disk_cached` keeps ``kind`` of this park folder and content stamp."""
    return SafeCache(cache_dir()).path(_cache_name(kind, folder, folder_stamp))


def disk_cached(kind: str, folder: str, folder_stamp: str, compute: Callable):
    """``compute()``, kept on disk between server starts, keyed by the park's files and the library's code.

    A cold start of the app then loads the park instead of reading every file
    again.  The cache (:class:`access.cache.SafeCache`) loads only pickles it
    signed itself, from a folder only this account can open; an unsafe folder
    is not used at all (the value is computed).
    """
    cache, name = SafeCache(cache_dir()), _cache_name(kind, folder, folder_stamp)
    try:
        value = cache.cached(name, compute)
    except UnsafeLocation:
        return compute()
    cache.prune(name.rsplit("-", 1)[0] + "-", keep=name)  # older versions of the same park
    return value


@st.cache_resource(show_spinner="Loading the park...", max_entries=4)
def _load_park(folder: str, content_stamp: str):
    from layers.park import load_park

    return disk_cached("park", folder, content_stamp, lambda: load_park(folder))


def load_park(folder: str | None = None):
    """The loaded park (cached), raising the library's errors."""
    folder = str(folder or park_dir())
    return _load_park(folder, stamp(folder))


@dataclass
class ParkView:
    """What the map page draws of a park: everything but the GPS fixes (small, quick to load)."""

    folder: Path
    name: str
    crs: object
    boundary: object
    posts: object
    incidents: object
    features: dict
    rasters: dict
    grid: object
    months: list
    has_tracks: bool
    timezone: str = "UTC"  # the park's time zone (park.toml [park] timezone), times are shown in it


def _view_of(park, folder: str | Path, has_tracks: bool) -> ParkView:
    return ParkView(
        folder=Path(folder),
        name=park.name,
        crs=park.crs,
        boundary=park.boundary,
        posts=park.posts,
        incidents=park.incidents,
        features=dict(park.features),
        rasters=dict(park.rasters),
        grid=park.grid,
        months=park_months(park),
        has_tracks=has_tracks,
        timezone=park.manifest.timezone,
    )


def _load_without_tracks(folder: str):
    """The park with every layer but its GPS tracks (the slowest file to read)."""
    from layers.park import load_park as _library_load

    return _library_load(folder, skip=("patrols",))


def _build_view(folder: str, content_stamp: str) -> ParkView:
    park = _load_without_tracks(folder)
    return _view_of(park, folder, has_tracks="patrols" in park.manifest.layers)


@st.cache_resource(show_spinner="Loading the park...", max_entries=4)
def _park_view(folder: str, content_stamp: str) -> ParkView:
    return disk_cached("view", folder, content_stamp, lambda: _build_view(folder, content_stamp))


def park_view(folder: str) -> ParkView:
    """The :class:`ParkView` of ``folder`` (cached), raising the library's errors."""
    return _park_view(folder, stamp(folder))


def require_park(light: bool = False):
    """The current park, or show why it cannot be loaded and stop the page.

    With ``light=True`` a :class:`ParkView` without the GPS fixes is returned,
    which a cold start loads much faster than the whole park.
    """
    folder = park_dir()
    if not Path(folder).is_dir():
        st.error(
            f"Park folder {folder!r} does not exist. Build the demo park with `make demo`, "
            "or choose another folder on the Park data page.",
        )
        st.stop()
    try:
        return park_view(folder) if light else load_park(folder)
    except library_errors() as exc:
        show_error(exc, f"The park in {folder} cannot be loaded")
        report = getattr(exc, "report", None)
        if report is not None:
            with st.expander("Load report"):
                st.code(report.to_text())
        st.stop()


@st.cache_resource(show_spinner=False)
def _ready() -> set:
    """Keys of the (folder, stamp) pairs whose effort this server process holds."""
    return set()


@st.cache_resource(show_spinner="Computing patrol effort...", max_entries=4)
def _effort(folder: str, content_stamp: str):
    from layers.effort import compute_effort

    value = disk_cached("effort", folder, content_stamp, lambda: compute_effort(_load_park(folder, content_stamp)))
    _ready().add((folder, content_stamp))
    return value


def effort(folder: str | None = None):
    """Monthly patrol effort of the park (cached), raising the library's errors."""
    folder = str(folder or park_dir())
    return _effort(folder, stamp(folder))


def effort_if_ready(folder: str | None = None):
    """The park's effort when it costs nothing to get (held in memory or on disk), else ``None``.

    The map page draws its first paint with this and computes the effort
    (which reads every GPS fix) only after the map is on screen.
    """
    folder = str(folder or park_dir())
    key = (folder, stamp(folder))
    if key in _ready() or disk_cache_path("effort", *key).is_file():
        return _effort(*key)
    return None


@st.cache_resource(show_spinner="Drawing the relief...", max_entries=8)
def _raster_overlays(folder: str, content_stamp: str):
    name = _cache_name("overlays", folder, content_stamp)  # kept as JSON: PNG data URLs and bounds, no pickle
    return diskjson.cached_overlays(cache_dir(), name, lambda: _draw_rasters(_park_view(folder, content_stamp)))


def _draw_rasters(park) -> list:
    out = []
    rasters = getattr(park, "rasters", {}) or {}
    dem = rasters.get("dem") or rasters.get("elevation")
    if dem is not None:
        try:
            out.append(maps.hillshade_overlay(dem.path))
        except Exception:  # a bad DEM only loses the relief; the load report says why
            pass
    for name, layer in rasters.items():
        try:
            out.append(
                maps.raster_file_overlay(
                    raster_title(name),
                    layer.path,
                    units=maps.RASTER_UNITS.get(name.lower()),
                    cmap=maps.RASTER_CMAPS.get(name.lower()),
                    categorical=bool(layer.categorical),
                    max_size=600,
                    class_names=getattr(layer, "classes", None),
                )
            )
        except Exception:
            continue
    return out


@st.cache_resource(show_spinner=False, max_entries=4)
def _incident_table(folder: str, content_stamp: str):
    view = _park_view(folder, content_stamp)
    return maps.incident_rows(view.incidents, zone=view.timezone)


def incident_table(folder: str | None = None):
    """The park's incidents ready for the map (positions, colours, popups), computed once per park."""
    folder = str(folder or park_dir())
    return _incident_table(folder, stamp(folder))


def raster_title(name: str) -> str:
    """The map title of the park raster called ``name``."""
    return maps.RASTER_TITLES.get(name.lower(), name.replace("_", " ").capitalize())


def raster_overlays(folder: str | None = None, park=None):
    """Hillshade (shown) and every park raster (hidden) as map overlays, cached.

    With ``park`` (as :func:`access.guard.park_layers_for` gave it to the user)
    only the rasters that ``park`` still holds are returned.
    """
    folder = str(folder or park_dir())
    overlays = _raster_overlays(folder, stamp(folder))
    if park is None:
        return overlays
    view = _park_view(folder, stamp(folder))
    hidden = {raster_title(n) for n in view.rasters if n not in (park.rasters or {})}
    return [o for o in overlays if getattr(o, "name", None) not in hidden]


def last_data_date(park):
    """The day of the park's last incident or GPS fix (``datetime.date``, UTC), or ``None``."""
    times = []
    for gdf in (getattr(park, "incidents", None), getattr(park, "tracks", None)):
        if gdf is not None and len(gdf) and "time" in gdf:
            t = gdf["time"].dropna()
            if len(t):
                times.append(t.max())
    if not times:
        return None
    last = max(times)
    return (last.tz_convert("UTC") if last.tzinfo else last).date()


def park_months(park) -> list:
    """Every calendar month covered by the park's incidents and tracks (``pd.Period``)."""
    import pandas as pd

    times = []
    for gdf in (getattr(park, "incidents", None), getattr(park, "tracks", None)):
        if gdf is not None and len(gdf) and "time" in gdf:
            t = gdf["time"].dropna()
            if len(t):
                times += [t.min(), t.max()]
    if not times:
        return []
    lo, hi = min(times), max(times)
    return list(pd.period_range(lo.tz_convert(None).to_period("M"), hi.tz_convert(None).to_period("M"), freq="M"))


def session_risk(park, store: str = "risk"):
    """The risk surface of this park in the session (``store``: ``"risk"`` or ``"forecast"``), or ``None``.

    After a reload or a park switch, the newest one kept in the park store is restored.
    """
    r = st.session_state.get(store)
    if r and r.get("park") == str(park.folder):
        return r
    return restore_risk(park, store)


def restore_risk(park, store: str = "risk", name: str | None = None):
    """Put the kept risk map ``name`` (default: the newest of its role) in the session; return its entry."""
    from riskmodel.kept import kept_surfaces, load_surface

    folder = str(park.folder)
    tried = st.session_state.setdefault("restored", set())
    if name is None and (folder, store) in tried:
        return None  # restore once per park and session: a map the user replaced stays replaced
    tried.add((folder, store))
    try:
        if name is None:
            kept = kept_surfaces(folder, role=store)
            if not len(kept):
                return None
            name = kept["name"].iloc[0]
        surface, meta = load_surface(folder, name, park.grid)
    except library_errors():
        return None  # nothing usable kept: the page asks to fit as usual
    entry = {"park": folder, "surface": surface, "settings": meta.get("settings", {}), "kept": name}
    st.session_state[store] = entry
    return entry


def session_plan(park):
    """The patrol plan made on this park in this session (or the newest kept one after a reload), or ``None``."""
    p = st.session_state.get("plan")
    if p and p.get("park") == str(park.folder):
        return p
    return restore_plan(park)


def restore_plan(park, name: str | None = None):
    """Put the kept plan ``name`` (default: the newest) and the risk map it used in the session."""
    from patrols.kept import kept_plans, load_plan
    from riskmodel.kept import load_surface

    folder = str(park.folder)
    tried = st.session_state.setdefault("restored", set())
    if name is None and (folder, "plan") in tried:
        return None
    tried.add((folder, "plan"))
    try:
        if name is None:
            kept = kept_plans(folder)
            if not len(kept):
                return None
            name = kept["name"].iloc[0]
        plan, meta = load_plan(folder, name)
    except library_errors():
        return None
    risk = None
    if meta.get("risk_name"):
        try:
            surface, rmeta = load_surface(folder, meta["risk_name"], park.grid)
            risk = {
                "park": folder,
                "surface": surface,
                "settings": rmeta.get("settings", {}),
                "kept": meta["risk_name"],
            }
        except library_errors():
            risk = None  # the plan still shows; its risk layer is gone
    entry = {"park": folder, "plan": plan, "risk": risk, "files": {}, "kept": name}
    st.session_state["plan"] = entry
    return entry


def keep_work(call: Callable, what: str) -> str | None:
    """Run a library ``keep_*`` call; a store that cannot be written is a warning, not a lost result."""
    try:
        return call()
    except library_errors() as exc:
        st.warning(f"{what} is shown but could not be kept for later: {exc}")
    return None


def risk_overlays(surface, show_risk: bool = True) -> list:
    """Risk, uncertainty and class overlays of a risk surface (the risk shown), drawn once per surface."""
    arrays = (surface.risk, getattr(surface, "uncertainty", None), getattr(surface, "classes", None))
    digest = "|".join(mapview.array_digest(a) for a in (*arrays, getattr(surface, "unsearched", None)))
    return list(_risk_overlays(digest, bool(show_risk), _surface=surface))


@st.cache_resource(show_spinner=False, max_entries=16)
def _risk_overlays(digest: str, show_risk: bool, _surface) -> list:
    surface = _surface
    grid = surface.grid
    out = [
        maps.grid_overlay(
            "Risk of attack",
            surface.risk,
            grid,
            "inferno_r",
            "probability of at least one attack per cell in the horizon",
            vmin=0.0,
            show=show_risk,
        )
    ]
    unc = getattr(surface, "uncertainty", None)
    if unc is not None:
        out.append(
            maps.grid_overlay(
                "Risk uncertainty", unc, grid, "Blues", "standard deviation of the probability", vmin=0.0, show=False
            )
        )
    classes = getattr(surface, "classes", None)
    if classes is not None:
        out.append(
            maps.grid_overlay(
                "Risk classes",
                np.asarray(classes, dtype=float),
                grid,
                "RdYlGn",
                "share of the park's area, riskiest first",
                categorical=True,
                show=False,
                classes={c: (CLASS_NAMES[c], maps.RISK_CLASS_COLOURS[c]) for c in CLASS_NAMES},
            )
        )
    unsearched = getattr(surface, "unsearched", None)
    if unsearched is not None:
        months = (surface.meta.get("history_free_blend") or {}).get("search_window_periods", "the last")
        out.append(
            maps.grid_overlay(
                "Where nobody looked",
                unsearched,
                grid,
                "Greys",
                f"1 = no patrol nearby in {months} months (risk from habitat and access), 0 = searched often",
                vmin=0.0,
                vmax=1.0,
                show=False,
            )
        )
    return out


def progress_callback(bar) -> Callable[[float, str], None]:
    """A library ``progress(fraction, message)`` callable driving a ``st.progress`` bar."""

    def progress(fraction: float, message: str = "") -> None:
        bar.progress(min(max(float(fraction), 0.0), 1.0), text=message or None)

    return progress


def show_map(
    base, key: str, layers=None, height: int = MAP_HEIGHT, base_key: tuple | None = None, layer_key=None
) -> None:
    """Draw a base map and the layers that follow the filters, without reruns on pan or zoom.

    The base map (built by :func:`ui.maps.park_base_map`) keeps the same
    script while filters change, so the browser only swaps ``layers``
    instead of redrawing the whole map.  With ``base_key`` the base map is
    rendered once per key (:mod:`ui.mapview`, kept in memory and as JSON in the
    private disk cache) and ``base`` may be a callable building it, called only
    the first time; so are ``layers`` per ``layer_key``.
    """
    if base_key is not None:
        build, control = (base if callable(base) else (lambda: base)), maps.layer_control()
        mapview.show(build, base_key, key, layers, height, layer_control=control, layer_key=layer_key, disk=cache_dir())
        return
    from streamlit_folium import st_folium

    st_folium(
        base,
        key=key,
        height=height,
        use_container_width=True,
        returned_objects=[],
        feature_group_to_add=list(layers) if layers else None,
        layer_control=maps.layer_control(),
    )
