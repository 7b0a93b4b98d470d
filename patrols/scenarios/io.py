"""Scenario files: human-readable TOML in the park's ``scenarios/`` folder.

The baseline (the park's current set-up) is always listed first and is never
a file.  Every other scenario is one ``<slug>.toml`` file; its display name
is the file's ``name =``.  Nothing here writes outside ``<park>/scenarios/``,
overwrites a file the park's ``park.toml`` names, or replaces a scenario
unless asked to.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from pathlib import Path

from layers.defaults import MANIFEST_NAME

from ..errors import ScenarioError
from .defaults import BASELINE_NAME, SCENARIO_SUFFIX, SCENARIOS_DIR
from .model import Scenario, baseline, scenario_from_dict

_NAME_OK = re.compile(r"^[\w .,()+'&-]+$")


# --------------------------------------------------------------------------- TOML


def dumps_toml(data: dict) -> str:
    """A small TOML writer for scenario dicts: scalars, lists of scalars, tables and arrays of tables."""
    lines: list[str] = []
    _table(data, [], lines)
    return "\n".join(lines).strip() + "\n"


def _key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k, ensure_ascii=False)


def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ScenarioError(f"cannot write the number {v!r} to a scenario file; give a finite number")
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + " }"
    raise ScenarioError(f"cannot write a value of type {type(v).__name__} to a scenario file")


def _is_table_list(v) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)


def _table(d: dict, path: list[str], lines: list[str]) -> None:
    for k, v in d.items():
        if not isinstance(v, dict) and not _is_table_list(v):
            lines.append(f"{_key(k)} = {_value(v)}")
    for k, v in d.items():
        if isinstance(v, dict):
            nested = any(isinstance(x, dict) or _is_table_list(x) for x in v.values())
            if not nested and len(path) >= 1:
                lines.append(f"{_key(k)} = {_value(v)}")  # a small inline table, e.g. posts.teams
                continue
            if any(not _is_table_list(x) for x in v.values()):  # a header only over keys of its own
                lines.append("")
                lines.append("[" + ".".join(_key(p) for p in [*path, k]) + "]")
            _table(v, [*path, k], lines)
    for k, v in d.items():
        if _is_table_list(v):
            for item in v:
                lines.append("")
                lines.append("[[" + ".".join(_key(p) for p in [*path, k]) + "]]")
                _table(item, [*path, k], lines)


def scenario_to_toml(scenario: Scenario) -> str:
    """The text of a scenario file."""
    head = f"# Scenario for the patrol planner: changes to the park's current set-up ({scenario.name})\n"
    return head + dumps_toml(scenario.to_dict())


def scenario_from_toml(text: str, source=None) -> Scenario:
    """Parse the text of a scenario file; errors name ``source``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{source or 'scenario'}: not valid TOML ({exc}); fix the line it names") from exc
    return scenario_from_dict(data, source=source)


# --------------------------------------------------------------------------- files


def scenarios_folder(park_folder, create: bool = False) -> Path:
    """``<park>/scenarios``, created when ``create`` (refused when a file holds that name)."""
    folder = Path(park_folder) / SCENARIOS_DIR
    if folder.exists() and not folder.is_dir():
        raise ScenarioError(f"{folder} is a file, not a folder; rename it so scenarios can be saved there")
    if create:
        folder.mkdir(parents=False, exist_ok=True)
    return folder


def slug(name: str) -> str:
    """The file stem of a scenario name; refuses names that would escape the scenarios folder."""
    text = str(name).strip()
    if not text or text in (".", "..") or "/" in text or "\\" in text or text.startswith(".") or "\0" in text:
        raise ScenarioError(
            f"{name!r} is not a scenario name; use letters, digits, spaces and - _ . , ( ) (no / or \\, not starting with a dot)"
        )
    if not _NAME_OK.match(text):
        raise ScenarioError(
            f"{name!r} has characters a file name cannot hold; use letters, digits, spaces and - _ . , ( )"
        )
    if text.lower() == BASELINE_NAME:
        raise ScenarioError(f"{BASELINE_NAME!r} is the park's current set-up and cannot be a file; pick another name")
    out = re.sub(r"\s+", "-", text.lower())
    return out[:80]


def scenario_path(park_folder, name: str) -> Path:
    """Where the scenario called ``name`` is stored."""
    folder = scenarios_folder(park_folder)
    path = folder / f"{slug(name)}{SCENARIO_SUFFIX}"
    if path.resolve().parent != folder.resolve():
        raise ScenarioError(f"{name!r} would be saved outside {folder}; pick a plain name")
    return path


