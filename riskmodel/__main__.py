"""``python -m riskmodel``."""

from .cli import main

raise SystemExit(main())
