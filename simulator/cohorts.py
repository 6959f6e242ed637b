"""Cohorts: creating them and reading what staff see of them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from simulator.breakouts import SessionView, session_views
from simulator.errors import BadRequest, NotFound
from simulator.models import Breakout, CertificateRule, Cohort, Membership, Person
from simulator.rubric_store import DEFAULT_RUBRIC, rubric_ids


@dataclass(frozen=True)
class CohortRow:
    cohort: Cohort
    members: int
    sessions: int


@dataclass(frozen=True)
class CohortDetail:
    cohort: Cohort
    members: list[tuple[Membership, Person]]
    sessions: list[SessionView]


def cohort_rows(session: Session) -> list[CohortRow]:
    """Every cohort, newest first, with its head counts."""
    members = dict(
        session.exec(
            select(Membership.cohort_id, func.count()).group_by(col(Membership.cohort_id))
        ).all()
    )
    sessions = dict(
        session.exec(
            select(Breakout.cohort_id, func.count()).group_by(col(Breakout.cohort_id))
        ).all()
    )
    return [
        CohortRow(c, members.get(c.id, 0), sessions.get(c.id, 0))
        for c in session.exec(
            select(Cohort).order_by(col(Cohort.created_at).desc(), col(Cohort.id).desc())
        )
    ]


def validate_cohort_form(name: str, group_size: str) -> tuple[str, int]:
    """A cohort's name and group size from form text, or every problem at once."""
    errors = []
    name = name.strip()
    if not name or len(name) > 200:
        errors.append("Give the cohort a name (up to 200 characters).")
    size = int(group_size) if group_size.strip().isdigit() else 0
    if not 2 <= size <= 8:
        errors.append("Group size must be a whole number from 2 to 8.")
    if errors:
        raise BadRequest(" ".join(errors))
    return name, size


def create_cohort(
    session: Session, name: str, group_size: int, rubric_id: str = DEFAULT_RUBRIC
) -> Cohort:
    """A new cohort scored against a stored rubric."""
    if rubric_id not in rubric_ids(session):
        raise BadRequest(
            f"There is no rubric {rubric_id!r}: choose one from the list, or add it on the "
            "Rubrics page."
        )
    cohort = Cohort(name=name, group_size=group_size, rubric_id=rubric_id)
    session.add(cohort)
    session.flush()
    return cohort


def cohort_detail(session: Session, cohort_id: int) -> CohortDetail:
    cohort = session.get(Cohort, cohort_id)
    if cohort is None:
        raise NotFound("There is no such cohort.")
    members = list(
        session.exec(
            select(Membership, Person)
            .join(Person, col(Person.id) == col(Membership.person_id))
            .where(Membership.cohort_id == cohort_id)
            .order_by(col(Membership.role), col(Person.name))
        )
    )
    breakouts = session.exec(
        select(Breakout)
        .where(Breakout.cohort_id == cohort_id)
        .order_by(col(Breakout.start), col(Breakout.id))
    )
    return CohortDetail(
        cohort, [tuple(m) for m in members], session_views(session, list(breakouts))
    )


def save_certificate_rule(
    session: Session, cohort_id: int, values: dict[str, float | None]
) -> None:
    """Store a cohort's certificate requirements (validated by the caller)."""
    if session.get(Cohort, cohort_id) is None:
        raise NotFound("There is no such cohort.")
    row = session.get(CertificateRule, cohort_id) or CertificateRule(cohort_id=cohort_id)
    for name, value in values.items():
        setattr(row, name, value)
    session.add(row)
