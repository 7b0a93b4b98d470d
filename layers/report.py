"""The load report: what loaded, what was repaired, what was rejected and why."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import numpy as np

from .defaults import COL_SOURCE_ROW

FATAL = "fatal"  # the park cannot be loaded
ERROR = "error"  # a row or a whole optional layer was rejected; the rest loads
WARNING = "warning"  # something was repaired or looks suspicious; data kept
INFO = "info"

SEVERITIES = (FATAL, ERROR, WARNING, INFO)
MAX_LISTED_ROWS = 50  # rows listed one by one per check and layer; the rest are counted


@dataclass
class Problem:
    """One finding of the checks.

    ``row`` is the 1-based record number in ``file`` (``None`` for a problem
    with the whole file); ``fix`` tells the user what to do.
    """

    severity: str
    layer: str
    file: str | None
    message: str
    fix: str = ""
    row: int | None = None
    check: str = ""  # machine-readable name of the check, e.g. "missing_crs"

    def __str__(self) -> str:
        where = self.file or self.layer
        if self.row is not None:
            where += f", row {self.row}"
        text = f"[{self.severity}] {self.layer}: {where}: {self.message}"
        return text + (f" Fix: {self.fix}" if self.fix else "")


@dataclass
class LayerSummary:
    """How many records of a layer were read and kept."""

    layer: str
    file: str
    read: int
    kept: int
    crs: str = ""
    geometry: str = ""


@dataclass
class LoadReport:
    """Every problem found while loading a park, and a summary per layer."""

    park: str = ""
    problems: list[Problem] = field(default_factory=list)
    layers: list[LayerSummary] = field(default_factory=list)

    def add(self, severity: str, layer: str, file, message: str, fix: str = "", row=None, check: str = "") -> Problem:
        if severity not in SEVERITIES:
            raise ValueError(f"unknown severity {severity!r}")
        problem = Problem(severity, layer, None if file is None else str(file), message, fix, row, check)
        self.problems.append(problem)
        return problem

    @property
    def fatal(self) -> bool:
        return any(p.severity == FATAL for p in self.problems)

    def by_severity(self, severity: str) -> list[Problem]:
        return [p for p in self.problems if p.severity == severity]

    def to_dict(self) -> dict:
        return {
            "park": self.park,
            "fatal": self.fatal,
            "layers": [asdict(s) for s in self.layers],
            "problems": [asdict(p) for p in self.problems],
        }

    def to_json(self, indent: int = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, default=str)

    def to_text(self) -> str:
        lines = [f"Park: {self.park}"]
        for s in self.layers:
            lines.append(f"  {s.layer:<22} {s.kept:>8} of {s.read:<8} kept  ({s.file}; {s.geometry}; {s.crs})")
        counts = {sev: len(self.by_severity(sev)) for sev in SEVERITIES}
        lines.append("Problems: " + ", ".join(f"{n} {sev}" for sev, n in counts.items()))
        lines.extend("  " + str(p) for p in self.problems)
        lines.append("FATAL: the park cannot be loaded." if self.fatal else "OK: no fatal problem.")
        return "\n".join(lines)


def report_rows(
    report: LoadReport,
    severity: str,
    layer: str,
    file,
    rows,
    message: str,
    fix: str = "",
    check: str = "",
    limit: int = MAX_LISTED_ROWS,
) -> None:
    """Add one problem per row (up to ``limit``), then one summary of the rows left over."""
    rows = [int(r) for r in np.asarray(rows).ravel()]
    for r in rows[:limit]:
        report.add(severity, layer, file, message, fix, row=r, check=check)
    if len(rows) > limit:
        rest = rows[limit:]
        report.add(
            severity,
            layer,
            file,
            f"{len(rest)} more rows (from row {rest[0]} to row {rest[-1]}): {message}",
            fix,
            check=check,
        )


def source_rows(gdf, mask) -> np.ndarray:
    """The 1-based source rows (``COL_SOURCE_ROW``, else the position) of the rows of ``gdf`` where ``mask`` holds."""
    if COL_SOURCE_ROW in gdf.columns:
        return gdf.loc[mask, COL_SOURCE_ROW].to_numpy()
    return np.flatnonzero(np.asarray(mask)) + 1
