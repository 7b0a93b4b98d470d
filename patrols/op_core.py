"""Orienteering core shared by the heuristic and the exact solver: instances, solutions, checks.

- :class:`OPInstance` and :func:`read_op_instance`, the classic instance format
  (Tsiligirides 1984; Chao, Golden and Wasil 1996);
- :class:`OPSolution`, what every solver returns;
- :func:`prepare_instance`, the input checks and normal form every solver starts from;
- :func:`route_length`.

The solvers are :func:`patrols.op.solve_op` (iterated local search) and
:func:`patrols.op_exact.solve_op_exact` (MILP); both import this module, which
imports neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import InstanceFormatError, UnreachableError

__all__ = [
    "OPInstance",
    "OPSolution",
    "prepare_instance",
    "read_op_instance",
    "route_length",
]


# --------------------------------------------------------------------------- data


@dataclass
class OPInstance:
    """An orienteering instance read from a file.

    Attributes
    ----------
    budget : float
        Largest allowed route length, in the units of the coordinates.
    coords : (n, 2) float array
        Point coordinates.
    scores : (n,) float array
        Score of each point (the start and end usually score 0).
    start, end : int
        0-based indices of the start and end points (0 and 1 in the classic format).
    name : str
        The file's stem.
    """

    budget: float
    coords: np.ndarray
    scores: np.ndarray
    start: int = 0
    end: int = 1
    name: str = ""

    def distance_matrix(self) -> np.ndarray:
        """Euclidean distances between all points, shape ``(n, n)``."""
        diff = self.coords[:, None, :] - self.coords[None, :, :]
        return np.sqrt((diff**2).sum(axis=-1))


@dataclass
class OPSolution:
    """A route and what it collects.

    Attributes
    ----------
    route : list of int
        Node indices from ``start`` to ``end`` (for a closed route, the start
        appears first and last). No node other than a closed route's start repeats.
    score : float
        Total (effective) score of the visited nodes; the start and end count once.
    length : float
        Route length, in the units of the distance matrix.
    optimal : bool
        True when the route was proven optimal (exact mode only).
    """

    route: list[int]
    score: float
    length: float
    optimal: bool = False


def _num(token: str, path: Path, lineno: int) -> float:
    try:
        value = float(token)
    except ValueError:
        raise InstanceFormatError(
            f"{path}: line {lineno}: {token!r} is not a number; each point line must be 'x y score'."
        ) from None
    if not np.isfinite(value):
        raise InstanceFormatError(f"{path}: line {lineno}: {token!r} is not a finite number; fix the value.")
    return value


def read_op_instance(path: str | Path) -> OPInstance:
    """Read an orienteering instance in the classic format.

    The first line holds ``Tmax P`` (the budget and the number of routes, which
    must be 1); every following non-empty line holds ``x y score`` for one point.
    Point 1 is the start, point 2 the end; distances are Euclidean. Lines starting
    with ``#`` are ignored.

    Parameters
    ----------
    path : str or Path
        The instance file.

    Returns
    -------
    OPInstance
        With ``start=0`` and ``end=1``.

    Raises
    ------
    InstanceFormatError
        When the file is missing, unreadable, or not in the format; the message
        names the file and line.

    Examples
    --------
    A file holding ``"10 1\\n0 0 0\\n0 0 0\\n3 4 7\\n"`` gives ``budget=10`` and three points.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InstanceFormatError(f"{path}: file not found; give the path of an instance file.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InstanceFormatError(f"{path}: cannot read the file as text ({exc}).") from None
    lines = [(i + 1, ln.split()) for i, ln in enumerate(text.splitlines())]
    lines = [(i, toks) for i, toks in lines if toks and not toks[0].startswith("#")]
    if not lines:
        raise InstanceFormatError(f"{path}: the file is empty; the first line must be 'Tmax P'.")
    head_no, head = lines[0]
    if len(head) not in (1, 2):
        raise InstanceFormatError(
            f"{path}: line {head_no}: expected 'Tmax P' (budget and number of routes), got {len(head)} values."
        )
    budget = _num(head[0], path, head_no)
    if budget < 0:
        raise InstanceFormatError(f"{path}: line {head_no}: the budget Tmax is negative ({budget}); it must be >= 0.")
    if len(head) == 2:
        paths = _num(head[1], path, head_no)
        if paths != 1:
            raise InstanceFormatError(
                f"{path}: line {head_no}: P = {head[1]} routes; only single-route instances (P = 1) are supported."
            )
    rows = []
    for lineno, toks in lines[1:]:
        if len(toks) != 3:
            raise InstanceFormatError(f"{path}: line {lineno}: expected 3 values 'x y score', got {len(toks)}.")
        x, y, s = (_num(t, path, lineno) for t in toks)
        if s < 0:
            raise InstanceFormatError(f"{path}: line {lineno}: score {s} is negative; scores must be >= 0.")
        rows.append((x, y, s))
    if len(rows) < 2:
        raise InstanceFormatError(
            f"{path}: {len(rows)} point line(s); an instance needs at least the start and end points."
        )
    arr = np.asarray(rows, dtype=float)
    return OPInstance(budget=budget, coords=arr[:, :2].copy(), scores=arr[:, 2].copy(), start=0, end=1, name=path.stem)


def route_length(dist: np.ndarray, route: list[int] | np.ndarray) -> float:
    """Length of ``route`` (a node sequence) under the distance matrix ``dist``."""
    r = np.asarray(route, dtype=int)
    if len(r) < 2:
        return 0.0
    return float(np.asarray(dist, dtype=float)[r[:-1], r[1:]].sum())


# --------------------------------------------------------------------------- validation


def prepare_instance(
    dist: np.ndarray,
    scores: np.ndarray,
    budget: float,
    start: int,
    end: int | None,
    saturation: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, float, int, int, bool]:
    """Check the inputs of an orienteering solver and bring them to one form.

    Parameters
    ----------
    dist, scores, budget, start, end, saturation
        As in :func:`patrols.op.solve_op`.

    Returns
    -------
    tuple
        ``(D, s, budget, start, end, closed)``: a float copy of ``dist`` with a
        zero diagonal, the effective scores ``scores * (1 - saturation)``, the
        budget as a float, the start and end indices (``end = start`` for a
        closed route) and whether the route is closed.

    Raises
    ------
    UnreachableError
        When the end cannot be reached from the start within the budget.
    ValueError
        When the inputs have wrong shapes or values.
    """
    D = np.array(dist, dtype=float)
    if D.ndim != 2 or D.shape[0] != D.shape[1]:
        raise ValueError(f"dist must be a square (n, n) matrix, got shape {D.shape}.")
    n = D.shape[0]
    s = np.asarray(scores, dtype=float).reshape(-1)
    if s.shape != (n,):
        raise ValueError(f"scores has {s.size} values but dist is {n} x {n}; give one score per node.")
    if np.isnan(D).any() or (D < 0).any():
        raise ValueError("dist holds NaN or negative values; distances must be >= 0 (np.inf for no path).")
    if not np.all(np.isfinite(s)) or (s < 0).any():
        raise ValueError("scores must be finite and >= 0.")
    if saturation is not None:
        sat = np.asarray(saturation, dtype=float).reshape(-1)
        if sat.shape != (n,) or np.isnan(sat).any() or (sat < 0).any() or (sat > 1).any():
            raise ValueError("saturation must hold one value in [0, 1] per node (the share already collected).")
        s = s * (1.0 - sat)
    budget = float(budget)
    if not np.isfinite(budget) or budget < 0:
        raise ValueError(f"budget must be a finite number >= 0, got {budget}.")
    start = int(start)
    end = start if end is None else int(end)
    for name, v in (("start", start), ("end", end)):
        if not 0 <= v < n:
            raise ValueError(f"{name}={v} is not a node index in 0..{n - 1}.")
    closed = end == start
    np.fill_diagonal(D, 0.0)
    if not closed and D[start, end] > budget:
        raise UnreachableError(
            f"the end node {end} is {D[start, end]:.6g} away from the start node {start}, "
            f"beyond the budget {budget:.6g}; raise the budget or choose another end."
        )
    return D, s, budget, start, end, closed
