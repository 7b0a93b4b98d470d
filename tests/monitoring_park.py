"""A small demo park with a register: case references, people and causes on its incidents, natural-death
carcasses, a case table and a sections layer (built in ``tmp_path`` from a generated demo park)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box


def add_register(folder: Path, seed: int = 0) -> Path:
    """Add ``cases.csv``, ``sections.geojson`` and register columns to the demo park in ``folder``."""
    rng = np.random.default_rng(seed)
    inc = pd.read_csv(folder / "incidents.csv", dtype=str, keep_default_na=False)
    kind = inc["type"].str.lower()
    inc["case_ref"] = ""
    inc["people"] = ""
    inc["nationality"] = ""
    inc["species"] = np.where(
        kind.str.contains("elephant"), "elephant", np.where(kind.str.contains("rhino"), "rhino", "")
    )
    inc["cause"] = np.where(kind.str.contains("carcass"), "illegal", "")
    arrests = np.flatnonzero(kind == "arrest")
    for n, i in enumerate(arrests, start=1):
        inc.loc[i, "case_ref"] = f"CR-{n:03d}"
        inc.loc[i, "people"] = str(int(rng.integers(1, 4)))
        inc.loc[i, "nationality"] = str(rng.choice(["MZ", "ZA", "ZW"]))
    seizures = np.flatnonzero(kind == "seizure")
    for i in seizures[::2]:  # every other seizure goes with the arrest before it
        before = arrests[arrests <= i]
        if len(before):
            inc.loc[i, "case_ref"] = inc.loc[before[-1], "case_ref"]
    # natural deaths: elephant carcasses of the carcass type
    extra = inc.iloc[np.flatnonzero(kind.str.contains("elephant"))[:6]].copy()
    extra["id"] = [f"NAT-{k}" for k in range(len(extra))]
    extra["type"] = "Carcass"
    extra["cause"] = "natural"
    extra["notes"] = "natural death"
    inc = pd.concat([inc, extra], ignore_index=True)
    inc.to_csv(folder / "incidents.csv", index=False)

    rows = []
    times = pd.to_datetime(inc["date"])
    for n, i in enumerate(arrests, start=1):
        ref, t0 = f"CR-{n:03d}", times[i]
        rows.append((ref, "opened", (t0 + pd.Timedelta(days=1)).date(), "", ""))
        if n % 4 == 0:
            continue  # still open
        rows.append((ref, "charged", (t0 + pd.Timedelta(days=20)).date(), "", ""))
        outcome = ("convicted", "acquitted", "withdrawn")[n % 3]
        if t0 + pd.Timedelta(days=int(60 + 30 * (n % 5))) > times.max():
            continue  # no verdict yet
        rows.append((ref, outcome, (t0 + pd.Timedelta(days=int(60 + 30 * (n % 5)))).date(),
                     "3 years" if outcome == "convicted" else "", ""))  # fmt: skip
    pd.DataFrame(rows, columns=["case_ref", "event", "date", "sentence", "note"]).to_csv(
        folder / "cases.csv", index=False
    )

    b = gpd.read_file(folder / "boundary.geojson").to_crs("EPSG:4326").total_bounds
    mid = 0.5 * (b[0] + b[2])
    sections = gpd.GeoDataFrame(
        {"section": ["West", "East"]},
        geometry=[box(b[0] - 0.01, b[1] - 0.01, mid, b[3] + 0.01), box(mid, b[1] - 0.01, b[2] + 0.01, b[3] + 0.01)],
        crs="EPSG:4326",
    )
    sections.to_file(folder / "sections.geojson", driver="GeoJSON")
    toml = (folder / "park.toml").read_text(encoding="utf-8")
    toml = toml.replace(
        'posts = "posts.gpkg"\n', 'posts = "posts.gpkg"\ncases = "cases.csv"\nsections = "sections.geojson"\n'
    )
    (folder / "park.toml").write_text(toml, encoding="utf-8")
    return folder


def register_park(out: Path, months: int = 26, seed: int = 3) -> Path:
    from simulator import generate_demo_park

    folder = Path(generate_demo_park(out, area_km2=400, months=months, seed=seed))
    return add_register(folder, seed)


def file_hashes(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder``, by relative path."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
