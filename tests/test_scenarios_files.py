"""Scenario files (patrols.scenarios.io): round trips, folder rules, and named messages for malformed files."""

from __future__ import annotations

import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from patrols.errors import ScenarioError
from patrols.scenarios import (
    PostChange,
    Scenario,
    delete_scenario,
    duplicate_scenario,
    list_scenarios,
    load_scenario,
    read_scenario,
    rename_scenario,
    save_scenario,
    scenario_problems,
)
from patrols.scenarios.io import dumps_toml, scenario_from_toml, scenario_to_toml, slug


def full_scenario() -> Scenario:
    return Scenario(
        name="Ford post (dry season)",
        description='a post at the ford, "camping out"',
        crs="EPSG:32736",
        add_posts=[
            PostChange("Ford", 512345.5, 9768000.25, teams=3, kind="vehicle"),
            PostChange("Hill", 500000.0, 9770000.0),
        ],
        move_posts=[PostChange("River Post", 510000.0, 9765000.0)],
        remove_posts=["Camp B"],
        post_teams={"Main Gate": 3, "Ñandú": 0},
        post_kinds={"Main Gate": "vehicle"},
        teams=2,
        extra_teams=1,
        days_per_month=18,
        hours=6.5,
        kind="foot",
        days_per_patrol=2,
        rangers_per_team=5,
        risk_file="out/risk.tif",
        horizon_months=3,
    )


def test_round_trip_load_save_load(tmp_path):
    s = full_scenario()
    path = save_scenario(s, tmp_path)
    assert path.parent == tmp_path / "scenarios" and path.name == "ford-post-(dry-season).toml"
    loaded = read_scenario(path)
    assert loaded == s
    save_scenario(loaded, tmp_path)  # its own file: saved again in place
    assert read_scenario(path) == s
    tomllib.loads(path.read_text())  # plain TOML a person can edit


name_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=20)
finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e7, max_value=1e7)


@settings(max_examples=40, deadline=None)
@given(
    name=name_text.filter(lambda t: t.strip() != ""),
    post=name_text.filter(lambda t: t.strip() != ""),
    x=finite,
    y=finite,
    teams=st.integers(0, 20),
    km=st.none() | st.floats(min_value=0.1, max_value=200),
)
def test_toml_round_trip_of_any_names_and_numbers(name, post, x, y, teams, km):
    post = post.strip()
    s = Scenario(name=name.strip(), add_posts=[PostChange(post, x, y, teams=teams)], post_teams={post: teams}, km=km)
    assert scenario_from_toml(scenario_to_toml(s)) == s


def test_small_writer_output():
    text = dumps_toml(
        {"name": "a", "posts": {"remove": ["x"], "teams": {"Main Gate": 3}, "add": [{"name": "b", "x": 1.0}]}}
    )
    assert tomllib.loads(text) == {
        "name": "a",
        "posts": {"remove": ["x"], "teams": {"Main Gate": 3}, "add": [{"name": "b", "x": 1.0}]},
    }
    assert '"Main Gate" = 3' in text and "[[posts.add]]" in text


def test_list_duplicate_rename_delete(tmp_path):
    assert [s.name for s in list_scenarios(tmp_path)] == ["baseline"]  # no folder yet: only the baseline
    assert not (tmp_path / "scenarios").exists()
    save_scenario(Scenario(name="More teams", extra_teams=1), tmp_path)
    copy = duplicate_scenario(tmp_path, "More teams", "More teams, foot")
    assert copy.extra_teams == 1 and copy.source.exists()
    base_copy = duplicate_scenario(tmp_path, "baseline", "Current")
    assert base_copy.to_dict(with_name=False) == {}  # a copy of the baseline changes nothing
    assert [s.name for s in list_scenarios(tmp_path)] == ["baseline", "Current", "More teams", "More teams, foot"]
    renamed = rename_scenario(tmp_path, "More teams, foot", "Foot teams")
    assert renamed.source.name == "foot-teams.toml" and not (tmp_path / "scenarios" / "more-teams,-foot.toml").exists()
    assert load_scenario(tmp_path, "Foot teams").extra_teams == 1
    delete_scenario(tmp_path, "Foot teams")
    assert [s.name for s in list_scenarios(tmp_path)] == ["baseline", "Current", "More teams"]
    with pytest.raises(ScenarioError, match="baseline"):
        delete_scenario(tmp_path, "baseline")
    with pytest.raises(ScenarioError, match="exists"):
        save_scenario(Scenario(name="More teams", teams=3), tmp_path)
    save_scenario(Scenario(name="More teams", teams=3), tmp_path, overwrite=True)
    assert load_scenario(tmp_path, "More teams").teams == 3


