"""``python -m layers init FOLDER``: draft a park.toml for a folder of layer files."""

from __future__ import annotations

import argparse

from ..defaults import MANIFEST_NAME
from ..draft import draft_manifest
from ..errors import LayersError

DRAFT_NAME = "park.draft.toml"


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "init",
        help="draft a park.toml by guessing the role of each file",
        description="Draft a park.toml for a folder of layer files. An existing park.toml "
        f"is never overwritten: the draft then goes to {DRAFT_NAME}.",
    )
    p.add_argument("folder", help="folder holding the park's layer files")
    return p


def _draft_target(folder, text: str):
    """Where to write the draft: a free name, never a symlink, never over a draft that differs (an edited one)."""
    for i in range(1, 100):
        path = folder / (DRAFT_NAME if i == 1 else f"park.draft-{i}.toml")
        if path.is_symlink():
            continue
        if not path.exists():
            return path, False
        try:
            if path.read_text(encoding="utf-8") == text:
                return path, True
        except (OSError, UnicodeDecodeError):
            continue
    raise LayersError(f"{folder}: 99 drafts are already there. Fix: remove the park.draft-*.toml files you do not need")


def _write_new(path, text: str) -> None:
    """Create ``path`` (fails if anything, even a dangling link, is there: nothing is written through a link)."""
    with open(path, "x", encoding="utf-8") as f:
        f.write(text)


def run(args) -> int:
    from pathlib import Path

    folder = Path(args.folder)
    if not folder.is_dir():
        raise LayersError(f"{folder}: not a folder. Fix: give the folder holding the park's layer files")
    text = draft_manifest(folder)
    target = folder / MANIFEST_NAME
    if target.exists() or target.is_symlink():
        draft, same = _draft_target(folder, text)
        if not same:
            _write_new(draft, text)
        print(f"{target} already exists and was left as it is; the draft is in {draft}.")
        print("Compare the two and copy what you need.")
    else:
        try:
            _write_new(target, text)
        except FileExistsError:
            raise LayersError(f"{target}: appeared while drafting; left as it is. Fix: run init again") from None
        print(f"Wrote {target}. Check every role it guessed, then run: python -m layers check {folder}")
    print()
    print(text)
    return 0
