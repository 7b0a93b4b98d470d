"""``python -m monitoring``: the monthly report, indicators, MIKE PIKE and the seizure-sharing export."""

from .cli import main

raise SystemExit(main())
