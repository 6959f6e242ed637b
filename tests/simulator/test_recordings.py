"""Recording rows and files: who may play and delete, note markers, retention, stale rows."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from helpers import cli

from simulator import recordings
from simulator.errors import BadRequest, Conflict, Forbidden, NotFound
from simulator.models import Breakout, Cohort, Note, Recording, Role, Scorer
from simulator.timeutil import utcnow


@pytest.fixture
def storage(tmp_path):
    folder = tmp_path / "recordings"
    folder.mkdir()
    return folder


@pytest.fixture
def world(make_person, make_session, database, storage):
    member, other = make_person(Role.TRAINEE), make_person(Role.TRAINEE)
    coach, stranger_coach, staff = (
        make_person(Role.COACH),
        make_person(Role.COACH),
        make_person(Role.STAFF),
    )
    session = make_session(
        [member, make_person(Role.TRAINEE)], coach=coach, starts_in=timedelta(minutes=-30)
    )
    return {
        "member": member,
        "other": other,
        "coach": coach,
        "stranger_coach": stranger_coach,
        "staff": staff,
        "session": session,
    }


def add_recording(database, storage, session_id, *, age=timedelta(minutes=10), length=300, **kw):  # noqa: ANN001, ANN201
    started = utcnow() - age
    with database.session() as db:
        row = recordings.begin(db, storage, session_id, 1, started)
        row.ended_at = started + timedelta(seconds=length) if length is not None else None
        row.bytes = 5
        for key, value in kw.items():
            setattr(row, key, value)
        db.add(row)
    recordings.file_path(storage, row).write_bytes(b"12345")
    return row


def test_members_coaches_and_staff_play_others_do_not(database, storage, world):
    row = add_recording(database, storage, world["session"].id)
    with database.session() as db:
        for who in ("member", "coach", "staff"):
            found = recordings.access(db, world[who], row.id)
            assert found.recording.id == row.id
            assert found.sees_notes == (who != "member")
            assert found.may_delete == (who != "member")
        with pytest.raises(NotFound):
            recordings.access(db, world["other"], row.id)  # a trainee learns nothing
        with pytest.raises(Forbidden):
            recordings.access(db, world["stranger_coach"], row.id)
        assert recordings.for_session(db, world["other"], world["session"].id) == []
        assert [r.id for r in recordings.for_session(db, world["member"], world["session"].id)] == [
            row.id
        ]
        db.add(Scorer(breakout_id=world["session"].id, coach_id=world["stranger_coach"].id))
        db.flush()
        found = recordings.access(db, world["stranger_coach"], row.id)  # a calibration scorer
        assert not found.may_delete  # plays it, but only the session's coach deletes it


def test_deleting_removes_the_file_and_the_row(database, storage, world):
    row = add_recording(database, storage, world["session"].id)
    path = recordings.file_path(storage, row)
    with database.session() as db, pytest.raises(Forbidden):
        recordings.delete_recording(db, storage, world["member"], row.id)
    assert path.exists()
    with database.session() as db:
        assert recordings.delete_recording(db, storage, world["coach"], row.id) == row.breakout_id
    assert not path.exists()
    with database.session() as db:
        assert db.get(Recording, row.id) is None
    running = add_recording(database, storage, world["session"].id, length=None)
    with database.session() as db, pytest.raises(Conflict):
        recordings.delete_recording(db, storage, world["staff"], running.id)


def test_retention_deletes_old_recordings_per_cohort_file_and_row(database, storage, world):
    session = world["session"]
    with database.session() as db:
        cohort = db.get(Cohort, session.cohort_id)
        recordings.set_retention(db, cohort.id, "7")
    old = add_recording(database, storage, session.id, age=timedelta(days=8))
    young = add_recording(database, storage, session.id, age=timedelta(days=6))
    with database.session() as db:
        gone = recordings.purge_expired(db, storage)
    assert [r.id for r in gone] == [old.id]
    assert not recordings.file_path(storage, old).exists()
    assert recordings.file_path(storage, young).exists()
    with database.session() as db:
        assert db.get(Recording, old.id) is None and db.get(Recording, young.id) is not None
        with pytest.raises(BadRequest):
            recordings.set_retention(db, session.cohort_id, "0")
        with pytest.raises(BadRequest):
            recordings.set_retention(db, session.cohort_id, "soon")


def test_the_purge_command_applies_retention(database, storage, world, settings, tmp_path):
    old = add_recording(database, storage, world["session"].id, age=timedelta(days=31))
    result = cli(
        "recordings",
        "purge",
        cwd=tmp_path,
        env={"DATABASE_URL": settings.database_url, "STORAGE_DIR": str(storage)},
    )
    assert result.returncode == 0, result.stderr
    assert "Deleted 1 recording(s)" in result.stdout
    assert not recordings.file_path(storage, old).exists()


def test_a_row_left_open_by_a_crashed_recorder_is_closed(database, storage, world):
    row = add_recording(database, storage, world["session"].id, length=None)
    path = recordings.file_path(storage, row)
    long_ago = (utcnow() - timedelta(minutes=20)).timestamp()
    os.utime(path, (long_ago, long_ago))
    with database.session() as db:
        assert recordings.close_stale(db, storage) == 1
    with database.session() as db:
        closed = db.get(Recording, row.id)
        assert closed.ended_at is not None and closed.stopped_because == "recording server stopped"
        # The next recording of the room closes any row still open, whatever its file says.
        fresh = add_recording(database, storage, world["session"].id, length=None)
        recordings.begin(db, storage, world["session"].id, 2, utcnow())
    with database.session() as db:
        assert db.get(Recording, fresh.id).ended_at is not None


def test_notes_are_placed_on_the_recording_timeline(database, storage, world):
    session = world["session"]
    with database.session() as db:
        breakout = db.get(Breakout, session.id)
        begun = breakout.start + timedelta(minutes=10)
        row = Recording(
            breakout_id=session.id,
            filename="x.webm",
            started_at=begun,
            ended_at=begun + timedelta(minutes=5),
        )
        db.add(row)
        for at, text in [(590, "before"), (615, "opening"), (750, "looping"), (920, "after")]:
            db.add(
                Note(breakout_id=session.id, coach_id=world["coach"].id, at_seconds=at, text=text)
            )
        db.flush()
        placed = recordings.markers(db, row, breakout)
    assert [(m.at, m.text) for m in placed] == [(15.0, "opening"), (150.0, "looping")]
