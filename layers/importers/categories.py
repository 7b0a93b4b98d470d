"""SMART observation categories to incident types: a default for common SMART data models, and ``[categories]``.

SMART names categories by dotted keys (``humanactivity.weaponsequipment.snare``)
or, in CSV exports, by display names in the export's language (``Human
Activity`` / ``Weapons and Equipment`` / ``Snare``).  Both become a *path* of
lower-case words (``humanactivity.weaponsandequipment.snare``).  A park maps
paths to types in ``park.toml``; a key maps every category that starts with it,
the longest key winning::

    [categories]
    "humanactivity.weaponsequipment.snare" = "snare"
    "animals.carcass" = "carcass"        # elephant or rhino from the species
    "humanactivity.people" = "arrest"

Paths no mapping names fall back on the default rules (snare/trap, carcass
with the species, camp, arrest, seizure/confiscation).  What is left is kept
as ``other`` with its path, and listed.

Examples
--------
>>> category_path(["Human Activity", "Weapons and Equipment", "Snare"])
'humanactivity.weaponsandequipment.snare'
>>> map_categories(pd.Series(["humanactivity.weaponsequipment.snare."]), None, None, {})[0].tolist()
['snare']
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pandas as pd

from ..defaults import INCIDENT_TYPES, MANIFEST_NAME
from ..errors import ManifestError
from .common import species_word

# Default rules on the category path (and action taken), in order: the first that matches gives the type.
DEFAULT_RULES = (
    ("snare", r"snare|\btrap|gintrap|wiretrap|noose"),
    ("carcass", r"carcass|carcase|mortality|deadanimal|poachedanimal"),
    ("poacher_camp", r"poachercamp|poachingcamp|illegalcamp|\bcamp\b|\.camp"),
    ("arrest", r"arrest"),
    ("seizure", r"seiz|confisca"),
)
_ACTION_RULES = (("arrest", r"arrest"), ("seizure", r"confisca|seiz"))


def category_path(parts) -> str:
    """Display names or key parts to a dotted path of lower-case letters and digits."""
    words = []
    for p in parts:
        if p is None or (isinstance(p, float) and pd.isna(p)):
            continue
        for piece in str(p).split("."):
            w = re.sub(r"[^a-z0-9]", "", piece.lower())
            if w:
                words.append(w)
    return ".".join(words)


def read_mapping(folder: str | Path) -> dict[str, str]:
    """The park's ``[categories]`` table (path prefix -> type), or ``{}``; checks every type is known."""
    path = Path(folder) / MANIFEST_NAME
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
        return {}  # the manifest reader reports a broken park.toml
    table = data.get("categories") or {}
    if not isinstance(table, dict):
        raise ManifestError(f'{path}: [categories] must be a table of "category.key" = "type" lines')
    allowed = set(INCIDENT_TYPES) | {"carcass", "other"}
    out = {}
    for key, value in table.items():
        if not isinstance(value, str) or value not in allowed:
            raise ManifestError(
                f"{path}: [categories] maps {key!r} to {value!r}, not an incident type. "
                f"Fix: use one of {', '.join(sorted(allowed))}"
            )
        out[category_path([key])] = value
    return out


def _by_rules(text: str, rules) -> str | None:
    for name, pattern in rules:
        if re.search(pattern, text):
            return name
    return None


def map_categories(
    paths: pd.Series, species: pd.Series | None, actions: pd.Series | None, mapping: dict[str, str]
) -> tuple[pd.Series, dict[str, int]]:
    """Incident types for category paths; and the unmapped paths with their counts.

    Parameters
    ----------
    paths : pandas.Series
        Category keys or paths (see :func:`category_path`).
    species, actions : pandas.Series, optional
        The observations' species and action-taken text: a carcass becomes
        an elephant or rhino carcass by its species; an observation whose
        action is an arrest or a confiscation becomes that.
    mapping : dict
        The park's ``[categories]`` (from :func:`read_mapping`).
    """
    norm = paths.astype("string").fillna("").map(lambda p: category_path([p]))
    spec = species.astype("string").fillna("") if species is not None else pd.Series("", index=paths.index)
    act = actions.astype("string").fillna("").str.lower() if actions is not None else pd.Series("", index=paths.index)
    keys = sorted(mapping, key=len, reverse=True)
    out, unmapped = [], {}
    for p, s, a in zip(norm, spec, act):
        found = next((mapping[k] for k in keys if p == k or p.startswith(k + ".")), None)
        if found is None:
            found = _by_rules(p, DEFAULT_RULES)
        if found is None or found == "other":
            found = _by_rules(re.sub(r"[^a-z]", "", a), _ACTION_RULES) or found
        if found == "carcass":
            word = species_word(s) or species_word(p)
            found = f"{word}_carcass" if word else None
        if found is None or found == "other":
            unmapped[p or "(no category)"] = unmapped.get(p or "(no category)", 0) + 1
            found = "other"
        out.append(found)
    return pd.Series(out, index=paths.index, dtype=object), unmapped


__all__ = ["DEFAULT_RULES", "category_path", "map_categories", "read_mapping"]
