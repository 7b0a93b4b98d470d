"""A small demo park with its register (the simulator writes case references, people and causes on the
incidents, natural-death carcasses, a case table and a sections layer), and file hashes."""

from __future__ import annotations

import hashlib
from pathlib import Path


def register_park(out: Path, months: int = 26, seed: int = 3) -> Path:
    from simulator import generate_demo_park

    return Path(generate_demo_park(out, area_km2=400, months=months, seed=seed))


def file_hashes(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder``, by relative path."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
