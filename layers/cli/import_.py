"""``python -m layers import PARK FILE... [--as incidents|patrols] [--dry-run]``: add field exports to the park store."""

from __future__ import annotations

import argparse

from ..defaults import TRANSPORT_TYPES
from ..fieldimport import FORMATS, KINDS, import_files
from . import progress_printer


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "import",
        help="import SMART, EarthRanger, GPX, KML, GeoJSON or CyberTracker exports into the park store",
        description="Import field exports into the park's store (store.gpkg in the park folder); the park's own "
        "files are never changed. Records already in the store (same source id, or the same type within a "
        "minute and 50 m; the same patrol's GPS fixes) are merged, not added twice. Formats, detected from the "
        "content: " + "; ".join(FORMATS.values()) + ". Exit status 0 when every file was read, 1 otherwise.",
    )
    p.add_argument("park", help="park folder holding park.toml")
    p.add_argument("files", nargs="+", help="export files to import")
    p.add_argument("--as", dest="kind", choices=KINDS, default=None, help="import every file as this kind")
    p.add_argument("--dry-run", action="store_true", help="report what would be added, write nothing")
    p.add_argument(
        "--transport", choices=TRANSPORT_TYPES, default=None, help="transport of tracks whose file does not say"
    )
    p.add_argument("--user", default=None, help="who imports (default: the login name)")
    return p


def run(args) -> int:
    result = import_files(
        args.park,
        args.files,
        kind=args.kind,
        dry_run=args.dry_run,
        user=args.user,
        transport=args.transport,
        progress=progress_printer(),
    )
    print(result.to_text())
    return 1 if result.failed else 0
