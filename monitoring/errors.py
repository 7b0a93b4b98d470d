"""Exceptions raised by :mod:`monitoring`; all derive from :class:`MonitoringError`.

Files are read in :mod:`monitoring.register` and :mod:`monitoring.mike`; the
errors of pandas and pyogrio are translated there, and every message names the
file, the row where there is one, and the fix.
"""

from __future__ import annotations


class MonitoringError(Exception):
    """Root of every error raised by :mod:`monitoring`."""


class RegisterError(MonitoringError, ValueError):
    """The case table or the sections layer of a park cannot be read or makes no sense."""


class MikeError(MonitoringError, ValueError):
    """The CITES MIKE carcass table cannot be read or lacks a column."""


class ReportError(MonitoringError, ValueError):
    """A report or an export cannot be made (no data in the month, a bad month, a bad option)."""


class EditError(MonitoringError, ValueError):
    """A register edit names a table, record or field that does not exist, or a bad value."""
