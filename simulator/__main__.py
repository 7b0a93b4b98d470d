"""``python -m simulator``: write simulated park folders."""

from .cli import main

raise SystemExit(main())
