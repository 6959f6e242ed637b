"""The scenario engine: mixes a cohort into new groups, round after round, across time zones.

Pure functions over plain data: `build_schedule` takes people, slots and cases and returns a
`Schedule`; the CSV readers, the schedule JSON and the metrics sit beside it.
"""

from __future__ import annotations

from simulator.scheduling.engine import build_schedule
from simulator.scheduling.model import (
    CaseSpec,
    History,
    Lock,
    Person,
    Schedule,
    Seat,
    Session,
    Slot,
    Unassigned,
)

__all__ = [
    "CaseSpec",
    "History",
    "Lock",
    "Person",
    "Schedule",
    "Seat",
    "Session",
    "Slot",
    "Unassigned",
    "build_schedule",
]
