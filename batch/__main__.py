"""``python -m batch``."""

from .cli import main

if __name__ == "__main__":  # not when a local cluster's worker process re-imports the main module
    raise SystemExit(main())
