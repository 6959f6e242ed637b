"""Importing a roster into a cohort: everyone or nobody, people matched by email."""

from __future__ import annotations

import pytest
from sqlmodel import select

from simulator.models import Cohort, Membership, Person, Role
from simulator.roster_import import import_roster
from simulator.scheduling.csvtable import CsvError

HEADER = "id,name,email,role,timezone,country,languages,experience,availability\n"
ROSTER = HEADER + (
    "t01,Achieng Otieno,achieng@example.org,trainee,Africa/Nairobi,KE,en;sw,new,Mon-Fri 18:00-22:00\n"
    "t02,Lin Mei-hua,lin@example.org,trainee,Asia/Taipei,TW,zh;en,advanced,\n"
    "c01,Elena Rossi,Elena@Example.org,coach,America/New_York,US,en;it,,\n"
)


@pytest.fixture
def cohort_id(database) -> int:
    with database.session() as session:
        cohort = Cohort(name="Roster cohort")
        session.add(cohort)
        session.flush()
        return cohort.id


def test_import_creates_people_and_memberships(database, cohort_id):
    with database.session() as session:
        result = import_roster(session, cohort_id, ROSTER.encode())
    assert (result.created, result.updated) == (3, 0)
    with database.session() as session:
        rows = {
            p.email: (p, m)
            for m, p in session.exec(
                select(Membership, Person).join(Person, Person.id == Membership.person_id)
            )
        }
    achieng, membership = rows["achieng@example.org"]
    assert (achieng.timezone, achieng.country, achieng.languages) == (
        "Africa/Nairobi",
        "KE",
        "en;sw",
    )
    assert achieng.availability == "Mon-Fri 18:00-22:00" and achieng.role == Role.TRAINEE
    assert (membership.cohort_id, membership.roster_id, membership.role) == (
        cohort_id,
        "t01",
        "trainee",
    )
    coach, membership = rows["elena@example.org"]
    assert coach.role == Role.COACH and membership.roster_id == "c01"


def test_import_again_updates_by_email(database, cohort_id):
    with database.session() as session:
        import_roster(session, cohort_id, ROSTER.encode())
    moved = ROSTER.replace("Asia/Taipei,TW", "Europe/Berlin,DE")
    with database.session() as session:
        result = import_roster(session, cohort_id, moved.encode())
    assert (result.created, result.updated) == (0, 3)
    with database.session() as session:
        lin = session.exec(select(Person).where(Person.email == "lin@example.org")).one()
        assert (lin.timezone, lin.country) == ("Europe/Berlin", "DE")
        assert len(session.exec(select(Membership)).all()) == 3


def test_a_file_with_errors_imports_nobody_and_lists_every_row(database, cohort_id):
    bad = ROSTER + (
        "t03,Marcus Webb,marcus@example.org,trainee,Mars/Olympus,US,en,new,\n"
        "t04,Sofia,sofia@example.org,student,Europe/Stockholm,Sweden,sv,new,Someday\n"
    )
    with database.session() as session, pytest.raises(CsvError) as caught:
        import_roster(session, cohort_id, bad.encode())
    text = "\n".join(caught.value.errors)
    assert "line 5, column timezone" in text
    assert "line 6, column role" in text and "line 6, column availability" in text
    with database.session() as session:
        assert session.exec(select(Person)).all() == []


def test_stored_data_is_checked_too(database, cohort_id, make_person):
    make_person(Role.STAFF, email="lin@example.org")
    bad = ROSTER.replace(",KE,", ",Kenya,")
    with database.session() as session, pytest.raises(CsvError) as caught:
        import_roster(session, cohort_id, bad.encode())
    assert caught.value.errors == [
        "line 2, column country: 'Kenya' is not a two-letter country code (like KE)",
        "line 3, column email: lin@example.org belongs to a staff account",
    ]
    with database.session() as session:
        assert session.exec(select(Membership)).all() == []
