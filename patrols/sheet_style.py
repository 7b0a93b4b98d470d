"""The look shared by every panel of the patrol sheet: ink colours and shortened names."""

from __future__ import annotations

__all__ = ["INK", "MAX_NAME_CHARS", "MUTED", "shorten"]

INK = "#222222"
MUTED = "#666666"
MAX_NAME_CHARS = 30


def shorten(text: str, n: int = MAX_NAME_CHARS) -> str:
    """``text`` cut to ``n`` characters, the last one an ellipsis when it was longer."""
    text = str(text)
    return text if len(text) <= n else text[: n - 1] + "\u2026"
