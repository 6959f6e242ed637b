"""No-show recovery against the database: the live sessions as groups, and applying a plan.

The plan itself is pure (simulator/noshow.py); this module reads the seats it needs, moves them
when staff apply it, and leaves a notification for everyone whose seat changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from simulator import case_store
from simulator.errors import BadRequest, Conflict, NotFound
from simulator.models import Breakout, BreakoutStatus, CaseVersion, Notification, Person, Seat
from simulator.noshow import OBSERVER, Group, Proposal, SeatState, propose
from simulator.timeutil import as_utc


def live_breakouts(session: Session, now: datetime) -> list[Breakout]:
    """Published sessions under way at `now` (a day's look-back bounds the scan)."""
    rows = session.exec(
        select(Breakout).where(
            Breakout.status == BreakoutStatus.PUBLISHED,
            Breakout.start <= now,
            Breakout.start >= now - timedelta(days=1),
        )
    )
    return [b for b in rows if now < as_utc(b.start) + timedelta(minutes=b.duration_minutes)]


def groups(
    session: Session, breakouts: list[Breakout], present: dict[int, set[int]]
) -> list[Group]:
    """The sessions as recovery sees them, with who is in each room now."""
    if not breakouts:
        return []
    ids = [b.id for b in breakouts]
    versions = {
        v.id: v
        for v in session.exec(
            select(CaseVersion).where(
                col(CaseVersion.id).in_({b.case_version_id for b in breakouts})
            )
        )
    }
    seats: dict[int, list[tuple[Seat, Person]]] = {}
    for seat, person in session.exec(
        select(Seat, Person)
        .join(Person, col(Person.id) == col(Seat.person_id))
        .where(col(Seat.breakout_id).in_(ids))
        .order_by(col(Seat.id))
    ):
        seats.setdefault(seat.breakout_id, []).append((seat, person))
    coach_ids = {b.coach_id for b in breakouts if b.coach_id is not None}
    coaches = {p.id: p for p in session.exec(select(Person).where(col(Person.id).in_(coach_ids)))}
    out = []
    for b in breakouts:
        case = case_store.case_of(versions[b.case_version_id])
        roles = {r.id: r for r in case.roles}
        here = present.get(b.id or 0, set())
        states = []
        for seat, person in seats.get(b.id or 0, []):
            role = roles.get(seat.role_id)
            states.append(
                SeatState(
                    person.id or 0,
                    person.name,
                    seat.role_id,
                    str(role.kind) if role else OBSERVER,
                    role.name if role else "Observer",
                    bool(getattr(role, "optional", False)) if role else False,
                    (person.id or 0) in here,
                )
            )
        coach = coaches.get(b.coach_id) if b.coach_id is not None else None
        out.append(
            Group(
                b.id or 0,
                as_utc(b.start).isoformat(),
                f"{case.title} (round {b.round})",
                tuple(states),
                b.coach_id,
                coach.name if coach else "",
            )
        )
    return out


def proposals(
    session: Session, now: datetime, present: dict[int, set[int]]
) -> list[tuple[Group, Proposal]]:
    """A plan for every live session with a missing role, shortest first."""
    all_groups = groups(session, live_breakouts(session, now), present)
    out = []
    for group in all_groups:
        plan = propose(group, all_groups)
        if plan is not None:
            out.append((group, plan))
    return sorted(out, key=lambda gp: (not gp[1].possible, gp[0].start_key, gp[0].session_id))


@dataclass(frozen=True)
class Applied:
    session_id: int
    cancelled: int | None
    summary: str
    told: list[int]


def apply(
    session: Session, session_id: int, key: str, now: datetime, present: dict[int, set[int]]
) -> Applied:
    """Carry out the plan staff saw (by its key): move the seats, cancel a merged session, tell
    everyone affected. A plan the room has outgrown is refused, not half applied."""
    current = dict((g.session_id, p) for g, p in proposals(session, now, present))
    plan = current.get(session_id)
    if plan is None:
        raise NotFound("That session no longer misses anyone, or is no longer live.")
    if plan.key != key:
        raise Conflict(
            "The room changed since you looked (someone arrived or left); check the new proposal."
        )
    if not plan.possible:
        raise BadRequest(plan.steps[0])
    involved = [session_id] + ([plan.cancel] if plan.cancel else [])
    seats = {
        (s.person_id): s
        for s in session.exec(select(Seat).where(col(Seat.breakout_id).in_(involved)))
    }
    for move in plan.moves:
        seat = seats.get(move.person_id)
        if seat is None:
            raise Conflict("A seat of this plan has gone; check the new proposal.")
        seat.breakout_id, seat.role_id, seat.locked = move.session_id, move.role_id, True
        session.add(seat)
    target = session.get(Breakout, session_id)
    assert target is not None
    link = f"/sessions/{session_id}/room"
    if plan.cancel:
        merged = session.get(Breakout, plan.cancel)
        assert merged is not None
        merged.status = BreakoutStatus.CANCELLED
        session.add(merged)
    summary = " ".join(plan.steps)
    for move in plan.moves:
        session.add(
            Notification(
                person_id=move.person_id,
                breakout_id=session_id,
                text=f"Your seat changed: you are now {move.role_name} in this session. {summary} "
                f"Join at {link}.",
            )
        )
    if plan.coach_plays and target.coach_id is not None:
        session.add(
            Notification(
                person_id=target.coach_id,
                breakout_id=session_id,
                text=f"Please play {', '.join(plan.coach_plays)} in this session: "
                "the role's confidential instructions are on the session page.",
            )
        )
    return Applied(session_id, plan.cancel, summary, list(plan.told))


def unread(session: Session, person_id: int) -> list[Notification]:
    return list(
        session.exec(
            select(Notification)
            .where(Notification.person_id == person_id, col(Notification.read_at).is_(None))
            .order_by(col(Notification.created_at).desc())
            .limit(20)
        )
    )


def mark_read(session: Session, person_id: int, now: datetime) -> int:
    notes = unread(session, person_id)
    for note in notes:
        note.read_at = now
        session.add(note)
    return len(notes)
