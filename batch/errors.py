"""Errors of :mod:`batch`: one root, :class:`BatchError`."""

from __future__ import annotations


class BatchError(Exception):
    """Root of the batch runner's errors (bad options, no parks, an unreachable scheduler)."""


class SchedulerError(BatchError):
    """The Dask scheduler given by ``--scheduler`` cannot be reached, or a local cluster cannot start."""
