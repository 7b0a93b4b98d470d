"""The scenario and suggest-posts commands, and the example scenarios, on a tiny park written to disk."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from layers.grid import Grid
from patrols.cli import main
from patrols.scenarios import list_scenarios, read_risk, read_scenario, resolve, write_example_scenarios
from tests.parkfiles import make_park


@pytest.fixture(scope="module")
def park_and_risk(tmp_path_factory):
    from layers.park import load_park

    tmp = tmp_path_factory.mktemp("scen")
    folder = make_park(tmp / "park")
    park = load_park(folder)
    rows, cols = park.grid.shape
    risk = np.full(park.grid.shape, 0.02, dtype="float32")
    risk[:, cols * 2 // 3 :] = 0.4  # the east third is high risk
    g = Grid.from_geometry(park.boundary_geometry, park.crs, park.grid.cell_size)
    path = g.write_geotiff(tmp / "risk.tif", np.where(park.grid.mask, risk, np.nan))
    g.write_geotiff(tmp / "risk_uncertainty.tif", np.where(park.grid.mask, 0.05, np.nan))
    (tmp / "risk.json").write_text(json.dumps({"periods": ["2024-06", "2024-06"]}))
    return folder, park, path


def test_read_risk_takes_the_month_and_uncertainty_from_the_fit_files(park_and_risk):
    _, park, path = park_and_risk
    risk = read_risk(path, park.grid)
    assert str(risk.month) == "2024-06" and risk.horizon_months == 1
    assert risk.uncertainty is not None and np.nanmax(risk.uncertainty) == pytest.approx(0.05)


def test_scenario_command_prints_outcomes_and_writes_the_comparison(park_and_risk, tmp_path, capsys):
    folder, park, path = park_and_risk
    post = str(park.posts["name"].iloc[0])
    scenario = tmp_path / "less.toml"
    scenario.write_text(f'name = "Fewer teams"\n[posts.teams]\n"{post}" = 0\n')
    out_csv, out_pdf = tmp_path / "cmp.csv", tmp_path / "cmp.pdf"
    argv = ["scenario", str(folder), str(scenario), "--risk", str(path), "--days", "1", "--csv", str(out_csv)]
    code = main([*argv, "--pdf", str(out_pdf), "--json"])
    printed = capsys.readouterr().out
    assert code == 0, printed
    data = json.loads(printed)
    names = [s["name"] for s in data["scenarios"]]
    assert names == ["baseline", "Fewer teams"] and data["month"] == "2024-06"
    base, fewer = (s["outcomes"] for s in data["scenarios"])
    assert fewer["teams"] == base["teams"] - 2 and fewer["ranger_days"] < base["ranger_days"]
    table = pd.read_csv(out_csv)
    assert "Fewer teams vs baseline" in table.columns
    assert out_pdf.read_bytes()[:4] == b"%PDF"
    # text output, and a malformed file gives the named message and exit code 2
    assert main(argv[:-2]) == 0 and "expected attacks detected" in capsys.readouterr().out
    scenario.write_text('name = "Bad"\n[patrols]\nkind = "horse"\n')
    assert main(argv[:-2]) == 2
    err = capsys.readouterr().err
    assert str(scenario) in err and "patrols.kind" in err and "Traceback" not in err


def test_suggest_posts_command_writes_a_scenario(park_and_risk, tmp_path, capsys):
    folder, park, path = park_and_risk
    out = tmp_path / "suggested.toml"
    argv = ["suggest-posts", str(folder), "--risk", str(path), "--n", "2", "--near-roads", "3", "--days", "1"]
    code = main([*argv, "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "2 post(s)" in printed and "gain" in printed
    scenario = read_scenario(out)
    assert len(scenario.add_posts) == 2
    setup = resolve(scenario, park)
    assert sum(p.change == "added" for p in setup.posts.values()) == 2
    assert main([*argv, "--out", str(out)]) == 2  # an existing file is kept
    assert "exists" in capsys.readouterr().err


def test_example_scenarios_are_written_once(park_and_risk, tmp_path):
    import shutil

    folder, park, path = park_and_risk
    copy = tmp_path / "park"
    shutil.copytree(folder, copy)
    park.folder = copy
    try:
        risk = read_risk(path, park.grid).risk
        written = write_example_scenarios(park, risk)
        assert len(written) == 2 and all(p.parent == copy / "scenarios" for p in written)
        assert write_example_scenarios(park, risk) == []  # never replaced
        names = [s.name for s in list_scenarios(copy)]
        assert names == ["baseline", "New post in the least patrolled high-risk area", "One more team at every post"]
        new = list_scenarios(copy)[1]
        setup = resolve(new, park)
        x = setup.posts["New post"].x
        cols = park.grid.rowcol(x, setup.posts["New post"].y)[1]
        assert cols >= park.grid.shape[1] * 2 // 3 - 1  # in the high-risk east
    finally:
        park.folder = folder
