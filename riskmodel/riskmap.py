"""The risk surface: a fitted (or prior) map of the probability of attack for the months after a cut-off.

:class:`RiskSurface` is what :func:`riskmodel.surface.fit_risk` and
:func:`riskmodel.prior.prior_risk` return and what the planner and the pages
use; its ``kind`` says whether it was fitted on the park's history
(``"fitted"``) or drawn from habitat and access with expert weights
(``"prior"``), and ``label`` says it in words.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .defaults import FITTED_KIND, PRIOR_KIND, PRIOR_LABEL

CLASS_CUTS = (0.05, 0.10, 0.25)  # top shares of the park's area of classes 1, 2, 3
CLASS_NAMES = {1: "top 5 % of area", 2: "top 5-10 %", 3: "top 10-25 %", 4: "rest of the park"}
MODEL_NAMES = {
    "effort-aware": "effort-aware model",
    "effort-blind": "effort-blind classifier",
    "kde": "kernel-density hot-spots",
    "prior": "prior",
}


@dataclass
class RiskSurface:
    """A risk map for the months after a cut-off date, fitted on the park's history or a prior.

    Attributes
    ----------
    grid : layers.grid.Grid
    risk : numpy.ndarray
        float32 (rows, cols): probability that the cell is attacked at least
        once in the horizon (NaN outside the park).
    uncertainty : numpy.ndarray
        float32 (rows, cols): standard deviation of that probability, from the
        ensemble's spread calibrated on random parks (:mod:`riskmodel.uncertainty`;
        NaN where the model has no ensemble).
    classes : numpy.ndarray
        uint8 (rows, cols): 1 = top 5 %, 2 = top 10 %, 3 = top 25 % of the
        park's area, 4 = the rest, 0 outside the park.
    model : str
    periods : pandas.PeriodIndex
        The horizon's periods.
    meta : dict
        Training periods, model settings, timings.
    unsearched : numpy.ndarray or None
        float32 (rows, cols): weight of the history-free model, 1 where no
        patrol searched nearby in the last training months, 0 where rangers
        searched often (:func:`riskmodel.shrinkage.unsearched_weight`); NaN
        outside the park.  None when the map has no history-free blend.
    log_sd : numpy.ndarray or None
        float32 (rows, cols): stated sd of the log of the horizon intensity
        (calibrated, :mod:`riskmodel.uncertainty`); None for the baselines.
    kind : str
        ``"fitted"`` (a model fitted on the park's incidents and patrols) or
        ``"prior"`` (habitat, animals and access with expert weights, no
        history: :mod:`riskmodel.prior`).
    """

    grid: object
    risk: np.ndarray
    uncertainty: np.ndarray
    classes: np.ndarray
    model: str
    periods: pd.PeriodIndex
    meta: dict = field(default_factory=dict)
    unsearched: np.ndarray | None = None
    log_sd: np.ndarray | None = None
    kind: str = FITTED_KIND

    @property
    def is_prior(self) -> bool:
        """Whether the map is a prior (no history behind it)."""
        return self.kind == PRIOR_KIND

    @property
    def label(self) -> str:
        """What the map is, in words: the prior says so; a fitted map names its model."""
        if self.is_prior:
            return str(self.meta.get("label") or PRIOR_LABEL)
        return f"Risk fitted on the park's history ({MODEL_NAMES.get(self.model, self.model)})"

    @property
    def period_range(self) -> tuple[str, str]:
        return str(self.periods[0]), str(self.periods[-1])

    def write(self, path) -> list[Path]:
        """Write ``path`` (risk), ``<stem>_uncertainty.tif`` and ``<stem>_classes.tif`` as COGs.

        Also ``<stem>_unsearched.tif`` when the map has a history-free blend,
        and ``<stem>.json`` (the fit's settings and timings).  The rasters
        carry the map's ``kind`` and ``label`` as GeoTIFF metadata tags, and a
        prior's band descriptions start with "PRIOR".
        """
        path = Path(path)
        if path.suffix.lower() not in (".tif", ".tiff"):
            path = path.with_suffix(".tif")
        stem = path.with_suffix("")
        label = f"{self.period_range[0]}..{self.period_range[1]}"
        if self.is_prior:
            label = f"{label} PRIOR (expert weights, no history)"
        tags = {"kind": self.kind, "label": self.label, "model": self.model}
        out = [
            self.grid.write_geotiff(path, self.risk, names=[f"P(attacked) {label}"], cog=True, tags=tags),
            self.grid.write_geotiff(
                Path(f"{stem}_uncertainty.tif"),
                self.uncertainty,
                names=[f"sd of P(attacked) {label}"],
                cog=True,
                tags=tags,
            ),
            self.grid.write_geotiff(
                Path(f"{stem}_classes.tif"),
                np.where(self.classes > 0, self.classes, np.nan),
                names=["risk class (1 = top 5 %, 2 = top 10 %, 3 = top 25 % of area, 4 = rest)"],
                nodata=0,
                cog=True,
                tags=tags,
            ),
        ]
        if self.unsearched is not None:
            months = self.meta.get("history_free_blend", {}).get("search_window_periods", "the last")
            name = f"unsearched weight (1 = no patrol nearby in {months} months before the horizon, 0 = searched often)"
            out.append(
                self.grid.write_geotiff(
                    Path(f"{stem}_unsearched.tif"), self.unsearched, names=[name], cog=True, tags=tags
                )
            )
        meta = {"model": self.model, "kind": self.kind, "label": self.label, "periods": list(self.period_range)}
        meta.update(self.meta)
        Path(f"{stem}.json").write_text(json.dumps(meta, indent=2, default=str))
        return [*out, Path(f"{stem}.json")]


SURFACE_FORMAT = "rhino-risk-surface-1"  # written into every serialised surface


def surface_to_bytes(surface: RiskSurface) -> bytes:
    """``surface`` as bytes (a numpy ``.npz``: its arrays, periods and a JSON header), for the park store."""
    import io

    header = {
        "format": SURFACE_FORMAT,
        "model": surface.model,
        "kind": surface.kind,
        "periods": [str(p) for p in surface.periods],
        "shape": list(surface.risk.shape),
        "meta": surface.meta,
    }
    arrays = {"risk": surface.risk, "uncertainty": surface.uncertainty, "classes": surface.classes}
    for name in ("unsearched", "log_sd"):
        if getattr(surface, name) is not None:
            arrays[name] = getattr(surface, name)
    buf = io.BytesIO()
    np.savez_compressed(buf, header=np.array(json.dumps(header, default=str)), **arrays)
    return buf.getvalue()


def surface_from_bytes(data: bytes, grid) -> RiskSurface:
    """The surface of :func:`surface_to_bytes` on ``grid`` (the park's grid it was made on).

    Raises
    ------
    ValueError
        The bytes are not a serialised surface, or it was made on a grid of another shape.
    """
    import io

    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            header = json.loads(str(z["header"]))
            arrays = {k: z[k] for k in z.files if k != "header"}
    except (OSError, KeyError, ValueError) as exc:
        raise ValueError(f"not a kept risk map ({exc})") from exc
    if header.get("format") != SURFACE_FORMAT:
        raise ValueError(f"not a kept risk map (format {header.get('format')!r})")
    if tuple(header["shape"]) != tuple(grid.shape):
        raise ValueError(
            f"the kept risk map is on a {header['shape'][0]} x {header['shape'][1]} grid, the park's is "
            f"{grid.shape[0]} x {grid.shape[1]} (the cell size changed): fit it again"
        )
    return RiskSurface(
        grid=grid,
        risk=arrays["risk"],
        uncertainty=arrays["uncertainty"],
        classes=arrays["classes"],
        model=header["model"],
        periods=pd.PeriodIndex([pd.Period(p, "M") for p in header["periods"]], freq="M"),
        meta=header.get("meta") or {},
        unsearched=arrays.get("unsearched"),
        log_sd=arrays.get("log_sd"),
        kind=header.get("kind", FITTED_KIND),
    )


def risk_classes(risk: np.ndarray, mask: np.ndarray, cuts=CLASS_CUTS) -> np.ndarray:
    """Classes 1..len(cuts)+1 by rank of ``risk`` among in-park cells (0 outside)."""
    out = np.zeros(risk.shape, np.uint8)
    vals = np.where(np.isfinite(risk), risk, -np.inf)[mask]
    n = vals.size
    order = np.argsort(-vals, kind="stable")
    rank = np.empty(n, np.int64)
    rank[order] = np.arange(n)
    cls = np.full(n, len(cuts) + 1, np.uint8)
    for i, c in reversed(list(enumerate(cuts, start=1))):
        cls[rank < int(round(c * n))] = i
    out[mask] = cls
    return out
