"""Exceptions raised by :mod:`riskmodel`; all derive from :class:`RiskModelError`."""

from __future__ import annotations


class RiskModelError(Exception):
    """Root of every error raised by :mod:`riskmodel`."""


class NotEnoughDataError(RiskModelError, ValueError):
    """Too few periods, cells or incidents before the cut-off date to fit a model."""


class TruthError(RiskModelError, OSError):
    """A park's ``truth/`` folder is missing a file or does not match the park."""
