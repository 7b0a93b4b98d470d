"""``python -m patrols``."""

from .cli import main

raise SystemExit(main())
