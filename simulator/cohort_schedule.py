"""A cohort's schedule in the database: the engine's inputs from it, its drafts, publishing them.

The engine (simulator/scheduling) works on roster ids; this module translates between those
and the stored people, case versions and sessions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from sqlalchemy import delete
from sqlmodel import Session, SQLModel, col, select

from simulator import case_store
from simulator.errors import BadRequest, NotFound
from simulator.models import (
    Breakout,
    BreakoutStatus,
    CaseVersion,
    Cohort,
    Membership,
    Person,
    Role,
    Seat,
)
from simulator.scheduling import CaseSpec, History, Schedule
from simulator.scheduling import Person as EnginePerson
from simulator.scheduling import Seat as EngineSeat
from simulator.scheduling import Session as EngineSession
from simulator.scheduling.availability import AvailabilityError, parse_availability
from simulator.timeutil import as_utc


@dataclass(frozen=True)
class Member:
    """A cohort member as the engine sees them, and the stored person behind them."""

    engine: EnginePerson
    person: Person


@dataclass(frozen=True)
class Inputs:
    """Everything `build_schedule` needs for a cohort, read in one go."""

    cohort: Cohort
    members: list[Member]
    cases: list[CaseSpec]
    versions: dict[str, int]  # case id -> case version id to store
    history: History
    last_round: int  # the highest round published so far (new rounds come after it)


def roster_id(membership: Membership) -> str:
    """The member's roster id, or a stable stand-in for people added without a roster."""
    return membership.roster_id or f"p{membership.person_id}"


def engine_person(membership: Membership, person: Person) -> EnginePerson:
    """A stored person as the engine's plain Person (unreadable availability: any time)."""
    try:
        windows = parse_availability(person.availability)
    except AvailabilityError:
        windows = ()
    return EnginePerson(
        id=roster_id(membership),
        name=person.name,
        email=person.email,
        role="coach" if membership.role == Role.COACH else "trainee",
        timezone=person.timezone,
        country=person.country,
        languages=tuple(person.language_list) or ("en",),
        experience=person.experience,
        availability=windows,
    )


def members(session: Session, cohort_id: int) -> list[Member]:
    rows = session.exec(
        select(Membership, Person)
        .join(Person, col(Person.id) == col(Membership.person_id))
        .where(Membership.cohort_id == cohort_id)
        .order_by(col(Membership.role), col(Person.name))
    )
    return [Member(engine_person(m, p), p) for m, p in rows]


def _cohort(session: Session, cohort_id: int) -> Cohort:
    cohort = session.get(Cohort, cohort_id)
    if cohort is None:
        raise NotFound("There is no such cohort.")
    return cohort


def _breakouts(session: Session, cohort_id: int, status: BreakoutStatus) -> list[Breakout]:
    return list(
        session.exec(
            select(Breakout)
            .where(Breakout.cohort_id == cohort_id, Breakout.status == status)
            .order_by(col(Breakout.round), col(Breakout.start), col(Breakout.id))
        )
    )


def engine_sessions(
    session: Session, breakouts: list[Breakout], ids: dict[int, str]
) -> list[EngineSession]:
    """Stored sessions in the engine's terms (people by roster id, cases by case id)."""
    if not breakouts:
        return []
    versions = {
        v.id: v
        for v in session.exec(
            select(CaseVersion).where(
                col(CaseVersion.id).in_({b.case_version_id for b in breakouts})
            )
        )
    }
    seats: dict[int, list[EngineSeat]] = {}
    for seat in session.exec(
        select(Seat)
        .where(col(Seat.breakout_id).in_([b.id for b in breakouts]))
        .order_by(col(Seat.id))
    ):
        if seat.person_id in ids:
            seats.setdefault(seat.breakout_id, []).append(
                EngineSeat(ids[seat.person_id], seat.role_id)
            )
    return [
        EngineSession(
            id=b.key or f"s{b.id}",
            round=b.round,
            start=as_utc(b.start),
            duration_minutes=b.duration_minutes,
            case=versions[b.case_version_id].case_id,
            coach=ids.get(b.coach_id) if b.coach_id is not None else None,
            seats=tuple(seats.get(b.id or 0, ())),
        )
        for b in breakouts
    ]


def case_specs(versions: Iterable[CaseVersion]) -> dict[str, CaseSpec]:
    return {v.case_id: CaseSpec.from_case(case_store.case_of(v)) for v in versions}


