"""Defaults of the scenarios (:mod:`patrols.scenarios`), declared once."""

from __future__ import annotations

from layers.defaults import DEFAULT_PATROL_KM, DEFAULT_TEAMS_PER_POST

SCENARIOS_DIR = "scenarios"  # folder of a park holding its scenario files
SCENARIO_SUFFIX = ".toml"
BASELINE_NAME = "baseline"  # the park's current set-up: always present, never a file
DEFAULT_SCENARIO_CRS = "EPSG:4326"  # coordinates of posts in a scenario file: lon/lat unless `crs =` says otherwise

# The baseline set-up of a park (its current patrols), unless a scenario changes it.
BASELINE_TEAMS = DEFAULT_TEAMS_PER_POST  # teams per post
BASELINE_KM = DEFAULT_PATROL_KM  # km per patrol and day
BASELINE_PATROL_DAYS_PER_MONTH = 20  # days a month each team goes out (the others are rest and duty days)
BASELINE_KIND = "foot"
BASELINE_DAYS_PER_PATROL = 1  # day patrols; 2 = camping out one night
RANGERS_PER_TEAM = 4  # ranger-days = team-days x rangers per team

# Outcomes.
HIGH_RISK_SHARE = 0.10  # "high-risk area": the top 10 % of the park's area by risk
CORE_HABITAT_SHARE = 0.25  # "core habitat": the top 25 % of the park's area by a species' density
SPECIES_RASTERS = {"rhino": "rhino_density", "elephant": "elephant_density"}
RISK_RANGE_SD = 1.0  # the range of expected detections: risk -/+ this many standard deviations in every cell
MAX_RISK = 0.999  # a probability of attack is clipped below 1 before turning it into expected attacks

# Siting posts.
SITING_CANDIDATES = 300  # candidate sites tried at most (a regular lattice inside the park)
SITING_SPACING_KM = 2.0  # least spacing of lattice candidates
