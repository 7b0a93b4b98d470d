"""Patrol plans kept in the park store, so that a plan survives a browser reload or a park switch.

Each plan is a document of kind :data:`KIND` in the park's store
(:mod:`layers.store`), written as JSON (:func:`plan_to_bytes`: every patrol's
route, waypoints, cells and figures, the plan's settings) with a one-line
summary as metadata.  Only the newest :data:`MAX_KEPT` plans of a park are kept.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd

from layers.errors import StoreError
from layers.store import open_store, read_document, read_documents

from .errors import PatrolsError
from .route import Patrol, Plan, Waypoint

KIND = "patrol_plan"
FORMAT = "rhino-patrol-plan-1"
MAX_KEPT = 20  # plans kept per park; older ones are deleted when a new one is kept
LIST_COLUMNS = ["name", "updated", "start", "days", "patrols", "km", "risk"]

__all__ = ["KIND", "keep_plan", "kept_plans", "load_plan", "plan_from_bytes", "plan_to_bytes"]


def _plain(obj):
    """JSON-safe copy of settings (numpy numbers, dates and tuples included)."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (dt.date, pd.Timestamp)):
        return str(obj)
    return obj


def plan_to_bytes(plan: Plan) -> bytes:
    """``plan`` as UTF-8 JSON (coordinates in the park CRS, which is written as WKT)."""
    patrols = [
        {
            "patrol_id": p.patrol_id,
            "post": p.post,
            "team": int(p.team),
            "date": str(p.date),
            "kind": p.kind,
            "path_xy": np.asarray(p.path_xy, dtype=float).round(2).tolist(),
            "crs": p.crs.to_wkt(),
            "waypoints": [vars(w) for w in p.waypoints],
            "cells": np.asarray(p.cells, dtype=int).tolist(),
            "elevation_m": None if p.elevation_m is None else np.asarray(p.elevation_m, dtype=float).round(1).tolist(),
            "length_km": float(p.length_km),
            "hours": float(p.hours),
            "expected_risk": float(p.expected_risk),
        }
        for p in plan.patrols
    ]
    doc = {
        "format": FORMAT,
        "park": plan.park,
        "start": str(plan.start),
        "days": int(plan.days),
        "settings": _plain(plan.settings),
        "total_risk": float(plan.total_risk),
        "best_risk": float(plan.best_risk),
        "patrols": patrols,
    }
    return json.dumps(doc, separators=(",", ":")).encode("utf-8")


def plan_from_bytes(data: bytes) -> Plan:
    """The plan of :func:`plan_to_bytes`; :class:`PatrolsError` when the bytes are not one."""
    try:
        doc = json.loads(bytes(data).decode("utf-8"))
        if doc.get("format") != FORMAT:
            raise ValueError(f"format {doc.get('format')!r}")
        patrols = [
            Patrol(
                patrol_id=p["patrol_id"],
                post=p["post"],
                team=int(p["team"]),
                date=dt.date.fromisoformat(p["date"]),
                kind=p["kind"],
                path_xy=np.asarray(p["path_xy"], dtype=float).reshape(-1, 2),
                crs=p["crs"],
                waypoints=[Waypoint(**w) for w in p["waypoints"]],
                cells=np.asarray(p["cells"], dtype=int).reshape(-1, 2),
                elevation_m=None if p["elevation_m"] is None else np.asarray(p["elevation_m"], dtype=float),
                length_km=float(p["length_km"]),
                hours=float(p["hours"]),
                expected_risk=float(p["expected_risk"]),
            )
            for p in doc["patrols"]
        ]
        return Plan(
            park=doc["park"],
            start=dt.date.fromisoformat(doc["start"]),
            days=int(doc["days"]),
            patrols=patrols,
            settings=doc.get("settings") or {},
            total_risk=float(doc["total_risk"]),
            best_risk=float(doc["best_risk"]),
        )
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise PatrolsError(f"not a kept patrol plan ({exc})") from exc


def keep_plan(folder: str | Path, plan: Plan, meta: dict | None = None) -> str:
    """Keep ``plan`` in the store of the park in ``folder`` (with ``meta``, e.g. the risk map used); returns its name."""
    now = dt.datetime.now(dt.UTC)
    name = f"plan-{plan.start}-{plan.days}d-{now:%Y%m%dT%H%M%S%f}"
    info = {
        "start": str(plan.start),
        "days": int(plan.days),
        "patrols": len(plan.patrols),
        "km": round(float(sum(p.length_km for p in plan.patrols)), 1),
        **_plain(meta or {}),
    }
    try:
        store = open_store(folder)
        store.put_document(KIND, name, plan_to_bytes(plan), info)
        store.keep_newest(KIND, MAX_KEPT)
    except StoreError as exc:
        raise PatrolsError(f"the plan could not be kept in the park store: {exc}") from exc
    return name


def kept_plans(folder: str | Path) -> pd.DataFrame:
    """The kept plans of a park, newest first: name, updated, start, days, patrols, km, risk (map used)."""
    try:
        docs = read_documents(folder, KIND)
    except StoreError as exc:
        raise PatrolsError(f"the kept plans could not be listed: {exc}") from exc
    rows = [
        {
            "name": d.name,
            "updated": d.updated,
            "start": d.meta.get("start"),
            "days": d.meta.get("days"),
            "patrols": d.meta.get("patrols"),
            "km": d.meta.get("km"),
            "risk": d.meta.get("risk", ""),
        }
        for d in docs.itertuples()
    ]
    return pd.DataFrame(rows, columns=LIST_COLUMNS)


def load_plan(folder: str | Path, name: str) -> tuple[Plan, dict]:
    """The kept plan ``name`` and its metadata; :class:`PatrolsError` when it is gone."""
    try:
        doc = read_document(folder, KIND, name)
    except StoreError as exc:
        raise PatrolsError(f"the kept plan {name!r} could not be read: {exc}") from exc
    if doc is None:
        raise PatrolsError(f"no kept plan {name!r} in {folder}")
    return plan_from_bytes(doc.data), doc.meta
