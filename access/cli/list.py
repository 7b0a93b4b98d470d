"""``python -m access list [--json]``: the users, their roles, posts, parks and lock-outs (no hashes)."""

from __future__ import annotations

import json

from . import add_common, store


def add_parser(sub) -> None:
    p = sub.add_parser("list", help="list the users")
    p.add_argument("--json", action="store_true", help="print JSON")
    add_common(p)


def run(args) -> int:
    s = store(args)
    rows = []
    for u in s.users():
        st = s.status(u.name)
        rows.append({"name": u.name, "role": u.role, "posts": list(u.posts), "parks": list(u.parks), **st})
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    print(f"{len(rows)} users in {s.path}")
    for r in rows:
        lock = f", locked until {r['locked_until']}" if r["locked_until"] else ""
        print(
            f"  {r['name']}: {r['role']}; posts {', '.join(r['posts']) or '-'}; parks {', '.join(r['parks']) or '-'}{lock}"
        )
    return 0
