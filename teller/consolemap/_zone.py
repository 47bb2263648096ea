"""A console's time zone, by its IANA name or ``local`` (the machine's)."""

from __future__ import annotations

from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from teller._errors import ConfigError

__all__ = ["console_zone"]


def console_zone(name: str) -> tzinfo:
    """The zone ``name`` names; ``local`` is this machine's own."""
    if name == "local":
        zone = datetime.now().astimezone().tzinfo
        assert zone is not None
        return zone
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError("console map", f"payments.zone: no time zone {name!r}") from None
