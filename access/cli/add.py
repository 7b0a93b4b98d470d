"""``python -m access add NAME --role ROLE [--post P]... [--park FOLDER]...``: a new user."""

from __future__ import annotations

from ..defaults import ROLES
from . import add_common, add_password_option, read_password, store


def add_parser(sub) -> None:
    p = sub.add_parser("add", help="add a user (the password is asked at a prompt)")
    p.add_argument("name", help="user name: lower case letters, digits, . _ -")
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument("--post", action="append", default=[], help="a ranger post the user belongs to (repeat)")
    p.add_argument("--park", action="append", default=[], help="a park folder the user may open (repeat; * = all)")
    p.add_argument("--display", default="", help="the name shown in the app")
    p.add_argument("--email", default="", help="the e-mail of the user's OpenID Connect sign-in (online)")
    add_password_option(p)
    add_common(p)


def run(args) -> int:
    user = store(args).add(
        args.name,
        read_password(args),
        args.role,
        posts=args.post,
        parks=args.park,
        display=args.display,
        email=args.email,
    )
    print(f"added {user.name}: {user.role}, posts {', '.join(user.posts) or '-'}, parks {', '.join(user.parks) or '-'}")
    return 0
