"""Defaults and column names, declared once for the whole project.

Other packages (``riskmodel``, ``patrols``, the app) import their column
names and shared defaults from here rather than repeating string literals.
"""

from __future__ import annotations

# --- park manifest -------------------------------------------------------
MANIFEST_NAME = "park.toml"
DEFAULT_CELL_SIZE_M = 500.0
MIN_CELL_SIZE_M = 100.0
MAX_CELL_SIZE_M = 2000.0

# --- column names of the normalised layers --------------------------------
COL_GEOMETRY = "geometry"
COL_TIME = "time"  # tz-aware UTC datetime64
COL_TYPE = "type"  # normalised incident type, one of INCIDENT_TYPES
COL_NAME = "name"  # posts, features
COL_ITEM = "item"  # seizures: what was seized
COL_QUANTITY = "quantity"  # seizures: how much (float)
COL_UNIT = "unit"  # seizures: unit of the quantity
COL_TRACK = "track_id"  # GPS tracks: one id per patrol track
COL_SEGMENT = "segment_id"  # GPS tracks: piece of a track after cleaning
COL_SOURCE_FILE = "source_file"  # file a row came from
COL_SOURCE_ROW = "source_row"  # 1-based row (record) number in that file

INCIDENT_TYPES = (
    "snare",
    "elephant_carcass",
    "rhino_carcass",
    "poacher_camp",
    "arrest",
    "seizure",
)
# Types that mark a poaching attack on wildlife (default label of the risk model).
ATTACK_TYPES = ("snare", "elephant_carcass", "rhino_carcass", "poacher_camp")

# --- the register: incidents, seizures, arrests and cases (monitoring) -----------
COL_INCIDENT_ID = "incident_id"  # the park's own id of an incident (kept as text)
COL_SPECIES = "species"  # elephant, rhino, pangolin, ... where it applies
COL_CAUSE = "cause"  # carcasses: illegal, natural, unknown (PIKE counts illegal / all)
COL_CASE = "case_ref"  # case reference linking an arrest or seizure to its prosecution
COL_PEOPLE = "people"  # arrests: number of people arrested
COL_NATIONALITY = "nationality"  # arrests: nationality, where recorded
COL_SECTION = "section"  # the park section (or nearest post) an incident falls in
SEIZURE_ITEMS = ("ivory", "rhino_horn", "pangolin_scales", "bushmeat", "firearm", "ammunition", "snare", "other")
CARCASS_CAUSES = ("illegal", "natural", "unknown")
# A case table holds one row per step of a prosecution (long format, a case has many rows).
CASE_COLUMNS = ("case_ref", "event", "date", "sentence", "note")
CASE_EVENTS = ("opened", "charged", "convicted", "acquitted", "withdrawn")

# --- time ----------------------------------------------------------------
PERIOD_FREQ = "MS"  # pandas offset alias: calendar months

# --- GPS track cleaning ----------------------------------------------------
TRACK_MAX_GAP_S = 30 * 60  # split a track where fixes are further apart in time
TRACK_MAX_SPEED_KMH = 80.0  # a step faster than this is impossible (spike or gap)
TRACK_MIN_POINTS = 2

# --- detection model shared by the risk model and the planner ---------------
# An attack (snare line, carcass, camp) is found when a patrol passes within
# half the sweep width of it.  For an attack placed at random in a cell of area
# A km2, e km walked in that cell in the same period find it with probability
# 1 - exp(-DETECTION_SWEEP_KM * e / A)  (see ``detection_probability``).
DETECTION_SWEEP_KM = 0.15

# --- patrols -------------------------------------------------------------
FOOT_SPEED_KMH = 4.0  # Tobler's flat-ground walking speed is about 5 km/h
VEHICLE_SPEED_KMH = 25.0
DEFAULT_PATROL_KM = 20.0
DEFAULT_TEAMS_PER_POST = 2


def detection_probability(effort_km, cell_area_km2: float, sweep_km: float = DETECTION_SWEEP_KM):
    """Probability that ``effort_km`` of patrol in a cell finds an attack there.

    Works element-wise on numpy arrays.  ``cell_area_km2`` is the area of one
    grid cell (0.25 for a 500 m grid).
    """
    import numpy as np

    return 1.0 - np.exp(-sweep_km * np.asarray(effort_km, dtype=float) / cell_area_km2)


# --- the park store (imported records, edits, documents) ----------------------
STORE_NAME = "store.gpkg"  # in the park folder, beside park.toml
STORE_BUSY_TIMEOUT_S = 60.0  # how long a writer waits for another session's transaction
COL_TRANSPORT = "transport"  # GPS tracks: foot, vehicle, boat, aircraft
COL_MANDATE = "mandate"  # GPS tracks: the patrol's mandate (e.g. anti-poaching, research)
COL_PATROL = "patrol_id"  # GPS tracks: the field system's patrol id
COL_SOURCE_ID = "source_id"  # the field system's own id of a record ("smart:<patrol>/<waypoint>/<n>")
COL_IMPORT_ID = "import_id"  # the store import that added a record
COL_IMPORTED_AT = "imported_at"  # when that import ran (UTC)
TRANSPORT_TYPES = ("foot", "vehicle", "boat", "aircraft")
GROUND_TRANSPORT = ("foot", "vehicle", "boat")  # effort that searches the ground; an aircraft's track does not
DEFAULT_TRANSPORT = "foot"
# Two records are the same when they share a source id, or have the same type within this time and distance.
DUPLICATE_INCIDENT_S = 60.0
DUPLICATE_INCIDENT_M = 50.0
DUPLICATE_FIX_S = 0.5  # the same GPS fix from two exports (the same second, as GPX rounds it)
DUPLICATE_FIX_M = 20.0
RECORD_MIN_YEAR = 1980  # records dated earlier (or later than tomorrow) are rejected as implausible
