"""Rubric versions in the database: stored by text digest, guarded against orphaning scores."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from simulator import rubric_store
from simulator.errors import NotFound
from simulator.models import Cohort, Note, Role, RubricVersion, Score, SelfAssessment
from simulator.rubric_store import RubricFile
from simulator.scoring import RubricShape

BUNDLED = "core-mediation-skills"


def _file(source: str, criteria: tuple[str, ...], levels=(1, 2, 3), rubric_id="practice"):
    """A rubric file as a caller hands it over (the store never parses the text itself)."""
    return RubricFile(rubric_id, "Practice rubric", source, RubricShape(criteria, levels))


def test_a_version_is_added_only_when_the_text_changes(database, make_person):
    staff = make_person(Role.STAFF)
    with database.session() as session:
        first, lost = rubric_store.store_rubric(
            session, _file("one", ("looping",)), created_by=staff.id
        )
        assert lost == [] and first.version == 1
        same, _ = rubric_store.store_rubric(
            session, _file("one", ("looping",)), created_by=staff.id
        )
        assert same.id == first.id
        second, _ = rubric_store.store_rubric(
            session, _file("two", ("looping",)), created_by=staff.id
        )
        assert second.version == 2 and second.sha256 == rubric_store.digest("two")
    with database.session() as session:
        history = rubric_store.versions_of(session, "practice")
        assert [(v.version, name) for v, name in history] == [(1, staff.name), (2, staff.name)]
        assert rubric_store.latest_version(session, "practice").source == "two"
        assert {v.rubric_id for v in rubric_store.latest_versions(session)} == {
            BUNDLED,
            "practice",
        }
        with pytest.raises(NotFound):
            rubric_store.versions_of(session, "no-such-rubric")


def test_the_test_database_holds_the_bundled_rubric(database):
    with database.session() as session:
        (bundled,) = rubric_store.versions_of(session, BUNDLED)
        assert bundled[0].version == 1 and bundled[0].created_by is None
        assert bundled[1] == "bundled with the software"


def test_dropping_what_stored_records_use_is_refused(database, make_person, make_session):
    coach, trainee = make_person(Role.COACH), make_person(Role.TRAINEE)
    others = [make_person(Role.TRAINEE) for _ in range(2)]
    breakout = make_session([trainee, *others], coach=coach, starts_in=timedelta(hours=-2))
    with database.session() as session:
        session.add(
            Score(
                breakout_id=breakout.id,
                trainee_id=trainee.id,
                coach_id=coach.id,
                criterion_id="looping",
                level=4,
            )
        )
        session.add(
            SelfAssessment(
                breakout_id=breakout.id, trainee_id=trainee.id, criterion_id="", level=None
            )
        )
        session.add(
            Note(breakout_id=breakout.id, coach_id=coach.id, criterion_id="caucus", text="x")
        )
    with database.session() as session:
        criteria, levels = rubric_store.used_criteria_and_levels(session, BUNDLED)
        assert criteria == {"looping": 1, "caucus": 1} and levels == {4: 1}
        assert rubric_store.used_criteria_and_levels(session, "practice") == ({}, {})
        current = rubric_store.latest_version(session, BUNDLED)
        edit = RubricFile(BUNDLED, "Core", "edited", RubricShape(("looping",), (1, 2, 3)))
        version, lost = rubric_store.store_rubric(session, edit, created_by=None)
        assert version is None
        assert [(loss.key, loss.message.split(" is used")[0]) for loss in lost] == [
            ("criteria", "criterion `caucus`"),
            ("scale", "scale value 4"),
        ]
        assert rubric_store.latest_version(session, BUNDLED).id == current.id
        kept = RubricFile(BUNDLED, "Core", "edited", RubricShape(("caucus", "looping"), (2, 4)))
        version, lost = rubric_store.store_rubric(session, kept, created_by=None)
        assert lost == [] and version.version == 2  # unused criteria and levels may go


def test_sync_never_replaces_a_version_staff_saved(database, make_person):
    staff = make_person(Role.STAFF)
    with database.session() as session:
        assert rubric_store.sync_bundled_rubrics(session, [_file("v1", ("a-b",))]) == 1
        assert rubric_store.sync_bundled_rubrics(session, [_file("v1", ("a-b",))]) == 0
        assert rubric_store.sync_bundled_rubrics(session, [_file("v2", ("a-b",))]) == 1
        rubric_store.store_rubric(session, _file("staff", ("a-b",)), created_by=staff.id)
        assert rubric_store.sync_bundled_rubrics(session, [_file("v3", ("a-b",))]) == 0
        sources = session.exec(
            select(RubricVersion.source)
            .where(RubricVersion.rubric_id == "practice")
            .order_by(RubricVersion.version)
        ).all()
        assert sources == ["v1", "v2", "staff"]


def test_usage_names_cohorts_and_cases(database, library):
    with database.session() as session:
        session.add(Cohort(name="Evening cohort", rubric_id=BUNDLED))
    with database.session() as session:
        use = rubric_store.usage(session)[BUNDLED]
        assert [c.name for c in use.cohorts] == ["Evening cohort"]
        assert "late-night-bakery" in {v.case_id for v in use.cases}
        assert rubric_store.rubric_ids(session) == {BUNDLED}
