"""Command-line interface of :mod:`layers`: one module per subcommand.

Each subcommand module exposes ``add_parser(subparsers)`` and ``run(args) -> int``.
:func:`dispatch` is shared by the ``riskmodel`` and ``patrols`` command lines.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable

from ..errors import LayersError

SUBCOMMANDS = ("check", "init", "demo", "import_")


def dispatch(
    prog: str,
    description: str,
    package: str,
    subcommands: tuple[str, ...],
    errors: tuple[type[BaseException], ...],
    argv: list[str] | None = None,
) -> int:
    """Parse ``argv`` and run the chosen subcommand of ``package``.

    Subcommand modules live in ``package`` under the names in ``subcommands``;
    a hyphenated command (``solve-op``) runs the module with underscores
    (``solve_op``).  An error of one of the ``errors`` types is printed as
    ``error: <message>`` and gives exit code 2, without a traceback.
    """
    parser = argparse.ArgumentParser(prog=prog, description=description)
    sub = parser.add_subparsers(dest="command", required=True)
    modules = {}
    for name in subcommands:
        module = importlib.import_module(f"{package}.{name}")
        module.add_parser(sub)
        modules[name] = module
    args = parser.parse_args(argv)
    try:
        key = args.command.replace("-", "_")
        module = modules.get(key) or modules[key + "_"]  # a command named by a keyword lives in "<name>_"
        return int(module.run(args) or 0)
    except errors as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def progress_printer() -> Callable[[float, str], None]:
    """A ``progress(fraction, message)`` for long-running subcommands, writing to stderr.

    In a terminal one status line is rewritten in place (and ended when the
    work is done); in a log or a pipe each new message gets its own line.
    """
    last: list[str | None] = [None]
    live = sys.stderr.isatty()

    def progress(fraction: float, message: str) -> None:
        line = f"[{fraction * 100:3.0f}%] {message}"
        if live:
            print(f"\r{line:<79}", end="\n" if fraction >= 1 else "", file=sys.stderr, flush=True)
        elif message != last[0]:
            print(line, file=sys.stderr, flush=True)
        last[0] = message

    return progress


def main(argv: list[str] | None = None) -> int:
    """``python -m layers``: check, draft and generate park folders."""
    return dispatch(
        "python -m layers", "Check, draft and generate park folders.", __name__, SUBCOMMANDS, (LayersError,), argv
    )
