"""The engine's plain data: people, slots, cases, the schedule it returns, and what it must respect."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from simulator.scheduling.availability import Window

EXPERIENCE_LEVELS = ("new", "intermediate", "advanced")
OBSERVER = "observer"


@dataclass(frozen=True)
class Person:
    """A trainee or a coach as the roster describes them; empty availability means any time."""

    id: str
    name: str = ""
    email: str = ""
    role: str = "trainee"
    timezone: str = "UTC"
    country: str = ""
    languages: tuple[str, ...] = ("en",)
    experience: str = "new"
    availability: tuple[Window, ...] = ()

    @property
    def is_coach(self) -> bool:
        return self.role == "coach"


@dataclass(frozen=True)
class Slot:
    """A candidate start time for a round's sessions (aware UTC)."""

    round: int
    start: datetime
    duration_minutes: int = 90


@dataclass(frozen=True)
class CaseSpec:
    """What the engine needs of a case: its roles as (role_id, kind, optional) and its languages."""

    id: str
    roles: tuple[tuple[str, str, bool], ...]
    languages: tuple[str, ...] = ()

    def role_ids(self, kind: str, *, optional: bool | None = None) -> tuple[str, ...]:
        return tuple(
            rid
            for rid, rkind, ropt in self.roles
            if rkind == kind and (optional is None or ropt == optional)
        )

    @classmethod
    def from_case(cls, case: Any) -> CaseSpec:
        """The spec of a loaded case file (anything with id, roles and languages)."""
        roles = tuple((r.id, str(r.kind), bool(getattr(r, "optional", False))) for r in case.roles)
        return cls(case.id, roles, tuple(case.languages))

    @property
    def min_size(self) -> int:
        """Mediators plus required parties: the smallest group that can play the case."""
        return len(self.role_ids("mediator")) + len(self.role_ids("party", optional=False))

    @property
    def role_seats(self) -> int:
        """Seats that get a named role; any further seat is an observer."""
        return len(self.roles)


@dataclass(frozen=True)
class Seat:
    person: str
    role: str


@dataclass(frozen=True)
class Session:
    id: str
    round: int
    start: datetime
    duration_minutes: int
    case: str | None
    coach: str | None
    seats: tuple[Seat, ...]

    @property
    def people(self) -> tuple[str, ...]:
        return tuple(seat.person for seat in self.seats)


@dataclass(frozen=True)
class Unassigned:
    round: int
    person: str
    reason: str


@dataclass(frozen=True)
class Schedule:
    """The engine's answer: sessions by round, who could not be seated and why, quality figures."""

    seed: int
    rounds: tuple[int, ...]
    sessions: tuple[Session, ...]
    unassigned: tuple[Unassigned, ...] = ()
    metrics: Mapping[str, float | int | None] = field(default_factory=dict)

    def sessions_in(self, round_no: int) -> tuple[Session, ...]:
        return tuple(s for s in self.sessions if s.round == round_no)


def pair_key(a: str, b: str) -> tuple[str, str]:
    """One key per unordered pair of people."""
    return (a, b) if a <= b else (b, a)


@dataclass(frozen=True)
class History:
    """What happened before this run, so later rounds and re-runs take the past into account."""

    pair_meetings: Mapping[tuple[str, str], int] = field(default_factory=dict)
    mediator_turns: Mapping[str, int] = field(default_factory=dict)
    cases: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def from_sessions(cls, sessions: Iterable[Session], cases: Iterable[CaseSpec]) -> History:
        """The history a list of past sessions leaves (coaches are not in any seat)."""
        mediator_roles = {(c.id, rid) for c in cases for rid in c.role_ids("mediator")}
        pairs: dict[tuple[str, str], int] = {}
        turns: dict[str, int] = {}
        had: dict[str, set[str]] = {}
        for session in sessions:
            people = session.people
            for i, a in enumerate(people):
                for b in people[i + 1 :]:
                    key = pair_key(a, b)
                    pairs[key] = pairs.get(key, 0) + 1
            for seat in session.seats:
                if session.case is not None:
                    had.setdefault(seat.person, set()).add(session.case)
                mediating = (session.case, seat.role) in mediator_roles or (
                    session.case is None and seat.role == "mediator"
                )
                if mediating:
                    turns[seat.person] = turns.get(seat.person, 0) + 1
        return cls(pairs, turns, {p: frozenset(c) for p, c in had.items()})

    def merged(self, other: History) -> History:
        """Both histories added together."""
        pairs = dict(self.pair_meetings)
        for key, n in other.pair_meetings.items():
            pairs[key] = pairs.get(key, 0) + n
        turns = dict(self.mediator_turns)
        for person, n in other.mediator_turns.items():
            turns[person] = turns.get(person, 0) + n
        had = {p: set(c) for p, c in self.cases.items()}
        for person, c in other.cases.items():
            had.setdefault(person, set()).update(c)
        return History(pairs, turns, {p: frozenset(c) for p, c in had.items()})


@dataclass(frozen=True)
class Lock:
    """A person pinned to a session of a round, so a re-run keeps what staff arranged by hand.

    Locks of one round that share a `session` label sit in the same group; `start` pins the
    group's slot, `role` the person's role and `case` the group's case.
    """

    person: str
    round: int
    session: str
    start: datetime | None = None
    role: str | None = None
    case: str | None = None
