"""Defaults of :mod:`access`: roles, lock-out, session lifetime, sensitive layers, file locations."""

from __future__ import annotations

import os
from pathlib import Path

# --- users file ---------------------------------------------------------------
USERS_ENV = "PATROL_USERS_FILE"  # where the users file is; default below (outside any park folder)
DEFAULT_USERS_FILE = Path("~/.config/rhino-patrol/users.json")
USERS_FILE_MODE = 0o600
USERS_FILE_VERSION = 1

# --- sign-in --------------------------------------------------------------------
LOCKOUT_ATTEMPTS = 5  # failed sign-ins in a row that lock an account...
LOCKOUT_MINUTES = 15  # ...for this long
SESSION_HOURS = 8.0  # a session expires this long after sign-in (one working day)
MIN_PASSWORD_LENGTH = 10
NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"  # user names: lower case, digits, . _ -

AUTH_ENV = "PATROL_AUTH"  # "off" switches sign-in off for every park (the operator's explicit choice)
AUTH_OFF_VALUES = ("off", "0", "false", "no")

# --- roles -------------------------------------------------------------------------
RANGER, PLANNER, MANAGER, VIEWER = "ranger", "planner", "manager", "viewer"
ROLES = (RANGER, PLANNER, MANAGER, VIEWER)
OPEN = "open"  # no sign-in (demo park, or sign-in switched off): not assignable to a user
ALL_PARKS = "*"  # in a user's parks: every configured park

# --- protected locations -----------------------------------------------------------
# Layer names (fnmatch patterns, matched case-insensitively) a park protects when its
# park.toml has no [access] sensitive list.
DEFAULT_SENSITIVE = ("incidents", "*density*", "*rhino*", "*elephant*", "*carcass*")
ANIMAL_PATTERNS = ("*density*", "*rhino*", "*elephant*", "*carcass*")  # hidden from rangers' maps
CARCASS_TYPES_PATTERN = "*carcass*"  # incident types that say where animals died
GENERALISE_CELL_M = 5000.0  # outside exports: sensitive points and rasters on a 5 km grid
ROUTE_BUFFER_M = 1000.0  # a patrol's files show the risk within this distance of the route only
# Attribute columns that hold exact positions and are dropped from generalised tables.
COORDINATE_COLUMNS = (
    "x", "y", "lon", "lat", "lng", "long", "longitude", "latitude", "easting", "northing",
    "wkt", "geom", "point", "location", "gps", "coordinates",
)  # fmt: skip

# --- audit log -------------------------------------------------------------------------
AUDIT_DIR_NAME = ".patrol"  # inside the park folder
AUDIT_FILE_NAME = "audit.sqlite"
AUDIT_ENV = "PATROL_AUDIT_DIR"  # optional: keep every park's audit log in this folder instead

# --- files ------------------------------------------------------------------------------
PRIVATE_DIR_MODE = 0o700
UPLOAD_MAX_MB = 200  # per file
UPLOAD_TYPES = (
    ".toml", ".geojson", ".json", ".gpkg", ".shp", ".shx", ".dbf", ".prj", ".cpg", ".zip", ".kml", ".kmz",
    ".gpx", ".csv", ".fgb", ".xml", ".parquet", ".geoparquet", ".tif", ".tiff", ".img", ".vrt", ".asc",
    ".md", ".txt",
)  # fmt: skip


def users_file() -> Path:
    """The users file: ``$PATROL_USERS_FILE``, else ``~/.config/rhino-patrol/users.json``."""
    return Path(os.environ.get(USERS_ENV) or DEFAULT_USERS_FILE).expanduser()


def auth_switched_off() -> bool:
    """Whether the operator switched sign-in off (``PATROL_AUTH=off``)."""
    return os.environ.get(AUTH_ENV, "").strip().lower() in AUTH_OFF_VALUES
