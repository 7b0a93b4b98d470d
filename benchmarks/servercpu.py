"""CPU seconds of a running dashboard server and of its worker processes, read from ``/proc`` (Linux).

The machine the benchmarks run on is shared: wall seconds depend on what else
runs, CPU seconds of the server much less.  ``server_cpu(url)`` finds the
``streamlit run`` process listening on the URL's port and returns
``(server_s, workers_s)``: its own user+system CPU, and that of its live child
processes (the job worker, export workers).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # fields after the command name, from field 3 (state)


def _cpu(pid: int) -> float:
    f = _stat(pid)
    return (int(f[11]) + int(f[12])) / TICKS if f else 0.0  # utime, stime


def server_pid(url: str) -> int | None:
    """The pid of the ``streamlit run`` process started with the URL's port, or ``None``."""
    port = str(urlparse(url).port)
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            args = (d / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"streamlit" in b" ".join(args) and port.encode() in args:
            return int(d.name)
    return None


def children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit() and (f := _stat(int(d.name))) and f[1] == str(pid):
            out.append(int(d.name))
    return out


def server_cpu(url: str) -> tuple[float, float]:
    """``(server CPU s, live children's CPU s)`` of the server on ``url`` (``nan`` when not found)."""
    pid = server_pid(url)
    if pid is None:
        return float("nan"), float("nan")
    kids = children(pid)
    return _cpu(pid), sum(_cpu(k) + sum(_cpu(g) for g in children(k)) for k in kids)


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as ``uptime`` prints them."""
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"
