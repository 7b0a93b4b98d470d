"""``python -m layers init FOLDER``: draft a park.toml for a folder of layer files."""

from __future__ import annotations

import argparse

from ..defaults import MANIFEST_NAME
from ..manifest import draft_manifest

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


def run(args) -> int:
    from pathlib import Path

    folder = Path(args.folder)
    text = draft_manifest(folder)
    target = folder / MANIFEST_NAME
    if target.exists():
        target = folder / DRAFT_NAME
        target.write_text(text, encoding="utf-8")
        print(f"{folder / MANIFEST_NAME} already exists and was left as it is; the draft was written to {target}.")
        print("Compare the two and copy what you need.")
    else:
        target.write_text(text, encoding="utf-8")
        print(f"Wrote {target}. Check every role it guessed, then run: python -m layers check {folder}")
    print()
    print(text)
    return 0
