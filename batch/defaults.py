"""Defaults, file names and column names of the batch runner."""

from __future__ import annotations

HORIZON_MONTHS = 1  # the monthly run maps the month after --train-until
WORKER_MEMORY_LIMIT = "4GB"  # memory per worker of a local cluster (the goal for a 2-million-cell park)
THREADS_PER_WORKER = 1  # one park per worker process at a time: numpy/sklearn already use the core
MEMORY_SAMPLE_S = 0.05  # how often a task samples its worker's resident memory

RISK_FILE = "risk.tif"  # in OUT/<park>/, with risk_uncertainty.tif, risk_classes.tif, ... beside it
PLAN_FOLDER = "plan"
REPORT_FILE = "report.pdf"
RECORD_FILE = "batch.json"  # OUT/<park>/batch.json: the fingerprint and result of the last run
SUMMARY_FILE = "summary.csv"  # OUT/summary.csv

# summary columns
COL_PARK = "park"
COL_STATUS = "status"  # "done", "unchanged" (skipped: same inputs, options and code), "failed"
COL_SECONDS = "seconds"
COL_CPU = "cpu_seconds"  # CPU time of the park's worker process during the park (every thread)
COL_PEAK_MB = "peak_memory_mb"
COL_AUC = "auc_found"  # AUC of the map against the incidents found in its month (NaN when not yet known)
COL_FOUND = "found_incidents"
COL_CELLS = "cells"
COL_REPORT = "report"  # "written", "not asked", "not available" (the monitoring package is not installed)
COL_FILES = "files"  # files written, separated by ";" (relative to OUT)
COL_ERROR = "error"
SUMMARY_COLUMNS = (
    COL_PARK,
    COL_STATUS,
    COL_SECONDS,
    COL_CPU,
    COL_PEAK_MB,
    COL_AUC,
    COL_FOUND,
    COL_CELLS,
    COL_REPORT,
    COL_FILES,
    COL_ERROR,
)
STATUS_DONE, STATUS_UNCHANGED, STATUS_FAILED = "done", "unchanged", "failed"

# packages whose source is part of a park's fingerprint (a code change reruns every park)
CODE_PACKAGES = ("layers", "riskmodel", "patrols", "batch")
VERSION_PACKAGES = ("numpy", "pandas", "scipy", "scikit-learn", "rasterio", "geopandas", "shapely", "pyproj")
