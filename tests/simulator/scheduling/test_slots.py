"""The slots CSV: round, UTC start and duration, with every problem located."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from simulator.scheduling.csvtable import CsvError
from simulator.scheduling.slots import parse_slots


def test_reads_slots_in_round_and_time_order() -> None:
    text = (
        "round,start,duration_minutes\n"
        "2,2026-12-08T14:00:00Z,90\n"
        "1,2026-12-01T18:30:00Z,60\n"
        "1,2026-12-01T14:00:00+00:00,90\n"
    )
    slots = parse_slots(text)
    assert [(s.round, s.start.hour) for s in slots] == [(1, 14), (1, 18), (2, 14)]
    assert slots[0].start == datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    assert slots[1].duration_minutes == 60


def test_every_problem_is_reported() -> None:
    text = (
        "round,start,duration_minutes\n"
        "0,2026-12-01T14:00:00Z,90\n"
        "1,tomorrow,90\n"
        "1,2026-12-01T14:00:00,5\n"
        "1,2026-12-01T16:00:00Z,90\n"
        "1,2026-12-01T16:00:00Z,60\n"
    )
    with pytest.raises(CsvError) as caught:
        parse_slots(text)
    errors = caught.value.errors
    assert errors[0].startswith("line 2, column round: '0'")
    assert errors[1].startswith("line 3, column start: 'tomorrow'")
    assert errors[2].startswith("line 4, column start:")
    assert errors[3].startswith("line 4, column duration_minutes: '5'")
    assert errors[4] == "line 6, column start: round 1 already has this slot on line 5"
