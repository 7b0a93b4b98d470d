"""Command line of :mod:`access`: ``python -m access add|remove|set-role|set-password|set-access|list``.

Passwords are read from a prompt (twice) or, with ``--password-stdin``, from the
first line of standard input; never from the command line, where other
accounts could read them in the process list.
"""

from __future__ import annotations

import getpass
import sys

from layers.cli import dispatch

from ..errors import AccessError, UserError

SUBCOMMANDS = ("add", "remove", "set_role", "set_password", "set_access", "list")


def add_common(parser) -> None:
    """``--users FILE`` (default ``$PATROL_USERS_FILE`` or ``~/.config/rhino-patrol/users.json``)."""
    parser.add_argument(
        "--users",
        default=None,
        help="the users file (default: $PATROL_USERS_FILE or ~/.config/rhino-patrol/users.json)",
    )


def add_password_option(parser) -> None:
    parser.add_argument(
        "--password-stdin", action="store_true", help="read the password from the first line of standard input"
    )


def store(args):
    from ..users import UserStore

    return UserStore(args.users) if args.users else UserStore()


def read_password(args) -> str:
    """The new password: from stdin with ``--password-stdin``, else asked twice at a prompt."""
    if args.password_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise UserError("No password on standard input. Fix: echo the password into the command, one line")
        return line
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise UserError("The two passwords differ. Fix: type the same password twice")
    return first


def main(argv: list[str] | None = None) -> int:
    """``python -m access``: manage the users of the offline sign-in."""
    return dispatch(
        "python -m access",
        "Manage the users of the offline sign-in (the users file).",
        __name__,
        SUBCOMMANDS,
        (AccessError,),
        argv,
    )
