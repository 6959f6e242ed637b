"""Importing a roster CSV into a cohort: people by email, memberships with their roster ids.

All or nothing: a file with any problem, in its rows or against what is already stored, imports
no one, and every problem is reported as `line N, column NAME: message`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from sqlmodel import Session, col, select

from simulator.accounts import normalise_email
from simulator.errors import NotFound
from simulator.models import Cohort, Membership, Person, Role
from simulator.scheduling import Person as RosterPerson
from simulator.scheduling.csvtable import CsvError, read_rows, row_error
from simulator.scheduling.roster import COLUMNS, parse_roster

_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
MAX_AVAILABILITY = 500


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int

    @property
    def total(self) -> int:
        return self.created + self.updated


def import_roster(session: Session, cohort_id: int, data: str | bytes) -> ImportResult:
    """Add or update everyone in the file and seat them in the cohort; CsvError lists every problem."""
    if session.get(Cohort, cohort_id) is None:
        raise NotFound("There is no such cohort.")
    people = [replace(p, email=normalise_email(p.email)) for p in parse_roster(data)]
    rows = _rows_by_email(data)
    existing = {
        p.email: p
        for p in session.exec(
            select(Person).where(col(Person.email).in_([p.email for p in people]))
        )
    }
    taken = {
        m.roster_id: m.person_id
        for m in session.exec(select(Membership).where(Membership.cohort_id == cohort_id))
        if m.roster_id
    }
    errors = []
    for person in people:
        line, availability = rows[person.email]
        errors.extend(
            row_error(line, column, message) for column, message in _problems(person, availability)
        )
        known = existing.get(person.email)
        if known is not None and known.role not in (Role.TRAINEE, Role.COACH):
            errors.append(
                row_error(line, "email", f"{person.email} belongs to a {known.role} account")
            )
        holder = taken.get(person.id)
        if holder is not None and (known is None or known.id != holder):
            errors.append(
                row_error(line, "id", f"'{person.id}' is already someone else's id in this cohort")
            )
    if errors:
        raise CsvError(errors)
    created = 0
    for person in people:
        row = existing.get(person.email)
        if row is None:
            row = Person(email=person.email, name=person.name, role=person.role)
            created += 1
        _apply(row, person, rows[person.email][1])
        session.add(row)
        session.flush()
        _seat(session, cohort_id, row, person)
    return ImportResult(created, len(people) - created)


def _rows_by_email(data: str | bytes) -> dict[str, tuple[int, str]]:
    """Line and availability text as written, by email, of an already valid file."""
    rows, _ = read_rows(data, COLUMNS)
    return {normalise_email(row["email"]): (line, row["availability"]) for line, row in rows}


def _problems(person: RosterPerson, availability: str) -> list[tuple[str, str]]:
    """What the roster format allows but the stored profile cannot hold."""
    problems = []
    if person.country and not _COUNTRY.match(person.country):
        problems.append(
            ("country", f"'{person.country}' is not a two-letter country code (like KE)")
        )
    if len(availability) > MAX_AVAILABILITY:
        problems.append(("availability", f"is longer than {MAX_AVAILABILITY} characters"))
    if len(person.name) > 200:
        problems.append(("name", "is longer than 200 characters"))
    return problems


def _apply(row: Person, person: RosterPerson, availability: str) -> None:
    row.name = person.name
    row.role = person.role
    row.timezone = person.timezone
    row.country = person.country.upper()
    row.languages = ";".join(person.languages)
    row.experience = person.experience
    row.availability = availability


def _seat(session: Session, cohort_id: int, row: Person, person: RosterPerson) -> None:
    membership = session.exec(
        select(Membership).where(Membership.cohort_id == cohort_id, Membership.person_id == row.id)
    ).first() or Membership(cohort_id=cohort_id, person_id=row.id or 0, role=person.role)
    membership.role = person.role
    membership.roster_id = person.id
    session.add(membership)
