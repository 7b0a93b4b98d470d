"""``python -m layers``: check, draft and generate park folders."""

from .cli import main

raise SystemExit(main())
