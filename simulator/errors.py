"""Exceptions raised by :mod:`simulator`; all derive from :class:`SimulatorError`.

Leaves also derive from a built-in where one fits, so callers may catch
either.  Every message says what was wrong and how to fix it.
"""

from __future__ import annotations


class SimulatorError(Exception):
    """Root of every error raised by :mod:`simulator`."""


class SettingsError(SimulatorError, ValueError):
    """A setting of a simulated park is out of range (behaviour, area, cell size, months, count)."""


class BoundaryFileError(SimulatorError, OSError):
    """The user's boundary file cannot be read or holds no polygon."""
