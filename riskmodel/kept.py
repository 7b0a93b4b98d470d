"""Risk maps kept in the park store, so that fitted work survives a reload or a park switch.

Each kept map is a document of kind :data:`KIND` in the park's store
(:mod:`layers.store`): the surface's arrays (:func:`riskmodel.riskmap.surface_to_bytes`)
with its settings, label and months as metadata.  Keeping the same settings
again replaces the document, so the list holds one map per model, cut-off,
horizon and weights.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from layers.errors import StoreError
from layers.store import open_store, read_document, read_documents

from .errors import RiskModelError
from .riskmap import RiskSurface, surface_from_bytes, surface_to_bytes

KIND = "risk_surface"
LIST_COLUMNS = ["name", "updated", "label", "months", "role", "settings"]

__all__ = ["KIND", "keep_surface", "kept_surfaces", "load_surface"]


def keep_surface(folder: str | Path, surface: RiskSurface, settings: dict, role: str = "risk") -> str:
    """Keep ``surface`` (fitted with ``settings``) in the store of the park in ``folder``; returns its name.

    ``role`` says what it was made for (``"risk"``: the Risk page; ``"forecast"``: planning).
    Raises :class:`RiskModelError` when the store cannot be written.
    """
    key = json.dumps({"role": role, **settings}, sort_keys=True, default=str)
    name = f"{role}-{surface.model}-{hashlib.sha1(key.encode()).hexdigest()[:10]}"
    meta = {
        "role": role,
        "settings": settings,
        "label": surface.label,
        "kind": surface.kind,
        "months": [str(surface.periods[0]), str(surface.periods[-1])],
    }
    try:
        open_store(folder).put_document(KIND, name, surface_to_bytes(surface), meta)
    except StoreError as exc:
        raise RiskModelError(f"the risk map could not be kept in the park store: {exc}") from exc
    return name


def kept_surfaces(folder: str | Path, role: str | None = None) -> pd.DataFrame:
    """The kept maps of a park (of one ``role``), newest first: name, updated, label, months, role, settings."""
    try:
        docs = read_documents(folder, KIND)
    except StoreError as exc:
        raise RiskModelError(f"the kept risk maps could not be listed: {exc}") from exc
    rows = [
        {
            "name": d.name,
            "updated": d.updated,
            "label": d.meta.get("label", ""),
            "months": " to ".join(dict.fromkeys(d.meta.get("months", []))),
            "role": d.meta.get("role", ""),
            "settings": d.meta.get("settings", {}),
        }
        for d in docs.itertuples()
        if role is None or d.meta.get("role") == role
    ]
    return pd.DataFrame(rows, columns=LIST_COLUMNS)


def load_surface(folder: str | Path, name: str, grid) -> tuple[RiskSurface, dict]:
    """The kept map ``name`` on the park's ``grid`` and its metadata; :class:`RiskModelError` if it is gone or stale."""
    try:
        doc = read_document(folder, KIND, name)
    except StoreError as exc:
        raise RiskModelError(f"the kept risk map {name!r} could not be read: {exc}") from exc
    if doc is None:
        raise RiskModelError(f"no kept risk map {name!r} in {folder}: fit it again")
    try:
        return surface_from_bytes(doc.data, grid), doc.meta
    except ValueError as exc:
        raise RiskModelError(f"kept risk map {name!r}: {exc}") from exc
