"""Simulated parks: the synthetic demo park generator and a tiny park on arrays.

:func:`generate_demo_park` writes a park folder that :mod:`layers` reads like
any other (:func:`generate_parks` many of them) (``park.toml`` and its layers in mixed formats and CRSs), with the
hidden truth in ``truth/``; :func:`simulate_park` (in :mod:`simulator.arrays`)
simulates a small park directly on arrays, for tests and benchmarks.  The
simulator may import :mod:`layers` (defaults, grid); :mod:`layers` and
:mod:`riskmodel` never import the simulator (except the thin
``python -m layers demo`` alias).

Examples
--------
>>> from simulator import generate_demo_park  # doctest: +SKIP
>>> folder = generate_demo_park("data/demo", seed=7)  # doctest: +SKIP
"""

from __future__ import annotations

from .arrays import SimulatedPark, simulate_park
from .batch import generate_parks
from .behaviours import BEHAVIOURS, Behaviour, register_behaviour
from .demo import generate_demo_park
from .errors import SimulatorError

__all__ = [
    "BEHAVIOURS",
    "Behaviour",
    "SimulatedPark",
    "SimulatorError",
    "generate_demo_park",
    "generate_parks",
    "register_behaviour",
    "simulate_park",
]
