"""A tiny register built in code, with figures worked out by hand in the tests that use it.

Two posts 10 km apart (A at the origin, B at x = 10 km), January and February 2024:

- January, near A: 2 snares, 1 elephant carcass (no cause: illegal), an arrest of 3 people (case CR-1,
  8 January) and a seizure of 12.5 kg of ivory (CR-1); near B: 2 elephant carcasses of the ``carcass``
  type, one natural, one illegal.
- February, near B: 1 snare, an arrest of 2 people (CR-2, 4 February), an arrest with no number of
  people (CR-3).
- Cases: CR-1 opened 10 Jan, charged 1 Feb, convicted 9 Apr; CR-2 opened 5 Feb, acquitted 20 Apr;
  CR-3 opened 10 Feb, withdrawn 1 Apr.
- Patrols: track 0 on 5 Jan, 10 km in 2.5 h near A; track 1 on 20 Jan, 5 km in 1.25 h near A;
  track 2 on 3 Feb, 4 km in 1 h near B.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

CRS = "EPSG:32736"


def tiny_posts() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": ["A", "B"]}, geometry=shapely.points([0, 10_000], [0, 0]), crs=CRS)


def tiny_incidents() -> gpd.GeoDataFrame:
    rows = [
        # time, type, x, y, species, cause, item, quantity, unit, people, case_ref
        ("2024-01-03", "snare", 100, 500, None, None, None, None, None, None, None),
        ("2024-01-04", "snare", 200, 800, None, None, None, None, None, None, None),
        ("2024-01-06", "elephant_carcass", 300, 900, None, None, None, None, None, None, None),
        ("2024-01-08", "arrest", 0, 1000, None, None, None, None, None, 3, "CR-1"),
        ("2024-01-08", "seizure", 0, 1000, None, None, "Ivory", 12.5, "kg", None, "CR-1"),
        ("2024-01-15", "carcass", 10_000, 500, "Elephant", "natural", None, None, None, None, None),
        ("2024-01-16", "carcass", 10_000, 700, "elephant", "Poached", None, None, None, None, None),
        ("2024-02-02", "snare", 10_100, 300, None, None, None, None, None, None, None),
        ("2024-02-04", "arrest", 10_000, 200, None, None, None, None, None, 2, "CR-2"),
        ("2024-02-06", "arrest", 10_000, 400, None, None, None, None, None, None, "CR-3"),
    ]
    df = pd.DataFrame(
        rows, columns=["time", "type", "x", "y", "Species", "cause", "item", "quantity", "unit", "people", "case"]
    )
    gdf = gpd.GeoDataFrame(
        df.drop(columns=["x", "y"]), geometry=shapely.points(df["x"].to_numpy(), df["y"].to_numpy()), crs=CRS
    )
    gdf["time"] = pd.to_datetime(gdf["time"], utc=True)
    gdf["type_raw"] = gdf["type"]
    gdf["id"] = [f"I{i}" for i in range(1, len(gdf) + 1)]
    return gdf


def tiny_cases() -> pd.DataFrame:
    return pd.DataFrame(
        [
            ("CR-1", "opened", "2024-01-10", "", ""),
            ("CR-1", "charged", "2024-02-01", "", ""),
            ("CR-1", "convicted", "2024-04-09", "5 years", ""),
            ("CR-2", "opened", "2024-02-05", "", ""),
            ("CR-2", "acquitted", "2024-04-20", "", ""),
            ("CR-3", "opened", "2024-02-10", "", ""),
            ("CR-3", "withdrawn", "2024-04-01", "", "witness left"),
        ],
        columns=["case_ref", "event", "date", "sentence", "note"],
    )


def tiny_fixes():
    """``(segment, t, x, y)`` of the three patrol tracks (already clean), fixes every 15 min, 1 km apart."""
    t0 = pd.Timestamp("2024-01-05 06:00", tz="UTC").timestamp()
    t1 = pd.Timestamp("2024-01-20 06:00", tz="UTC").timestamp()
    t2 = pd.Timestamp("2024-02-03 06:00", tz="UTC").timestamp()
    seg, t, x, y = [], [], [], []
    for s, (start, n, x0) in enumerate(((t0, 11, 0.0), (t1, 6, 0.0), (t2, 5, 10_000.0))):
        k = np.arange(n)
        seg += [s] * n
        t += list(start + k * 900.0)
        x += [x0] * n
        y += list(k * 1000.0)
    return np.array(seg), np.array(t), np.array(x), np.array(y)
