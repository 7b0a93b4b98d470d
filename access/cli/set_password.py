"""``python -m access set-password NAME``: a new password (asked at a prompt); lifts a lock-out."""

from __future__ import annotations

from . import add_common, add_password_option, read_password, store


def add_parser(sub) -> None:
    p = sub.add_parser("set-password", help="set a new password (and lift a lock-out)")
    p.add_argument("name")
    add_password_option(p)
    add_common(p)


def run(args) -> int:
    s = store(args)
    s.get(args.name)  # an unknown name fails before the prompt
    s.set_password(args.name, read_password(args))
    print(f"new password set for {args.name}")
    return 0
