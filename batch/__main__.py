"""``python -m batch``."""

from .cli import main

raise SystemExit(main())
