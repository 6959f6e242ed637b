"""Time helpers: the database holds aware UTC; people see their own zone."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Aware UTC; a naive value is taken to be UTC already."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iso_utc(value: datetime) -> str:
    """ISO 8601 with a Z, as the contracts write times."""
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def zone(name: str) -> ZoneInfo:
    """The named zone, or UTC when the name is unknown (profiles are validated on save)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def is_valid_timezone(name: str) -> bool:
    return name in timezone_names()


@cache
def timezone_names() -> frozenset[str]:
    """Every IANA zone name known here (read once: it walks the tz database)."""
    return frozenset(available_timezones())


def local(value: datetime, tz_name: str) -> datetime:
    """A stored UTC time in the named zone."""
    return as_utc(value).astimezone(zone(tz_name))