def _park_files(park_folder) -> set[Path]:
    """Every path the park's manifest names (never overwritten)."""
    manifest = Path(park_folder) / MANIFEST_NAME
    if not manifest.is_file():
        return set()
    try:
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError):
        return set()
    found: set[Path] = set()

    def walk(v):
        if isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
        elif isinstance(v, str) and v:
            found.add((Path(park_folder) / v).resolve())

    walk(data)
    return found


def read_scenario(path) -> Scenario:
    """Load a scenario file (anywhere: the command line may name any file)."""
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(f"{path}: no such scenario file; list a park's scenarios with list_scenarios(park_folder)")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read the file ({exc}); save it as UTF-8 text") from exc
    return scenario_from_toml(text, source=path)


def list_scenarios(park_folder) -> list[Scenario]:
    """The baseline, then every scenario file of ``<park>/scenarios`` (sorted by name).

    A malformed file is skipped here; :func:`scenario_problems` names it and its problem.
    """
    out = [baseline()]
    folder = scenarios_folder(park_folder)
    if folder.is_dir():
        found = []
        for path in sorted(folder.glob(f"*{SCENARIO_SUFFIX}")):
            try:
                found.append(read_scenario(path))
            except ScenarioError:
                continue
        out += sorted(found, key=lambda s: s.name.lower())
    return out


def scenario_problems(park_folder) -> list[str]:
    """The message of every malformed scenario file of the park."""
    folder = scenarios_folder(park_folder)
    problems = []
    for path in sorted(folder.glob(f"*{SCENARIO_SUFFIX}")) if folder.is_dir() else []:
        try:
            read_scenario(path)
        except ScenarioError as exc:
            problems.append(str(exc))
    return problems


def load_scenario(park_folder, name: str) -> Scenario:
    """The scenario called ``name`` (the baseline for ``"baseline"``)."""
    if str(name).strip().lower() == BASELINE_NAME:
        return baseline()
    for s in list_scenarios(park_folder):
        if s.name == name:
            return s
    return read_scenario(scenario_path(park_folder, name))


def save_scenario(scenario: Scenario, park_folder, overwrite: bool = False) -> Path:
    """Write ``scenario`` to ``<park>/scenarios/<slug>.toml`` (the folder is created if absent).

    Refuses to replace an existing file unless ``overwrite`` and it is the
    same scenario's file (or a scenario file at all); never replaces a file
    the park's manifest names.
    """
    path = scenario_path(park_folder, scenario.name)
    if path.resolve() in _park_files(park_folder):
        raise ScenarioError(f"{path} is one of the park's own files (named in {MANIFEST_NAME}); pick another name")
    if path.exists():
        same = scenario.source is not None and Path(scenario.source).resolve() == path.resolve()
        if not (overwrite or same):
            raise ScenarioError(f"{path} exists; pick another name, or save with overwrite=True to replace it")
        try:
            read_scenario(path)
        except ScenarioError as exc:
            raise ScenarioError(
                f"{path} exists and is not a valid scenario file; it is kept, pick another name"
            ) from exc
    text = scenario_to_toml(scenario)
    scenario_from_toml(text, source=path)  # what is written must read back
    scenarios_folder(park_folder, create=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    scenario.source = path
    return path


def duplicate_scenario(park_folder, name: str, new_name: str) -> Scenario:
    """Save a copy of scenario ``name`` (the baseline too) as ``new_name``."""
    copy = load_scenario(park_folder, name).renamed(new_name)
    if not copy.description and str(name).lower() != BASELINE_NAME:
        copy.description = f"copy of {name}"
    save_scenario(copy, park_folder)
    return copy


def rename_scenario(park_folder, name: str, new_name: str) -> Scenario:
    """Rename scenario ``name`` to ``new_name`` (its file too)."""
    old = _file_of(park_folder, name)
    scenario = read_scenario(old).renamed(new_name)
    new_path = save_scenario(scenario, park_folder) if scenario_path(park_folder, new_name) != old else old
    if new_path != old:
        old.unlink()
    else:
        old.write_text(scenario_to_toml(scenario), encoding="utf-8")
        scenario.source = old
    return scenario


def delete_scenario(park_folder, name: str) -> Path:
    """Delete the file of scenario ``name``; returns the path removed."""
    path = _file_of(park_folder, name)
    path.unlink()
    return path


def _file_of(park_folder, name: str) -> Path:
    if str(name).strip().lower() == BASELINE_NAME:
        raise ScenarioError("the baseline is the park's current set-up, not a file: it cannot be renamed or deleted")
    for s in list_scenarios(park_folder)[1:]:
        if s.name == name and s.source is not None:
            return Path(s.source)
    path = scenario_path(park_folder, name)
    if not path.is_file():
        raise ScenarioError(f"no scenario called {name!r} in {scenarios_folder(park_folder)}")
    return path
