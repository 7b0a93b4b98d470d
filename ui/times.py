"""Times as the park's people read them: in the park's time zone (park.toml ``[park] timezone``), zone named."""

from __future__ import annotations

from ui import maps


def park_zone(park) -> str:
    """The time zone a park's times are shown in (a loaded Park or a ParkView): ``[park] timezone``, else UTC."""
    manifest = getattr(park, "manifest", None)
    return str(getattr(manifest, "timezone", None) or getattr(park, "timezone", None) or "UTC")


def made_text(updated, park) -> str:
    """When kept work was made, in the park's time zone (``2026-05-03 14:20 EAT``)."""
    return maps.local_time_text(updated, park_zone(park))
