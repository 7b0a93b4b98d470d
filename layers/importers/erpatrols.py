"""EarthRanger patrols and their tracks: a segment's track is its leader's observations between its start and end.

An EarthRanger patrols export (the API's ``patrols``, or ecoscope's
``get_patrols`` as Parquet) holds each patrol's segments: the leader (a
subject: the ranger, vehicle or aircraft whose GPS is the track), the time
range, start and end locations, and the events; not the GPS fixes.  When an
import also brings the subjects' observations (GPS fixes whose track id, or
a ``subject_id``/``subject_name`` column, names the leader),
:func:`assign_segments` gives each fix inside a segment that segment's
patrol id and its own track, and leaves out the leader's fixes outside every
segment (the subject was not on patrol then).  Fixes of subjects that lead
no segment are left as they are.

Examples
--------
>>> segments = segments_from_file("patrols.parquet")  # doctest: +SKIP
>>> fixes, note = assign_segments(fixes, segments)  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..defaults import COL_PATROL, COL_TIME, COL_TRACK
from . import earthranger
from .parquet import MAGIC

SUBJECT_COLUMNS = ("subject_id", "subject__id", "subject_name", "subject__name", "subject")


def segments_from_file(path: str | Path) -> pd.DataFrame | None:
    """The segments of an EarthRanger patrols file (Parquet or JSON), or ``None`` when it is no patrols file.

    Never raises for a file that is not one: the import reads and reports every file on its own.
    """
    path = Path(path)
    try:
        with open(path, "rb") as f:
            head = f.read(8192)
        if head.startswith(MAGIC):
            import pyarrow.parquet as pq

            if "patrol_segments" not in pq.read_schema(path).names:
                return None
            table = pq.read_table(path).to_pandas()
        elif earthranger.looks_like_json(head) and b'"patrol_segments"' in head:
            import json

            if path.stat().st_size > earthranger.MAX_JSON_BYTES:
                return None
            data = json.loads(path.read_text(encoding="utf-8-sig"))
            for key in ("data", "results"):
                if isinstance(data, dict) and key in data:
                    data = data[key]
            if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
                return None
            table = pd.DataFrame(data)
        else:
            return None
    except Exception:  # a damaged file (pyarrow, json, OS errors): its own read says why
        return None
    if "patrol_segments" not in table.columns:
        return None
    segs = earthranger.patrol_segments(table)
    segs = segs[segs["start_time"].notna() & segs["end_time"].notna()].reset_index(drop=True)
    segs["source_file"] = path.name
    return segs


def assign_segments(fixes: pd.DataFrame, segments: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """Fixes of the segments' leaders tagged with the segment's patrol (see the module docstring).

    Returns
    -------
    fixes : DataFrame
        The same kind of frame; fixes inside a segment get ``COL_PATROL`` (the patrol's serial number, else
        its id) and ``COL_TRACK`` = ``<leader>/<segment id>``; the leaders' fixes outside every segment are
        left out.
    note : str or None
        What was done, for the import summary; ``None`` when no fix belongs to a leader.
    """
    if segments is None or not len(segments) or not len(fixes) or COL_TRACK not in fixes or COL_TIME not in fixes:
        return fixes, None
    keys = [fixes[COL_TRACK].astype("string")]
    keys += [fixes[c].astype("string") for c in SUBJECT_COLUMNS if c in fixes.columns]
    t = pd.to_datetime(fixes[COL_TIME], utc=True).astype("datetime64[ns, UTC]").array.asi8
    led = np.zeros(len(fixes), dtype=bool)
    inside = np.full(len(fixes), -1, dtype=np.int64)
    for k, seg in enumerate(segments.itertuples()):
        names = {str(v) for v in (seg.leader, getattr(seg, "leader_id", None)) if v is not None and v == v}
        if not names:
            continue
        mine = np.zeros(len(fixes), dtype=bool)
        for key in keys:
            mine |= key.isin(names).to_numpy(dtype=bool, na_value=False)
        led |= mine
        hit = mine & (t >= seg.start_time.value) & (t <= seg.end_time.value) & (inside < 0)
        inside[hit] = k
    if not led.any():
        return fixes, None
    keep = ~led | (inside >= 0)
    out = fixes.loc[keep].copy()
    idx = inside[keep]
    on = idx >= 0
    serial = segments["serial_number"].astype("string").fillna(segments["patrol_id"].astype("string"))
    patrol = np.asarray(serial.to_numpy(dtype=object), dtype=object)
    track = (segments["leader"].astype("string").fillna("?") + "/" + segments["segment_id"].astype("string")).to_numpy(
        dtype=object
    )
    if COL_PATROL not in out.columns:
        out[COL_PATROL] = None
    out[COL_PATROL] = out[COL_PATROL].astype(object)
    out.loc[on, COL_PATROL] = patrol[idx[on]]
    out[COL_TRACK] = out[COL_TRACK].astype(object)
    out.loc[on, COL_TRACK] = track[idx[on]]
    used = np.unique(idx[on])
    files = ", ".join(sorted(set(segments["source_file"])))
    note = (
        f"EarthRanger patrol segments of {files}: {int(on.sum()):,} GPS fixes of the leaders inside "
        f"{len(used)} of {len(segments)} segments took the segment's patrol; {int((led & ~keep).sum()):,} of their "
        "fixes outside every segment were left out (not on patrol)"
    )
    return out, note


__all__ = ["SUBJECT_COLUMNS", "assign_segments", "segments_from_file"]
