"""A trainee's practice history: every session they were seated in, as plain facts.

The coaching package turns these facts into progress, charts and certificate checks; this
module only reads the database.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from simulator import case_store
from simulator.models import (
    Attendance,
    Breakout,
    BreakoutStatus,
    CaseVersion,
    Cohort,
    Feedback,
    Person,
    Score,
    ScoreStatus,
    Seat,
)
from simulator.timeutil import as_utc, utcnow


@dataclass(frozen=True)
class SessionFacts:
    breakout_id: int
    cohort_id: int
    cohort_name: str
    start: datetime
    minutes: int
    case_title: str
    role_id: str
    role_kind: str  # mediator | party | observer
    role_name: str
    attended: bool
    scores: dict[str, float | None]  # published levels, averaged over coaches
    coaches: tuple[str, ...]
    coach_emails: tuple[str, ...]
    countries: tuple[str, ...]  # of the other trainees in the group


def trainee_history(
    session: Session, trainee_id: int, *, ended_only: bool = True
) -> list[SessionFacts]:
    seats = list(session.exec(select(Seat).where(Seat.person_id == trainee_id)))
    if not seats:
        return []
    role_by_breakout = {seat.breakout_id: seat.role_id for seat in seats}
    breakouts = list(
        session.exec(
            select(Breakout)
            .where(
                col(Breakout.id).in_(role_by_breakout), Breakout.status == BreakoutStatus.PUBLISHED
            )
            .order_by(col(Breakout.start))
        )
    )
    now = utcnow()
    if ended_only:
        # A role play that finished early counts once its coach has published the feedback.
        published = set(
            session.exec(
                select(Feedback.breakout_id).where(
                    Feedback.trainee_id == trainee_id,
                    Feedback.status == ScoreStatus.PUBLISHED,
                    col(Feedback.breakout_id).in_(role_by_breakout),
                )
            )
        )
        breakouts = [
            b
            for b in breakouts
            if as_utc(b.start) + timedelta(minutes=b.duration_minutes) <= now or b.id in published
        ]
    ids = [b.id for b in breakouts]
    attended = set(
        session.exec(
            select(Attendance.breakout_id).where(
                Attendance.person_id == trainee_id, col(Attendance.breakout_id).in_(ids)
            )
        )
    )
    levels: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    coach_ids: dict[int, set[int]] = defaultdict(set)
    for score in session.exec(
        select(Score).where(
            col(Score.breakout_id).in_(ids),
            Score.trainee_id == trainee_id,
            Score.status == ScoreStatus.PUBLISHED,
        )
    ):
        coach_ids[score.breakout_id].add(score.coach_id)
        if score.level is not None:
            levels[score.breakout_id][score.criterion_id].append(score.level)
    others: dict[int, list[str]] = defaultdict(list)
    for seat, person in session.exec(
        select(Seat, Person)
        .join(Person, col(Person.id) == col(Seat.person_id))
        .where(col(Seat.breakout_id).in_(ids))
    ):
        if person.id != trainee_id and person.country:
            others[seat.breakout_id].append(person.country)
    for b in breakouts:
        if b.coach_id is not None:
            coach_ids[b.id or 0].add(b.coach_id)
    people = {
        p.id: p
        for p in session.exec(
            select(Person).where(col(Person.id).in_({c for s in coach_ids.values() for c in s}))
        )
    }
    cohorts = {
        c.id: c
        for c in session.exec(
            select(Cohort).where(col(Cohort.id).in_({b.cohort_id for b in breakouts}))
        )
    }
    facts = []
    for b in breakouts:
        version = session.get(CaseVersion, b.case_version_id)
        assert version is not None
        case = case_store.case_of(version)
        role_id = role_by_breakout[b.id or 0]
        role = next((r for r in case.roles if r.id == role_id), None)
        coaches = sorted(coach_ids[b.id or 0])
        facts.append(
            SessionFacts(
                breakout_id=b.id or 0,
                cohort_id=b.cohort_id,
                cohort_name=cohorts[b.cohort_id].name,
                start=as_utc(b.start),
                minutes=b.duration_minutes,
                case_title=case.title,
                role_id=role_id,
                role_kind=role.kind if role else "observer",
                role_name=role.name if role else "Observer",
                attended=(b.id in attended),
                scores={c: sum(v) / len(v) for c, v in levels[b.id or 0].items()},
                coaches=tuple(people[c].name for c in coaches if c in people),
                coach_emails=tuple(people[c].email for c in coaches if c in people),
                countries=tuple(sorted(set(others[b.id or 0]))),
            )
        )
    return facts
