"""``python -m access remove NAME``."""

from __future__ import annotations

from . import add_common, store


def add_parser(sub) -> None:
    p = sub.add_parser("remove", help="remove a user")
    p.add_argument("name")
    add_common(p)


def run(args) -> int:
    store(args).remove(args.name)
    print(f"removed {args.name}")
    return 0
