"""The hidden truth of a demo park (``truth/``), read only to score models.

Model code never calls this module; :func:`riskmodel.evaluation.evaluate` and
the benchmarks do, to compare a risk map with every true attack (found or
not) and with the true intensity (the best score any model could reach).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from layers.defaults import ATTACK_TYPES, COL_TIME, COL_TYPE

from .errors import TruthError

TRUTH_DIR = "truth"


@dataclass
class Truth:
    """A demo park's hidden truth on its grid.

    Attributes
    ----------
    behaviour : str
        Poacher behaviour the park was generated with.
    periods : pandas.PeriodIndex
        Monthly periods of ``intensity``.
    intensity : numpy.ndarray
        float32 (T, rows, cols): expected attacks per cell and period (all attack types).
    attacks : pandas.DataFrame
        Every attack: ``time`` (UTC), ``x``, ``y`` (grid CRS), ``type``, ``found``, ``cell``.
    meta : dict
        The content of ``truth.json``.
    """

    behaviour: str
    periods: pd.PeriodIndex
    intensity: np.ndarray
    attacks: pd.DataFrame
    meta: dict

    def _index(self, periods) -> np.ndarray:
        idx = self.periods.get_indexer(pd.PeriodIndex(periods).asfreq("M"))
        if (idx < 0).any():
            missing = [str(p) for p, i in zip(periods, idx) if i < 0]
            raise TruthError(
                f"the truth has no intensity for {', '.join(missing)}; score within {self.periods[0]}..{self.periods[-1]}"
            )
        return idx

    def intensity_sum(self, periods) -> np.ndarray:
        """Expected attacks per cell summed over ``periods``: (rows, cols)."""
        return self.intensity[self._index(periods)].sum(axis=0)

    def attack_counts(self, periods, shape, types=ATTACK_TYPES) -> np.ndarray:
        """True attacks (found or not) of ``types`` per cell during ``periods``: (rows, cols) float32."""
        periods = pd.PeriodIndex(periods).asfreq("M")
        a = self.attacks
        p = a[COL_TIME].dt.tz_convert(None).dt.to_period("M")
        keep = p.isin(periods) & a[COL_TYPE].isin(list(types)) & (a["cell"] >= 0)
        counts = np.bincount(a.loc[keep, "cell"].to_numpy(), minlength=shape[0] * shape[1])
        return counts.reshape(shape).astype(np.float32)


def has_truth(folder) -> bool:
    """Whether ``folder`` holds a ``truth/`` folder with ``truth.json``."""
    return (Path(folder) / TRUTH_DIR / "truth.json").is_file()


def read_truth(folder, grid) -> Truth:
    """Read ``folder/truth`` and put it on ``grid`` (the park's grid).

    Raises
    ------
    TruthError
        When a file is missing or unreadable, or the truth grid differs from ``grid``.
    """
    import rasterio
    from pyproj import CRS, Transformer

    root = Path(folder) / TRUTH_DIR
    files = {n: root / n for n in ("truth.json", "intensity.tif", "attacks.csv")}
    for path in files.values():
        if not path.is_file():
            raise TruthError(f"{path}: missing; the truth/ folder of a demo park holds {', '.join(files)}")
    try:
        meta = json.loads(files["truth.json"].read_text())
    except (OSError, ValueError) as exc:
        raise TruthError(f"{files['truth.json']}: unreadable ({exc}); regenerate the demo park") from exc
    try:
        with rasterio.open(files["intensity.tif"]) as src:
            intensity = np.ma.filled(src.read(masked=True).astype(np.float32), 0.0)
            names = list(src.descriptions)
            same = src.shape == grid.shape and all(
                abs(a - b) < 1e-6 * max(1.0, abs(b))
                for a, b in zip(tuple(src.transform)[:6], tuple(grid.transform)[:6])
            )
    except rasterio.errors.RasterioError as exc:
        raise TruthError(f"{files['intensity.tif']}: unreadable ({exc}); regenerate the demo park") from exc
    if not same:
        raise TruthError(
            f"{files['intensity.tif']}: grid {src.shape} does not match the park grid {grid.shape}; "
            f"load the park at the truth's cell size ({meta.get('cell_size_m', '?')} m) to score against it"
        )
    labels = meta.get("periods") or names
    if len(labels) != intensity.shape[0] or any(n is None for n in labels):
        raise TruthError(f"{files['intensity.tif']}: {intensity.shape[0]} bands but {len(labels)} period names")
    periods = pd.PeriodIndex([str(n) for n in labels], freq="M")
    try:
        attacks = pd.read_csv(files["attacks.csv"])
    except (OSError, ValueError) as exc:
        raise TruthError(f"{files['attacks.csv']}: unreadable ({exc}); regenerate the demo park") from exc
    for col in ("time", "type"):
        if col not in attacks.columns:
            raise TruthError(f"{files['attacks.csv']}: no {col!r} column; regenerate the demo park")
    attacks[COL_TIME] = pd.to_datetime(attacks["time"], utc=True, format="mixed")
    attacks[COL_TYPE] = attacks["type"].astype(str)
    truth_crs = CRS.from_user_input(meta["crs"]) if meta.get("crs") else None
    if {"x", "y"} <= set(attacks.columns) and truth_crs is not None and truth_crs.equals(grid.crs):
        x, y = attacks["x"].to_numpy(float), attacks["y"].to_numpy(float)
    elif {"lon", "lat"} <= set(attacks.columns):
        tr = Transformer.from_crs("EPSG:4326", grid.crs, always_xy=True)
        x, y = tr.transform(attacks["lon"].to_numpy(float), attacks["lat"].to_numpy(float))
    else:
        raise TruthError(f"{files['attacks.csv']}: needs x/y in the park CRS or lon/lat columns")
    cell = grid.cell_id(x, y)
    attacks["cell"] = np.where(cell >= 0, cell, -1)
    if "found" in attacks.columns:
        attacks["found"] = attacks["found"].astype(str).str.lower().isin(["true", "1", "yes"])
    return Truth(
        behaviour=str(meta.get("behaviour", "")),
        periods=periods,
        intensity=intensity,
        attacks=attacks,
        meta=meta,
    )
