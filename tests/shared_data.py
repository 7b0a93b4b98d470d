"""Where the real public field files live (``../shared/data`` beside the repository).

CI clones the repository with a copy of ``shared/`` beside it; set ``SHARED_DATA`` to
point elsewhere.  Tests that need these files skip, saying why, when the folder is missing.
"""

from __future__ import annotations

import os
from pathlib import Path

_REPO = Path(__file__).resolve().parents[1]


def shared_data() -> Path:
    """The shared data folder: ``$SHARED_DATA`` when set, else ``../shared/data`` beside the repository."""
    env = os.environ.get("SHARED_DATA")
    return Path(env) if env else _REPO.parent / "shared" / "data"


SHARED_DATA = shared_data()
