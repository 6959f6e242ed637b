"""The slots CSV: `round,start,duration_minutes`, the candidate session times of each round."""

from __future__ import annotations

from datetime import UTC, datetime

from simulator.scheduling.csvtable import CsvError, read_rows, row_error
from simulator.scheduling.model import Slot

COLUMNS = ("round", "start", "duration_minutes")
MIN_MINUTES, MAX_MINUTES = 10, 480


def parse_utc(text: str) -> datetime:
    """An ISO 8601 time with an explicit UTC offset (`2026-12-01T14:00:00Z`), as aware UTC."""
    value = datetime.fromisoformat(text.strip().replace("z", "Z"))
    if value.tzinfo is None:
        raise ValueError("no time zone")
    return value.astimezone(UTC)


def parse_slots(data: str | bytes) -> tuple[Slot, ...]:
    """The slots in the file, ordered by round and start, or CsvError listing every problem."""
    rows, errors = read_rows(data, COLUMNS)
    slots: list[Slot] = []
    seen: dict[tuple[int, datetime], int] = {}
    for line, row in rows:
        before = len(errors)
        round_no = _int(row["round"])
        if round_no is None or round_no < 1:
            errors.append(
                row_error(line, "round", f"'{row['round']}' is not a round number (1, 2, ...)")
            )
        try:
            start = parse_utc(row["start"])
        except ValueError:
            start = None
            errors.append(
                row_error(
                    line, "start", f"'{row['start']}' is not a UTC time like 2026-12-01T14:00:00Z"
                )
            )
        minutes = _int(row["duration_minutes"])
        if minutes is None or not MIN_MINUTES <= minutes <= MAX_MINUTES:
            errors.append(
                row_error(
                    line,
                    "duration_minutes",
                    f"'{row['duration_minutes']}' is not a whole number of minutes"
                    f" from {MIN_MINUTES} to {MAX_MINUTES}",
                )
            )
        if len(errors) > before or round_no is None or start is None or minutes is None:
            continue
        if (round_no, start) in seen:
            errors.append(
                row_error(
                    line,
                    "start",
                    f"round {round_no} already has this slot on line {seen[round_no, start]}",
                )
            )
            continue
        seen[round_no, start] = line
        slots.append(Slot(round_no, start, minutes))
    if errors:
        raise CsvError(errors)
    if not slots:
        raise CsvError(["line 1: the file has a header but no slots"])
    return tuple(sorted(slots, key=lambda s: (s.round, s.start)))


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None
