"""A simulated park (:func:`simulator.arrays.simulate_park`) as the arrays the risk fit takes, on a 500 m UTM grid."""

from __future__ import annotations

from pathlib import Path

from affine import Affine

from layers.defaults import ATTACK_TYPES
from layers.grid import Grid
from riskmodel.surface import ParkArrays

CRS = "EPSG:32736"


def sim_grid(sim) -> Grid:
    """The simulated park's grid: 500 m cells, upper-left corner at (300 km E, 8,000 km N)."""
    return Grid(transform=Affine(500, 0, 300000, 0, -500, 8000000), shape=sim.mask.shape, crs=CRS, mask=sim.mask)


def sim_arrays(sim, folder: Path | None = None) -> ParkArrays:
    """:class:`riskmodel.surface.ParkArrays` of a simulated park (``folder``: where its truth is, if anywhere)."""
    return ParkArrays(
        grid=sim_grid(sim), covariates=sim.covariates, names=sim.names, km=sim.km, counts=sim.found,
        periods=sim.periods, types=ATTACK_TYPES, folder=folder,
    )  # fmt: skip
