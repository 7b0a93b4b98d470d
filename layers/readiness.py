"""Whether a loaded park can be modelled: the conditions under which ``riskmodel fit`` would stop, as warnings.

``python -m layers check`` adds these to the load report, so that a park which
loads but cannot be fitted says why before anyone runs the model: a park of
one cell, no incident inside the boundary, no incident of an attack type, no
incident in a cell and month with patrol effort, a raster without data over
the park.
"""

from __future__ import annotations

import warnings

import numpy as np

from .defaults import ATTACK_TYPES, COL_TYPE
from .report import WARNING, LoadReport


def _all_nodata(path) -> bool | None:
    """Whether a raster holds no valid value (read decimated, at most 512 x 512); ``None`` if unreadable."""
    import rasterio

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with rasterio.open(path) as src:
                shape = (min(src.height, 512), min(src.width, 512))
                data = src.read(1, out_shape=shape, masked=True)
    except Exception:
        return None
    values = np.ma.filled(data.astype(float), np.nan)
    return not np.isfinite(values).any()


def check_readiness(park, report: LoadReport | None = None, types=ATTACK_TYPES) -> list[str]:
    """Warn (check ``not_fittable``) about each reason the risk model could not be fitted; returns the messages."""
    from .effort import compute_effort

    report = report if report is not None else park.report
    found: list[tuple[str, str]] = []
    grid = park.grid
    if grid.n_cells < 2:
        found.append((f"the grid has {grid.n_cells} cell inside the park", "use a smaller [park] cell_size_m"))
    inc = park.incidents
    cells = grid.cell_id(inc.geometry.x.to_numpy(), inc.geometry.y.to_numpy()) if len(inc) else np.empty(0, int)
    inside = np.zeros(len(inc), dtype=bool)
    ok = cells >= 0
    inside[ok] = grid.mask.ravel()[cells[ok]]
    attack = inc[COL_TYPE].isin(list(types)).to_numpy() if len(inc) else np.zeros(0, bool)
    if not len(inc):
        found.append(("no incident was loaded", "see the rejected rows above, or name an incidents layer"))
    elif not inside.any():
        found.append(
            (
                f"none of the {len(inc)} incidents lies inside the park boundary",
                "check the incidents' coordinates and CRS (projected metres read as degrees?)",
            )
        )
    elif not (attack & inside).any():
        found.append(
            (
                f"no incident inside the park is of an attack type ({', '.join(types)})",
                "check the type column and its mapping ([columns.incidents] type, [categories])",
            )
        )
    elif (attack & inside).any() and len(park.tracks):
        try:
            effort = compute_effort(park)
            hits = (effort.counts(list(types)) * (effort.km > 0)).sum()
        except Exception:  # effort problems are reported by the load already
            hits = None
        if hits == 0:
            found.append(
                (
                    "no attack incident lies in a cell and month with patrol effort",
                    "check that the patrol tracks cover the months and area of the incidents",
                )
            )
    for name, layer in park.rasters.items():
        if _all_nodata(layer.path):
            found.append((f"the raster {name} holds no data (all nodata)", "remove it or give one with data"))
    for message, fix in found:
        report.add(WARNING, "model", None, f"{message}: the risk model cannot be fitted", fix, check="not_fittable")
    return [m for m, _ in found]


__all__ = ["check_readiness"]
