"""The incident book: what rangers write down when they find an attack.

Each found attack becomes one incident (a snare, a carcass, a camp) on the
moment a patrol passed; a share of finds also lead to an arrest (of 1-4
people) and to a seizure (ivory, rhino horn, bushmeat, a firearm, snares:
items of :data:`layers.defaults.SEIZURE_ITEMS`) with a quantity and unit.
Labels are free text, as in a real park's records.  The register's own
columns (species, cause, cases, ...) are added by :mod:`simulator.register`
from a separate random stream.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

LABELS = {
    "snare": (("Snare", 0.8), ("Wire snare", 0.2)),
    "elephant_carcass": (("Elephant carcass", 1.0),),
    "rhino_carcass": (("Rhino carcass", 0.8), ("Carcass - rhino", 0.2)),
    "poacher_camp": (("Poacher camp", 1.0),),
}
ARREST_SHARE = {"snare": 0.04, "elephant_carcass": 0.08, "rhino_carcass": 0.12, "poacher_camp": 0.25}
SEIZURE_SHARE = {"snare": 0.06, "elephant_carcass": 0.12, "rhino_carcass": 0.12, "poacher_camp": 0.30}
INCIDENT_COLUMNS = ["id", "date", "type", "lat", "lon", "item", "quantity", "unit", "notes"]
MAX_PEOPLE = 4  # most people of one arrest


def _label(rng, typ: str) -> str:
    labels, probs = zip(*LABELS[typ])
    return str(labels[int(rng.choice(len(labels), p=np.array(probs)))])


def _notes(rng, typ: str) -> str:
    if typ == "snare":
        n = 1 + int(rng.poisson(2.5))
        return f"{n} wire snare{'s' if n > 1 else ''} removed"
    if typ == "elephant_carcass":
        return str(
            rng.choice(["Fresh carcass, tusks removed", "Carcass, tusks hacked out", "Old carcass, tusks missing"])
        )
    if typ == "rhino_carcass":
        return str(
            rng.choice(["Carcass, both horns removed", "Fresh carcass, horn removed, shot", "Old carcass, dehorned"])
        )
    return str(
        rng.choice(["Abandoned camp, fire still warm", "Camp with meat drying racks", "Old camp, two sleeping spots"])
    )


def _seizure(rng, typ: str) -> tuple[str, float, str]:
    if typ == "snare":
        if rng.uniform() < 0.6:
            return "snare", float(rng.integers(5, 60)), "pieces"
        return "bushmeat", float(round(rng.uniform(5, 60), 1)), "kg"
    if typ == "elephant_carcass":
        return "ivory", float(round(rng.uniform(4, 35), 1)), "kg"
    if typ == "rhino_carcass":
        return "rhino_horn", float(round(rng.uniform(0.8, 6.0), 1)), "kg"
    if rng.uniform() < 0.5:
        return "firearm", float(rng.integers(1, 3)), "pieces"
    return "bushmeat", float(round(rng.uniform(10, 80), 1)), "kg"


def incident_table(
    attack_type: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    found: np.ndarray,
    found_t: np.ndarray,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """Incidents of every found attack, sorted by time.

    Returns the incident table (columns :data:`INCIDENT_COLUMNS`, ``date``
    as ``"YYYY-MM-DD HH:MM"`` UTC); for every attack, the id of its incident
    (empty string when not found); and, row for row with the incidents, what
    the register needs to know of each: ``find`` (index of the found attack
    the row comes from), ``attack_type`` (its type), ``kind`` (``find``,
    ``arrest`` or ``seizure``), ``people`` (arrests, else 0) and ``t``
    (int64 seconds).
    """
    idx = np.flatnonzero(found)
    idx = idx[np.argsort(found_t[idx], kind="stable")]
    rows = []  # (time, attack index or -1, type, lat, lon, item, quantity, unit, notes, find, kind, people)
    m_per_deg = 111_320.0
    for i in idx:
        typ = str(attack_type[i])
        la = lat[i] + rng.normal(0, 4) / m_per_deg
        lo = lon[i] + rng.normal(0, 4) / (m_per_deg * np.cos(np.radians(lat[i])))
        rows.append(
            (int(found_t[i]), int(i), _label(rng, typ), la, lo, "", np.nan, "", _notes(rng, typ), int(i), "find", 0)
        )
        if rng.uniform() < ARREST_SHARE[typ]:
            n = min(1 + int(rng.poisson(0.8)), MAX_PEOPLE)
            when = int(found_t[i] + rng.uniform(10, 180) * 60)
            d = rng.normal(0, 60, 2) / m_per_deg
            note = f"{n} suspect{'s' if n > 1 else ''} arrested"
            rows.append((when, -1, "Arrest", la + d[0], lo + d[1], "", np.nan, "", note, int(i), "arrest", n))
        if rng.uniform() < SEIZURE_SHARE[typ]:
            item, qty, unit = _seizure(rng, typ)
            when = int(found_t[i] + rng.uniform(5, 120) * 60)
            d = rng.normal(0, 60, 2) / m_per_deg
            note = f"{item.replace('_', ' ')} confiscated"
            rows.append((when, -1, "Seizure", la + d[0], lo + d[1], item, qty, unit, note, int(i), "seizure", 0))
    rows.sort(key=lambda r: r[0])
    incident_of = np.full(len(attack_type), "", dtype=object)
    records, context = [], []
    for k, r in enumerate(rows, start=1):
        iid = f"INC-{k:05d}"
        if r[1] >= 0:
            incident_of[r[1]] = iid
        qty = "" if np.isnan(r[6]) else f"{r[6]:g}"
        records.append((iid, r[0], r[2], round(r[3], 6), round(r[4], 6), r[5], qty, r[7], r[8]))
        context.append((r[9], str(attack_type[r[9]]), r[10], r[11], r[0]))
    df = pd.DataFrame(records, columns=["id", "t", "type", "lat", "lon", "item", "quantity", "unit", "notes"])
    df.insert(1, "date", pd.to_datetime(df.pop("t"), unit="s").dt.strftime("%Y-%m-%d %H:%M"))
    ctx = pd.DataFrame(context, columns=["find", "attack_type", "kind", "people", "t"])
    return df[INCIDENT_COLUMNS], incident_of, ctx
