"""``python -m access set-access NAME [--post P]... [--park FOLDER]...``: replace posts and/or parks."""

from __future__ import annotations

from . import add_common, store


def add_parser(sub) -> None:
    p = sub.add_parser("set-access", help="replace the posts and/or park folders of a user")
    p.add_argument("name")
    p.add_argument("--post", action="append", default=None, help="a ranger post (repeat; replaces the list)")
    p.add_argument("--park", action="append", default=None, help="a park folder (repeat; * = all; replaces the list)")
    add_common(p)


def run(args) -> int:
    user = store(args).set_access(args.name, posts=args.post, parks=args.park)
    print(f"{user.name}: posts {', '.join(user.posts) or '-'}, parks {', '.join(user.parks) or '-'}")
    return 0