def engine_inputs(session: Session, cohort_id: int, case_ids: list[str] | None) -> Inputs:
    """The cohort's people, the chosen cases (all when None) and the history of its published rounds."""
    cohort = _cohort(session, cohort_id)
    people = members(session, cohort_id)
    if not any(m.engine.role == "trainee" for m in people):
        raise BadRequest("The cohort has no trainees yet: import a roster first.")
    latest = case_store.latest_versions(session)
    chosen = [v for v in latest if case_ids is None or v.case_id in case_ids]
    if not chosen:
        raise BadRequest("Choose at least one case.")
    published = _breakouts(session, cohort_id, BreakoutStatus.PUBLISHED)
    ids = {m.person.id or 0: m.engine.id for m in people}
    past = engine_sessions(session, published, ids)
    past_versions = session.exec(
        select(CaseVersion).where(col(CaseVersion.id).in_({b.case_version_id for b in published}))
    )
    specs = case_specs([*chosen, *past_versions])
    return Inputs(
        cohort=cohort,
        members=people,
        cases=[specs[v.case_id] for v in chosen],
        versions={v.case_id: v.id or 0 for v in chosen},
        history=History.from_sessions(past, specs.values()),
        last_round=max((b.round for b in published), default=0),
    )


def renumbered(schedule: Schedule, offset: int) -> Schedule:
    """The schedule with round r as round offset + r, so new rounds follow the published ones."""
    sessions = tuple(
        replace(s, round=s.round + offset, id=f"r{s.round + offset}-{s.id.partition('-')[2]}")
        for s in schedule.sessions
    )
    unassigned = tuple(replace(u, round=u.round + offset) for u in schedule.unassigned)
    rounds = tuple(r + offset for r in schedule.rounds)
    return replace(schedule, rounds=rounds, sessions=sessions, unassigned=unassigned)


def _delete_breakouts(session: Session, ids: list[int]) -> None:
    """Remove sessions and every row that hangs on them (drafts only ever have seats)."""
    if not ids:
        return
    for table in reversed(SQLModel.metadata.sorted_tables):
        for fk in table.foreign_keys:
            if fk.column.table.name == "breakout":
                session.exec(delete(table).where(fk.parent.in_(ids)))
    session.exec(delete(Breakout).where(col(Breakout.id).in_(ids)))


def save_drafts(
    session: Session, inputs: Inputs, schedule: Schedule, duration_minutes: int | None = None
) -> int:
    """Store the schedule as draft sessions, replacing the drafts of its rounds; returns the count.

    `duration_minutes` overrides the engine's nominal length when no slots were given.
    """
    stale = session.exec(
        select(Breakout.id).where(
            Breakout.cohort_id == inputs.cohort.id,
            Breakout.status == BreakoutStatus.DRAFT,
            col(Breakout.round).in_(schedule.rounds),
        )
    )
    _delete_breakouts(session, [i for i in stale if i is not None])
    person_of = {m.engine.id: m.person.id or 0 for m in inputs.members}
    for planned in schedule.sessions:
        if planned.case is None:
            raise BadRequest(f"No chosen case fits session {planned.id}; choose more cases.")
        breakout = Breakout(
            cohort_id=inputs.cohort.id or 0,
            round=planned.round,
            key=planned.id,
            start=planned.start,
            duration_minutes=duration_minutes or planned.duration_minutes,
            case_version_id=inputs.versions[planned.case],
            coach_id=person_of.get(planned.coach) if planned.coach else None,
            status=BreakoutStatus.DRAFT,
        )
        session.add(breakout)
        session.flush()
        for seat in planned.seats:
            session.add(
                Seat(
                    breakout_id=breakout.id or 0,
                    person_id=person_of[seat.person],
                    role_id=seat.role,
                )
            )
    return len(schedule.sessions)


@dataclass(frozen=True)
class DraftSummary:
    cohort: Cohort
    sessions: int
    rounds: list[int]


def draft_summary(session: Session, cohort_id: int) -> DraftSummary:
    """How many draft sessions the cohort has, and in which rounds."""
    drafts = _breakouts(session, cohort_id, BreakoutStatus.DRAFT)
    rounds = sorted({b.round for b in drafts})
    return DraftSummary(_cohort(session, cohort_id), len(drafts), rounds)


def publish(session: Session, cohort_id: int) -> int:
    """Make every draft session of the cohort visible to its people; returns how many."""
    _cohort(session, cohort_id)
    drafts = _breakouts(session, cohort_id, BreakoutStatus.DRAFT)
    for breakout in drafts:
        breakout.status = BreakoutStatus.PUBLISHED
        session.add(breakout)
    return len(drafts)
