"""PIKE from the real CITES MIKE table equals NumberOfIllegalCarcasses / TotalNumberOfCarcasses, with its interval."""

from __future__ import annotations

import csv
import math

import pytest
from shared_data import SHARED_DATA

from monitoring.errors import MikeError
from monitoring.mike import mike_pike, read_mike

MIKE = SHARED_DATA / "mike" / "mike_carcass_summary_2022-03-31.csv"
pytestmark = pytest.mark.skipif(not MIKE.exists(), reason=f"the CITES MIKE table is not at {MIKE}")
Z95 = 1.959963984540054


def raw_rows():
    with MIKE.open(encoding="utf-8-sig", newline="") as f:
        return {(r["MIKEsiteID"], int(r["year"])): r for r in csv.DictReader(f)}


@pytest.mark.parametrize(("site", "year"), [("KRU", 2019), ("CHO", 2012), ("GAR", 2016), ("TSV", 2009), ("ETO", 2015)])
def test_pike_equals_illegal_over_total(site, year):
    raw = raw_rows()[(site, year)]
    k, n = int(raw["NumberOfIllegalCarcasses"]), int(raw["TotalNumberOfCarcasses"])
    row = mike_pike(read_mike(MIKE), site=site).set_index("year").loc[year]
    assert (row.illegal, row.carcasses) == (k, n)
    assert row.pike == pytest.approx(k / n)
    p = k / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 / (1 + Z95**2 / n) * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n))
    assert row.lower == pytest.approx(max(0.0, centre - half)) and row.upper == pytest.approx(min(1.0, centre + half))
    assert row.lower <= row.pike <= row.upper


def test_region_sums_its_sites():
    table = read_mike(MIKE)
    raw = [r for r in raw_rows().values() if r["SubregionID"] == "FS" and r["year"] == "2015"]
    sub = mike_pike(table, site="FS", level="subregion").set_index("year").loc[2015]
    assert sub.carcasses == sum(int(r["TotalNumberOfCarcasses"]) for r in raw)
    assert sub.illegal == sum(int(r["NumberOfIllegalCarcasses"]) for r in raw)


def test_unknown_site_names_the_fix():
    with pytest.raises(MikeError, match="KRU"):
        mike_pike(read_mike(MIKE), site="NOPE")


def test_bad_rows_listed(tmp_path):
    text = MIKE.read_text(encoding="utf-8-sig").splitlines()
    bad = text[1].split(",")
    bad[8], bad[9] = "3", "7"  # more illegal than total
    path = tmp_path / "mike.csv"
    path.write_text("\n".join([text[0], ",".join(bad), *text[2:5]]) + "\n", encoding="utf-8")
    table = read_mike(path)
    assert len(table) == 3 and "row 2" in table.attrs["problems"][0]
