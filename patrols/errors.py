"""Exceptions raised by :mod:`patrols`; all derive from :class:`PatrolsError`."""

from __future__ import annotations


class PatrolsError(Exception):
    """Root of every error raised by :mod:`patrols`."""


class InstanceFormatError(PatrolsError, ValueError):
    """An orienteering instance file does not follow the classic format."""


class UnreachableError(PatrolsError, ValueError):
    """A post or target cannot be reached within the budget or over passable ground."""


class ExportError(PatrolsError, OSError):
    """A plan file could not be written."""


class ScenarioError(PatrolsError, ValueError):
    """A scenario file is malformed, or a scenario does not fit the park (unknown post, post outside it)."""
