"""Weekly availability windows in a person's wall-clock time, and whether a session fits one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60
_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_WINDOW = re.compile(
    r"^(?P<days>[A-Za-z,\- ]+?)\s+(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})$"
)


class AvailabilityError(ValueError):
    """The availability text is not in the `Mon-Fri 18:00-22:00; Sat 09:00-13:00` form."""


@dataclass(frozen=True, order=True)
class Window:
    """One weekly window: a weekday (0 = Monday) and minutes after local midnight.

    `end` may pass 1440 when the window runs past midnight (`Fri 22:00-01:00`).
    """

    day: int
    start: int
    end: int

    def __str__(self) -> str:
        end = self.end - DAY_MINUTES if self.end > DAY_MINUTES else self.end
        return f"{DAYS[self.day].title()} {_clock(self.start)}-{_clock(end)}"


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minutes(text: str, *, allow_24: bool) -> int:
    hours, mins = (int(part) for part in text.split(":"))
    if mins > 59 or hours > 24 or (hours == 24 and (mins or not allow_24)):
        raise AvailabilityError(f"'{text}' is not a time of day (use 00:00 to 23:59)")
    return hours * 60 + mins


def _day(text: str) -> int:
    name = text.strip().lower()
    for index, short in enumerate(DAYS):
        if name in (short, _FULL_DAYS[index]):
            return index
    raise AvailabilityError(
        f"'{text.strip()}' is not a day (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)"
    )


def _days(text: str) -> list[int]:
    days: list[int] = []
    for part in text.split(","):
        if "-" in part:
            first, _, last = part.partition("-")
            a, b = _day(first), _day(last)
            days.extend((a + i) % 7 for i in range((b - a) % 7 + 1))
        else:
            days.append(_day(part))
    return days


def parse_availability(text: str) -> tuple[Window, ...]:
    """Windows from `Mon-Fri 18:00-22:00; Sat 09:00-13:00`; empty text means any time."""
    windows: list[Window] = []
    for raw in text.split(";"):
        item = raw.strip()
        if not item:
            continue
        match = _WINDOW.match(item)
        if match is None:
            raise AvailabilityError(
                f"'{item}' is not a window; write days and times like 'Mon-Fri 18:00-22:00'"
            )
        start = _minutes(match["start"], allow_24=False)
        end = _minutes(match["end"], allow_24=True)
        if end == start:
            raise AvailabilityError(f"'{item}' is empty: the window starts when it ends")
        if end < start:
            end += DAY_MINUTES
        windows.extend(Window(day, start, end) for day in _days(match["days"]))
    return tuple(sorted(set(windows)))


def format_availability(windows: tuple[Window, ...]) -> str:
    """The windows written back as roster text (one day per window)."""
    return "; ".join(str(w) for w in windows)


def _wall_to_utc(day_start: datetime, minutes: int, tz: ZoneInfo, *, late: bool) -> datetime:
    """A wall-clock time `minutes` after a local midnight, as UTC.

    A time that happens twice (clocks going back) is read early for an opening and late for a
    closing (`late`); a time that never happens (the hour skipped when clocks go forward) is read
    with the offset in force before the change, which lands just after the jump.
    """
    wall = day_start + timedelta(minutes=minutes)
    first = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    second = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) != wall:
        return first
    return max(first, second) if late else min(first, second)


@lru_cache(maxsize=200_000)
def fits(windows: tuple[Window, ...], tz_name: str, start: datetime, minutes: int) -> bool:
    """Whether a session of `minutes` from `start` (UTC) lies wholly inside one window."""
    if not windows:
        return True
    tz = ZoneInfo(tz_name)
    start = start.astimezone(UTC)
    end = start + timedelta(minutes=minutes)
    local_date = start.astimezone(tz).date()
    for back in (0, 1):
        date = local_date - timedelta(days=back)
        midnight = datetime(date.year, date.month, date.day)
        for window in windows:
            if window.day != date.weekday():
                continue
            opens = _wall_to_utc(midnight, window.start, tz, late=False)
            closes = _wall_to_utc(midnight, window.end, tz, late=True)
            if opens <= start and end <= closes:
                return True
    return False
