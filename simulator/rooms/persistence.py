"""Database side of live rooms: who may enter, room snapshots, and attendance."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, col, select

from simulator import case_store
from simulator.errors import Forbidden, NotFound
from simulator.models import (
    Attendance,
    Breakout,
    BreakoutStatus,
    CaseVersion,
    Person,
    RecordingConsent,
    Role,
    RoomSnapshot,
    Seat,
)
from simulator.rooms.state import Kind, Member, RoomState
from simulator.timeutil import as_utc, utcnow

OPENS_BEFORE = timedelta(minutes=30)
CLOSES_AFTER = timedelta(minutes=60)


@dataclass(frozen=True)
class RoomInfo:
    """What the room needs to know about its session when it first opens."""

    session_id: int
    duration_minutes: int
    members: list[Member]


def room_info(session: Session, breakout_id: int) -> RoomInfo:
    breakout = session.get(Breakout, breakout_id)
    if breakout is None or breakout.status == BreakoutStatus.CANCELLED:
        raise NotFound("There is no such session.")
    version = session.get(CaseVersion, breakout.case_version_id)
    assert version is not None
    case = case_store.case_of(version)
    roles = {role.id: role for role in case.roles}
    members = []
    rows = session.exec(
        select(Seat, Person)
        .join(Person, col(Person.id) == col(Seat.person_id))
        .where(Seat.breakout_id == breakout_id)
    )
    for seat, person in rows:
        role = roles.get(seat.role_id)
        members.append(
            Member(
                person_id=person.id or 0,
                name=person.name,
                email=person.email,
                kind=Kind.TRAINEE,
                role_id=seat.role_id,
                role_kind=role.kind if role else "observer",
                role_name=role.name if role else "Observer",
            )
        )
    if breakout.coach_id is not None and (coach := session.get(Person, breakout.coach_id)):
        members.append(Member(coach.id or 0, coach.name, coach.email, Kind.COACH))
    return RoomInfo(breakout_id, breakout.duration_minutes, members)


def check_entry(session: Session, breakout_id: int, person: Person) -> Member:
    """The member a person enters as, or why they may not enter (the same 404 for strangers)."""
    breakout = session.get(Breakout, breakout_id)
    if breakout is None or breakout.status == BreakoutStatus.CANCELLED:
        raise NotFound("There is no such session.")
    info = room_info(session, breakout_id)
    member = next((m for m in info.members if m.person_id == person.id), None)
    if person.role == Role.STAFF:
        return member or Member(person.id or 0, person.name, person.email, Kind.STAFF)
    if member is None or (
        person.role == Role.TRAINEE and breakout.status != BreakoutStatus.PUBLISHED
    ):
        if person.role == Role.COACH:
            raise Forbidden("This session is not one of yours.")
        raise NotFound("There is no such session.")
    start = as_utc(breakout.start)
    now = utcnow()
    if now < start - OPENS_BEFORE:
        raise Forbidden("The room opens 30 minutes before the session starts. Come back then.")
    if now > start + timedelta(minutes=breakout.duration_minutes) + CLOSES_AFTER:
        raise Forbidden("This session is over; its room has closed.")
    return member


def save_snapshot(session: Session, state: RoomState) -> None:
    row = session.get(RoomSnapshot, state.session_id) or RoomSnapshot(
        session_id=state.session_id, data=""
    )
    row.data = json.dumps(state.to_dict())
    row.version = state.version
    row.updated_at = utcnow()
    session.add(row)


def load_snapshot(session: Session, session_id: int) -> RoomState | None:
    row = session.get(RoomSnapshot, session_id)
    return RoomState.from_dict(json.loads(row.data)) if row else None


def snapshot_ids(session: Session) -> list[int]:
    return list(session.exec(select(RoomSnapshot.session_id)))


def record_join(session: Session, breakout_id: int, person_id: int) -> int:
    """Open a stay; a stay still open from an earlier socket ends now (that socket is replaced)."""
    close_open_attendance(session, breakout_id, [person_id])
    row = Attendance(breakout_id=breakout_id, person_id=person_id)
    session.add(row)
    session.flush()
    return row.id or 0


def record_leave(session: Session, attendance_id: int) -> None:
    row = session.get(Attendance, attendance_id)
    if row is not None and row.left_at is None:
        row.left_at = utcnow()
        session.add(row)


def close_open_attendance(session: Session, breakout_id: int, person_ids: list[int]) -> None:
    """Close the stays of people whose worker died without saying goodbye."""
    rows = session.exec(
        select(Attendance).where(
            Attendance.breakout_id == breakout_id,
            col(Attendance.person_id).in_(person_ids),
            col(Attendance.left_at).is_(None),
        )
    )
    for row in rows:
        row.left_at = utcnow()
        session.add(row)


def consents_of(session: Session, breakout_id: int) -> list[int]:
    """Who has agreed to be recorded in this session (remembered when the room state is new)."""
    rows = session.exec(
        select(RecordingConsent.person_id).where(
            RecordingConsent.breakout_id == breakout_id, col(RecordingConsent.given).is_(True)
        )
    )
    return sorted(rows)


def save_consent(session: Session, breakout_id: int, person_id: int, given: bool) -> None:
    row = session.exec(
        select(RecordingConsent).where(
            RecordingConsent.breakout_id == breakout_id, RecordingConsent.person_id == person_id
        )
    ).first() or RecordingConsent(breakout_id=breakout_id, person_id=person_id)
    row.given, row.updated_at = given, utcnow()
    session.add(row)
