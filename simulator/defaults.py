"""Defaults and limits of the simulator (shared names live in :mod:`layers.defaults`)."""

from __future__ import annotations

# --- one demo park -------------------------------------------------------------
DEMO_AREA_KM2 = 3500.0  # area of the random boundary
AREA_KM2_LIMITS = (10.0, 20000.0)  # supported area of a random boundary
ELONGATION_LIMITS = (0.25, 4.0)  # extra north-south stretch of a random boundary
MAX_MONTHS = 240  # months of records of one park

# --- a batch of demo parks (``python -m simulator parks``) ------------------------
PARKS_AREA_KM2 = (300.0, 6000.0)  # areas drawn log-uniformly in this range
PARKS_CELL_SIZE_M = (250.0, 1000.0)  # cell sizes drawn among multiples of 50 m in this range
PARKS_MONTHS = (12, 48)  # months of history drawn uniformly in this range
PARKS_ELONGATION = (0.6, 2.0)  # extra stretch drawn log-uniformly: east-west to long north-south parks
MAX_PARKS = 200  # most parks of one batch
MAX_CELL_MONTHS = 30_000_000  # most grid cells x months of one park (its arrays in memory)
BYTES_PER_KM2_MONTH = 700  # disk written per km2 and month, mostly GPS tracks (measured: seed 7, 570)
PARK_NAME = "park-{:0{width}d}"  # folder of the i-th park (1-based)
PARKS_INDEX = "parks.csv"  # one row per park: its folder and settings

# --- the simulated field trial (simulator.trial) -------------------------------
TRIAL_MAX_MONTHS = 24  # months a trial may replay
TRIAL_MIN_HISTORY_MONTHS = 12  # months of records the first refit needs
TRIAL_HISTORY_MONTHS = 12  # "where nobody looked": no patrol km in this many months before the trial
TRIAL_N_MEMBERS = 2  # bootstrap members of each monthly refit (the uncertainty layer; fewer keep the trial light)
