"""Exceptions raised by :mod:`layers`.

Every error derives from :class:`LayersError`; leaves also derive from a
built-in where one fits, so callers may catch either.  Third-party errors
(GDAL, pyogrio, rasterio, tomllib) are translated where files are read, and
every message names the file and, where there is one, the row, and says what
to do about it.
"""

from __future__ import annotations


class LayersError(Exception):
    """Root of every error raised by :mod:`layers`."""


class ManifestError(LayersError, ValueError):
    """``park.toml`` is missing, unparseable or names something impossible."""


class LayerReadError(LayersError, OSError):
    """A layer file could not be opened or parsed at all."""


class FatalLoadError(LayersError):
    """A park cannot be loaded (no usable boundary, unreadable required file).

    The load report that led to the failure is kept in ``report`` so the
    caller can show every problem found, not only the first.
    """

    def __init__(self, message: str, report=None):
        super().__init__(message)
        self.report = report


class GridError(LayersError, ValueError):
    """An analysis grid cannot be built or an array does not fit it."""


class StoreError(LayersError):
    """The park store cannot be opened or written (not a store, a symlink, a park input, a full disk)."""