@pytest.mark.parametrize("name", ["../escape", "a/b", "..", ".hidden", "c:\\x", "baseline", "  "])
def test_names_that_escape_the_folder_are_refused(tmp_path, name):
    with pytest.raises(ScenarioError):
        save_scenario(Scenario(name=name), tmp_path)
    assert not any(tmp_path.rglob("*.toml"))
    assert slug("Ford post 2") == "ford-post-2"


def test_never_overwrites_the_parks_own_files(tmp_path):
    (tmp_path / "park.toml").write_text('[layers]\nposts = "scenarios/posts.toml"\n')
    (tmp_path / "scenarios").mkdir()
    own = tmp_path / "scenarios" / "posts.toml"
    own.write_text("not a scenario")
    with pytest.raises(ScenarioError, match="park's own files"):
        save_scenario(Scenario(name="posts"), tmp_path, overwrite=True)
    assert own.read_text() == "not a scenario"
    (tmp_path / "scenarios" / "notes.toml").write_text("= broken")
    with pytest.raises(ScenarioError, match="not a valid scenario file; it is kept"):
        save_scenario(Scenario(name="notes"), tmp_path, overwrite=True)
    assert (tmp_path / "scenarios" / "notes.toml").read_text() == "= broken"


@pytest.mark.parametrize(
    "text, key, fix",
    [
        ('name = "x"\n[patrols]\nkm = "twenty"\n', "patrols.km", "km = 20"),
        ('name = "x"\n[patrols]\nteams = -1\n', "patrols.teams", "number of teams"),
        ('name = "x"\n[patrols]\nkind = "horse"\n', "patrols.kind", 'kind = "foot"'),
        ('name = "x"\n[patrols]\ndays_per_patrol = 3\n', "patrols.days_per_patrol", "camping out"),
        ('name = "x"\n[patrols]\nkm = 10\nhours = 5\n', "patrols.hours", "not both"),
        ('name = "x"\n[patrols]\nkms = 10\n', "patrols.kms", "use one of"),
        ('name = "x"\n[[posts.add]]\nname = "F"\nx = 31.0\n', "posts.add[1].y", "coordinates"),
        ('name = "x"\n[[posts.add]]\nname = "F"\nx = 31.0\ny = "south"\n', "posts.add[1].y", "coordinates"),
        ('name = "x"\ncrs = "EPSG:99999999"\n', "crs", "EPSG"),
        ('name = "x"\n[posts]\nremove = "Camp B"\n', "posts.remove", 'remove = ["Camp B"]'),
        ('name = "x"\n[posts.teams]\n"Main Gate" = 2.5\n', "posts.teams.Main Gate", "number of teams"),
        ('name = ""\n', "name", "name ="),
    ],
)
def test_malformed_files_name_the_file_the_key_and_the_fix(tmp_path, text, key, fix):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as err:
        read_scenario(path)
    message = str(err.value)
    assert str(path) in message and repr(key) in message and fix in message


def test_invalid_toml_and_listing_skips_broken_files(tmp_path):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "broken.toml").write_text('name = "x"\nkm = \n')
    save_scenario(Scenario(name="Good", km=12.0), tmp_path)
    with pytest.raises(ScenarioError, match=r"broken.toml: not valid TOML .*line"):
        read_scenario(folder / "broken.toml")
    assert [s.name for s in list_scenarios(tmp_path)] == ["baseline", "Good"]
    problems = scenario_problems(tmp_path)
    assert len(problems) == 1 and "broken.toml" in problems[0]
