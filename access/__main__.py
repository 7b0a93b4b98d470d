"""``python -m access``: manage the users of the offline sign-in."""

from .cli import main

raise SystemExit(main())
