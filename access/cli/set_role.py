"""``python -m access set-role NAME ROLE``."""

from __future__ import annotations

from ..defaults import ROLES
from . import add_common, store


def add_parser(sub) -> None:
    p = sub.add_parser("set-role", help="change a user's role")
    p.add_argument("name")
    p.add_argument("role", choices=ROLES)
    add_common(p)


def run(args) -> int:
    user = store(args).set_role(args.name, args.role)
    print(f"{user.name} is now {user.role}")
    return 0
