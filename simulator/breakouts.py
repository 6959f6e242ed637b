"""Reading scheduled sessions as each kind of person may see them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from simulator import case_store
from simulator.errors import Forbidden, NotFound
from simulator.models import (
    Breakout,
    BreakoutStatus,
    CaseVersion,
    Cohort,
    Person,
    Role,
    Scorer,
    Seat,
)
from simulator.timeutil import as_utc, utcnow


@dataclass(frozen=True)
class SeatView:
    person_id: int
    name: str
    email: str
    role_id: str
    country: str
    timezone: str
    seat_id: int = 0
    locked: bool = False  # staff pinned it: a re-run of the schedule keeps it


@dataclass(frozen=True)
class SessionView:
    """A session with what dashboards and the API show of it."""

    id: int
    cohort_id: int
    cohort_name: str
    round: int
    key: str
    start: datetime
    duration_minutes: int
    status: str
    case_id: str
    case_title: str
    case_version_id: int
    coach_id: int | None
    coach_name: str | None
    seats: list[SeatView] = field(default_factory=list)
    role_names: dict[str, str] = field(default_factory=dict)

    @property
    def end(self) -> datetime:
        return as_utc(self.start) + timedelta(minutes=self.duration_minutes)

    def role_name(self, role_id: str | None) -> str:
        """The display name of a role of this session's case ('Observer' for extra seats)."""
        return self.role_names.get(role_id or "", "Observer")

    def role_of(self, person_id: int) -> str | None:
        return next((s.role_id for s in self.seats if s.person_id == person_id), None)

    def is_live(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return as_utc(self.start) <= now < self.end

    def has_ended(self, now: datetime | None = None) -> bool:
        return (now or utcnow()) >= self.end


def session_views(session: Session, breakouts: list[Breakout]) -> list[SessionView]:
    if not breakouts:
        return []
    ids = [b.id for b in breakouts]
    seats_by_breakout: dict[int, list[SeatView]] = {i: [] for i in ids if i is not None}
    rows = session.exec(
        select(Seat, Person)
        .join(Person, col(Person.id) == col(Seat.person_id))
        .where(col(Seat.breakout_id).in_(ids))
        .order_by(col(Seat.id))
    )
    for seat, person in rows:
        seats_by_breakout[seat.breakout_id].append(
            SeatView(
                person.id or 0,
                person.name,
                person.email,
                seat.role_id,
                person.country,
                person.timezone,
                seat_id=seat.id or 0,
                locked=seat.locked,
            )
        )
    cases = {
        c.id: c
        for c in session.exec(
            select(CaseVersion).where(
                col(CaseVersion.id).in_({b.case_version_id for b in breakouts})
            )
        )
    }
    cohorts = {
        c.id: c
        for c in session.exec(
            select(Cohort).where(col(Cohort.id).in_({b.cohort_id for b in breakouts}))
        )
    }
    coach_ids = {b.coach_id for b in breakouts if b.coach_id is not None}
    coaches = {p.id: p for p in session.exec(select(Person).where(col(Person.id).in_(coach_ids)))}
    views = []
    for b in breakouts:
        case = cases[b.case_version_id]
        coach = coaches.get(b.coach_id) if b.coach_id is not None else None
        views.append(
            SessionView(
                id=b.id or 0,
                cohort_id=b.cohort_id,
                cohort_name=cohorts[b.cohort_id].name,
                round=b.round,
                key=b.key,
                start=as_utc(b.start),
                duration_minutes=b.duration_minutes,
                status=b.status,
                case_id=case.case_id,
                case_title=case.title,
                case_version_id=case.id or 0,
                coach_id=b.coach_id,
                coach_name=coach.name if coach else None,
                seats=seats_by_breakout.get(b.id or 0, []),
                role_names={role.id: role.name for role in case_store.case_of(case).roles},
            )
        )
    return views


def sessions_for(
    session: Session, person: Person, *, upcoming_only: bool = False
) -> list[SessionView]:
    """Staff: every session; coaches: those they coach; trainees: their own published ones."""
    query = select(Breakout).where(Breakout.status != BreakoutStatus.CANCELLED)
    if person.role == Role.COACH:
        extra = select(Scorer.breakout_id).where(Scorer.coach_id == person.id)
        query = query.where(
            (Breakout.coach_id == person.id) | col(Breakout.id).in_(extra),
            Breakout.status == BreakoutStatus.PUBLISHED,
        )
    elif person.role == Role.TRAINEE:
        seated = select(Seat.breakout_id).where(Seat.person_id == person.id)
        query = query.where(
            col(Breakout.id).in_(seated), Breakout.status == BreakoutStatus.PUBLISHED
        )
    views = session_views(
        session, list(session.exec(query.order_by(col(Breakout.start), col(Breakout.id))))
    )
    if upcoming_only:
        now = utcnow()
        views = [v for v in views if v.end > now]
    return views


def session_for(session: Session, person: Person, breakout_id: int) -> SessionView:
    """One session, if this person may see it; otherwise the same 404 whether it exists or not."""
    breakout = session.get(Breakout, breakout_id)
    if breakout is None or breakout.status == BreakoutStatus.CANCELLED:
        raise NotFound("There is no such session.")
    view = session_views(session, [breakout])[0]
    scoring_coach = (
        person.role == Role.COACH
        and session.exec(
            select(Scorer).where(Scorer.breakout_id == breakout_id, Scorer.coach_id == person.id)
        ).first()
        is not None
    )
    if not (can_see(person, view) or scoring_coach):
        if person.role == Role.TRAINEE:
            raise NotFound("There is no such session.")
        raise Forbidden("This session is not one of yours.")
    return view


def can_see(person: Person, view: SessionView) -> bool:
    if person.role == Role.STAFF:
        return True
    if person.role == Role.COACH:
        return view.coach_id == person.id and view.status == BreakoutStatus.PUBLISHED
    return view.status == BreakoutStatus.PUBLISHED and view.role_of(person.id or -1) is not None
