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
from simulator.scheduling import CaseSpec, History, Lock, Schedule, Slot
from simulator.scheduling import Person as EnginePerson
from simulator.scheduling import Seat as EngineSeat
from simulator.scheduling import Session as EngineSession
from simulator.scheduling.availability import AvailabilityError, fits, parse_availability
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


def _windows(person: Person) -> tuple:
    """The person's availability windows; unreadable availability counts as any time."""
    try:
        return tuple(parse_availability(person.availability))
    except AvailabilityError:
        return ()


def engine_person(membership: Membership, person: Person) -> EnginePerson:
    """A stored person as the engine's plain Person (unreadable availability: any time)."""
    windows = _windows(person)
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


def _draft_seat(session: Session, cohort_id: int, seat_id: int) -> tuple[Seat, Breakout]:
    seat = session.get(Seat, seat_id)
    breakout = session.get(Breakout, seat.breakout_id) if seat else None
    if seat is None or breakout is None or breakout.cohort_id != cohort_id:
        raise NotFound("There is no such seat in this cohort.")
    if breakout.status != BreakoutStatus.DRAFT:
        raise BadRequest(
            "Only seats of draft sessions can be locked or moved; this one is published."
        )
    return seat, breakout


def set_lock(session: Session, cohort_id: int, seat_id: int, locked: bool) -> str:
    """Pin (or free) a draft seat so a re-run keeps it; returns the person's name."""
    seat, _ = _draft_seat(session, cohort_id, seat_id)
    seat.locked = locked
    session.add(seat)
    person = session.get(Person, seat.person_id)
    return person.name if person else "?"


@dataclass(frozen=True)
class SwapResult:
    names: tuple[str, str]
    warnings: list[str]


def swap(session: Session, cohort_id: int, round_no: int, first: int, second: int) -> SwapResult:
    """Exchange two trainees' places (session and role) in a draft round; both seats get locked.

    A trainee with no seat in the round takes the other's seat, which frees that person.
    Warnings name anyone now seated outside their availability (staff may still want it).
    """
    if first == second:
        raise BadRequest("Choose two different people to swap.")
    drafts = [
        b for b in _breakouts(session, cohort_id, BreakoutStatus.DRAFT) if b.round == round_no
    ]
    if not drafts:
        raise BadRequest(f"Round {round_no} has no draft sessions to change.")
    by_id = {b.id: b for b in drafts}
    seats = {
        s.person_id: s
        for s in session.exec(select(Seat).where(col(Seat.breakout_id).in_(list(by_id))))
    }
    trainees = {
        p.id: p
        for p in session.exec(
            select(Person)
            .join(Membership, col(Membership.person_id) == col(Person.id))
            .where(
                Membership.cohort_id == cohort_id,
                Membership.role == Role.TRAINEE,
                col(Person.id).in_([first, second]),
            )
        )
    }
    if len(trainees) != 2:
        raise BadRequest("Both people must be trainees of this cohort.")
    a, b = seats.get(first), seats.get(second)
    if a is None and b is None:
        raise BadRequest(f"Neither of them has a seat in round {round_no}: nothing to swap.")
    if a is not None and b is not None:
        if a.breakout_id == b.breakout_id:
            a.role_id, b.role_id = b.role_id, a.role_id
        else:
            a.breakout_id, b.breakout_id = b.breakout_id, a.breakout_id
            a.role_id, b.role_id = b.role_id, a.role_id
        moved = [a, b]
    else:
        seat = a or b
        assert seat is not None
        seat.person_id = second if seat is a else first
        moved = [seat]
    # Unique (breakout, person) holds throughout: the two rows trade places in one flush.
    for seat in moved:
        seat.locked = True
        session.add(seat)
    session.flush()
    warnings = []
    for seat in moved:
        person = trainees[seat.person_id]
        breakout = by_id[seat.breakout_id]
        windows = _windows(person)
        if windows and not fits(
            windows, person.timezone, as_utc(breakout.start), breakout.duration_minutes
        ):
            warnings.append(f"{person.name} is not available at that time by their availability.")
    return SwapResult((trainees[first].name, trainees[second].name), warnings)


@dataclass(frozen=True)
class Rerun:
    """What a re-run of the draft rounds needs beyond `engine_inputs`: their slots and locks."""

    inputs: Inputs
    slots: list[Slot]
    locks: list[Lock]
    rounds: list[int]


def rerun_inputs(session: Session, cohort_id: int) -> Rerun:
    """The drafts' own times as slots and their locked seats as locks, cases as the drafts use."""
    drafts = _breakouts(session, cohort_id, BreakoutStatus.DRAFT)
    if not drafts:
        raise BadRequest("There are no draft rounds to re-run: generate rounds first.")
    versions = {
        v.id: v
        for v in session.exec(
            select(CaseVersion).where(col(CaseVersion.id).in_({b.case_version_id for b in drafts}))
        )
    }
    inputs = engine_inputs(session, cohort_id, sorted({v.case_id for v in versions.values()}))
    ids = {m.person.id or 0: m.engine.id for m in inputs.members}
    slots = sorted(
        {Slot(b.round, as_utc(b.start), b.duration_minutes) for b in drafts},
        key=lambda s: (s.round, s.start),
    )
    by_id = {b.id: b for b in drafts}
    locks = []
    for seat in session.exec(
        select(Seat).where(col(Seat.breakout_id).in_(list(by_id)), col(Seat.locked).is_(True))
    ):
        breakout = by_id[seat.breakout_id]
        if seat.person_id not in ids:
            continue
        locks.append(
            Lock(
                person=ids[seat.person_id],
                round=breakout.round,
                session=breakout.key or f"s{breakout.id}",
                start=as_utc(breakout.start),
                role=seat.role_id,
                case=versions[breakout.case_version_id].case_id,
            )
        )
    return Rerun(inputs, slots, locks, sorted({b.round for b in drafts}))


def relock(session: Session, cohort_id: int, locks: list[Lock]) -> None:
    """Mark the re-run's seats of locked people as locked again (the drafts are new rows)."""
    if not locks:
        return
    person_of = {m.engine.id: m.person.id for m in members(session, cohort_id)}
    wanted = {(lock.round, person_of.get(lock.person)) for lock in locks}
    drafts = {b.id: b for b in _breakouts(session, cohort_id, BreakoutStatus.DRAFT)}
    for seat in session.exec(select(Seat).where(col(Seat.breakout_id).in_(list(drafts)))):
        if (drafts[seat.breakout_id].round, seat.person_id) in wanted:
            seat.locked = True
            session.add(seat)
