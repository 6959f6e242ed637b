"""No-show recovery: when people are missing at the start of a session, a plan that lets it run.

Pure functions over plain data. The plan prefers the smallest disturbance: people already in
the room take the missing roles (an observer steps in), a missing optional party is simply left
out (the case's variant with fewer parties), then two short groups at the same time merge, and
last the coach plays a missing party. Whoever is absent keeps an observer seat, so arriving late
still lets them in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

MEDIATOR, PARTY, OBSERVER = "mediator", "party", "observer"


@dataclass(frozen=True)
class SeatState:
    person_id: int
    name: str
    role_id: str
    role_kind: str  # mediator | party | observer
    role_name: str = ""
    optional: bool = False
    present: bool = False


@dataclass(frozen=True)
class Group:
    """A live session as recovery sees it."""

    session_id: int
    start_key: str  # sessions sharing this (their start time) can merge
    title: str
    seats: tuple[SeatState, ...]
    coach_id: int | None = None
    coach_name: str = ""
    # The case's roles as (role_id, kind, optional, name): a merge deals them to newcomers.
    roles: tuple[tuple[str, str, bool, str], ...] = ()

    @property
    def empty(self) -> list[SeatState]:
        """Absent people holding a role the play needs (observers are never missed)."""
        absent = [s for s in self.seats if not s.present and s.role_kind != OBSERVER]
        return sorted(absent, key=lambda s: (s.role_kind != MEDIATOR, s.optional, s.role_id))

    @property
    def present(self) -> list[SeatState]:
        return [s for s in self.seats if s.present]

    @property
    def short(self) -> bool:
        """Missing someone the case cannot do without."""
        return any(not s.optional for s in self.empty)


@dataclass(frozen=True)
class Move:
    """After the plan: `person_id` sits in `session_id` as `role_id`."""

    person_id: int
    name: str
    session_id: int
    role_id: str
    role_name: str


@dataclass(frozen=True)
class Proposal:
    session_id: int
    kind: str  # observer-steps-in | fewer-parties | merge | coach-plays | none
    steps: tuple[str, ...]
    moves: tuple[Move, ...] = ()
    cancel: int | None = None  # a session merged away
    coach_plays: tuple[str, ...] = ()  # role names the coach takes on
    told: tuple[int, ...] = field(default=())  # people whose seat changes

    @property
    def key(self) -> str:
        """A fingerprint of the plan, so applying refuses a plan the room has outgrown."""
        text = repr((self.kind, self.moves, self.cancel, self.coach_plays))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def possible(self) -> bool:
        return self.kind != "none"


def propose(group: Group, others: Sequence[Group] = ()) -> Proposal | None:
    """The plan for one session, or None when nobody the play needs is missing."""
    missing = group.empty
    if not missing:
        return None
    moves: list[Move] = []
    steps: list[str] = []
    kinds: list[str] = []
    spare = [s for s in group.present if s.role_kind == OBSERVER]
    still: list[SeatState] = []
    for seat in missing:
        if spare:
            helper = spare.pop(0)
            moves.append(_move(helper, group.session_id, seat.role_id, seat.role_name))
            steps.append(f"{helper.name} (observer) plays {seat.role_name} instead of {seat.name}.")
            kinds.append("observer-steps-in")
        elif seat.optional:
            steps.append(f"The case runs without {seat.role_name}, an optional party.")
            kinds.append("fewer-parties")
        else:
            still.append(seat)
            continue
        moves.append(_move(seat, group.session_id, OBSERVER, "Observer"))
    cancel = None
    coach_plays: tuple[str, ...] = ()
    if still:
        merged = _merge(group, still, others)
        if merged is not None:
            partner, extra_moves, extra_steps = merged
            moves += extra_moves
            steps += extra_steps
            kinds.append("merge")
            cancel = partner.session_id
            still = []
        elif group.coach_id is not None and len(still) == 1 and still[0].role_kind == PARTY:
            seat = still[0]
            moves.append(_move(seat, group.session_id, OBSERVER, "Observer"))
            steps.append(f"{group.coach_name or 'The coach'} plays {seat.role_name}.")
            coach_plays = (seat.role_name,)
            kinds.append("coach-plays")
            still = []
    if still:
        names = ", ".join(f"{s.role_name} ({s.name})" for s in still)
        return Proposal(
            group.session_id,
            "none",
            (
                f"Nobody can take {names}: wait a few minutes, or move these people to another "
                "session by hand on the schedule page.",
            ),
        )
    told = tuple(dict.fromkeys(m.person_id for m in moves))
    return Proposal(
        group.session_id,
        _main_kind(kinds),
        tuple(steps),
        tuple(moves),
        cancel,
        coach_plays,
        told,
    )


def _main_kind(kinds: list[str]) -> str:
    for kind in ("merge", "coach-plays", "observer-steps-in", "fewer-parties"):
        if kind in kinds:
            return kind
    return "none"


def _move(seat: SeatState, session_id: int, role_id: str, role_name: str) -> Move:
    return Move(seat.person_id, seat.name, session_id, role_id, role_name)


def _merge(
    group: Group, still: list[SeatState], others: Sequence[Group]
) -> tuple[Group, list[Move], list[str]] | None:
    """Bring the people present in another short group at the same time into this one."""
    candidates = [
        g
        for g in others
        if g.session_id != group.session_id
        and g.start_key == group.start_key
        and g.short
        and len(g.present) >= len(still)
    ]
    if not candidates:
        return None
    partner = min(candidates, key=lambda g: (len(g.present), g.session_id))
    arrivals = sorted(partner.present, key=lambda s: (s.role_kind != MEDIATOR, s.person_id))
    moves: list[Move] = []
    steps = [f"{partner.title} merges into this session; its people are moved here."]
    for seat, newcomer in zip(still, arrivals, strict=False):
        moves.append(_move(newcomer, group.session_id, seat.role_id, seat.role_name))
        moves.append(_move(seat, group.session_id, OBSERVER, "Observer"))
        steps.append(f"{newcomer.name} joins and plays {seat.role_name} instead of {seat.name}.")
    for newcomer in arrivals[len(still) :]:
        moves.append(_move(newcomer, group.session_id, OBSERVER, "Observer"))
        steps.append(f"{newcomer.name} joins as an observer.")
    for absent in [s for s in partner.seats if not s.present]:
        # Late arrivals of the merged session still find a seat, as observers.
        moves.append(_move(absent, group.session_id, OBSERVER, "Observer"))
    return partner, moves, steps
