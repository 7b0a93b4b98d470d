"""Defaults of :mod:`riskmodel` that are its own (shared names live in :mod:`layers.defaults`).

The prior risk surface (:mod:`riskmodel.prior`) is a weighted sum of factors,
each scaled to 0-1 (1 = most exposed to poaching).  The weights are expert
knowledge a park manager may change; the distance scales say how quickly an
access factor fades with distance.
"""

from __future__ import annotations

# factor -> default weight (any non-negative number; they are normalised to sum to 1 over the factors present)
PRIOR_WEIGHTS: dict[str, float] = {
    "animals": 3.0,  # rhino and elephant densities (rasters named *density*, *rhino*, *elephant*)
    "habitat": 1.0,  # vegetation (an NDVI raster): cover and forage
    "boundary": 2.0,  # near the park boundary: poachers come from outside
    "villages": 1.5,  # near villages
    "roads": 1.0,  # near roads and tracks
    "water": 1.5,  # near rivers and waterholes: where animals drink
    "posts": 1.0,  # far from ranger posts: less deterrence
}
# factor -> what the manager reads beside its weight
PRIOR_FACTOR_LABELS: dict[str, str] = {
    "animals": "Rhino and elephant densities",
    "habitat": "Vegetation (NDVI)",
    "boundary": "Near the park boundary",
    "villages": "Near villages",
    "roads": "Near roads and tracks",
    "water": "Near rivers and waterholes",
    "posts": "Far from ranger posts",
}
# distance factor -> e-folding distance (km): exp(-d / scale) near it, 1 - exp(-d / scale) far from it
PRIOR_DISTANCE_KM: dict[str, float] = {"boundary": 5.0, "villages": 6.0, "roads": 2.0, "water": 2.0, "posts": 5.0}
# which park layers feed each factor: words looked for in raster / feature names (lower case)
PRIOR_RASTER_WORDS: dict[str, tuple[str, ...]] = {
    "animals": ("density", "rhino", "elephant"),
    "habitat": ("ndvi", "evi", "vegetation"),
}
PRIOR_FEATURE_WORDS: dict[str, tuple[str, ...]] = {
    "villages": ("village", "settlement", "town", "community"),
    "roads": ("road", "track"),
    "water": ("river", "water", "stream", "dam", "lake", "spring"),
}
# The level of a prior is unknown without history: an assumed park-wide mean rate of attacks,
# which scales the probabilities but not their ranking (what plans follow).
PRIOR_ATTACKS_PER_100KM2_MONTH = 1.0
PRIOR_KIND = "prior"
FITTED_KIND = "fitted"
PRIOR_LABEL = "Prior risk from habitat, animals and access (expert weights, no incident history)"

# The training table's memory, checked before it is built (riskmodel.guards.check_table_memory)
TABLE_COPY_FACTOR = 3.0  # the table, its binned copy for the trees and the GLM's design, per float32 value
TABLE_MEMORY_SHARE = 0.5  # share of the machine's memory a fit may plan for ($RISK_MAX_TABLE_GB overrides)
