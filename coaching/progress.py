"""A trainee's progress over their sessions: levels per criterion, practice and people met."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, NamedTuple

__all__ = ["ROLE_KINDS", "LevelPoint", "Progress", "RoleKind", "SessionRecord", "trainee_progress"]

RoleKind = Literal["mediator", "party", "observer"]
ROLE_KINDS: tuple[RoleKind, ...] = ("mediator", "party", "observer")


@dataclass(frozen=True)
class SessionRecord:
    """One session in a trainee's history, as the pure logic needs it."""

    start: datetime
    role_kind: RoleKind
    minutes: int
    attended: bool
    # published levels by criterion id (the mean when several coaches published); None: unscored
    scores: Mapping[str, float | None] = field(default_factory=dict)
    coaches: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()  # of the other trainees in the group

    @property
    def scored(self) -> bool:
        """Whether any criterion has a published level."""
        return any(level is not None for level in self.scores.values())


class LevelPoint(NamedTuple):
    """A published level on one criterion at one session."""

    start: datetime
    level: float


@dataclass(frozen=True)
class Progress:
    """What a trainee has done so far and how their levels moved."""

    series: dict[str, tuple[LevelPoint, ...]]  # criterion id -> points in date order
    latest: dict[str, float]  # criterion id -> the most recent published level
    sessions_by_role: dict[RoleKind, int]
    hours: float
    coaches: tuple[str, ...]
    countries: tuple[str, ...]


def trainee_progress(history: Iterable[SessionRecord]) -> Progress:
    """Summarise a trainee's history; only attended sessions count as practice."""
    records = sorted(history, key=lambda record: record.start)
    series: dict[str, list[LevelPoint]] = {}
    for record in records:
        for criterion, level in record.scores.items():
            if level is not None:
                series.setdefault(criterion, []).append(LevelPoint(record.start, level))
    attended = [record for record in records if record.attended]
    return Progress(
        series={criterion: tuple(points) for criterion, points in series.items()},
        latest={criterion: points[-1].level for criterion, points in series.items()},
        sessions_by_role={
            kind: sum(record.role_kind == kind for record in attended) for kind in ROLE_KINDS
        },
        hours=sum(record.minutes for record in attended) / 60,
        coaches=tuple(sorted({coach for record in attended for coach in record.coaches})),
        countries=tuple(sorted({country for record in attended for country in record.countries})),
    )
