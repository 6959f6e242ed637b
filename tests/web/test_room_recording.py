"""Recording frames on the room socket, against the real server, with scripted clients."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from helpers import RoomClient, Server, session_cookie
from sqlmodel import delete, select

from simulator.models import Recording, RecordingConsent, Role, RoomSnapshot

pytestmark = pytest.mark.slow


def recording(frame: dict) -> dict:
    return frame["state"]["recording"]


def status(value: str):  # noqa: ANN201
    return lambda f: recording(f)["status"] == value


async def _join(base: str, session_id: int, person, tab: str = "t"):  # noqa: ANN001, ANN202
    client = await RoomClient.join(
        base, session_id, await session_cookie(base, person.email), tab=tab
    )
    return client, await client.next("welcome")


@pytest.fixture
def pair(make_person, make_session):
    people = [make_person(Role.TRAINEE) for _ in range(2)]
    session = make_session(people, starts_in=timedelta(minutes=-5))
    return session.id, people


async def test_consent_starts_withdrawal_stops_and_answers_are_kept(live_server, pair, database):
    session_id, (first, second) = pair
    a, welcome = await _join(live_server, session_id, first)
    assert recording(welcome)["status"] == "off" and recording(welcome)["peer"] is None
    b, _ = await _join(live_server, session_id, second)
    await a.send({"type": "recording.request"})
    asked = await b.next("state", where=status("waiting"))
    assert recording(asked)["requested_by"] == first.id
    assert recording(asked)["waiting_for"] == [second.id] and not recording(asked)["consented"]
    await b.send({"type": "recording.consent", "given": True})
    # Everyone sees it running; then the hidden recorder takes its place (never as a person).
    on = await a.next("state", where=lambda f: recording(f)["peer"] is not None)
    assert recording(on)["status"] == "on" and recording(on)["send"] is True
    assert recording(on)["peer"]["id"] == 0
    assert {p["id"] for p in on["state"]["people"]} == {first.id, second.id}
    assert "0" not in on["state"]["media_to"]
    await b.send({"type": "recording.consent", "given": False})
    off = await a.next("state", where=status("off"))
    assert recording(off)["last_stop"]["reason"] == "consent withdrawn"
    assert recording(off)["peer"] is None
    for _ in range(50):
        with database.session() as db:
            rows = db.exec(select(Recording).where(Recording.breakout_id == session_id)).all()
        if rows and rows[0].ended_at is not None:
            break
        await asyncio.sleep(0.1)
    assert len(rows) == 1 and rows[0].stopped_because == "consent withdrawn"
    with database.session() as db:
        answers = {c.person_id: c.given for c in db.exec(select(RecordingConsent))}
    assert answers == {first.id: True, second.id: False}
    await a.close()
    await b.close()


async def test_bad_and_unauthorised_recording_frames_get_error_frames(
    live_server, pair, make_person
):
    session_id, (first, _) = pair
    a, _ = await _join(live_server, session_id, first)
    for bad, code in [
        ({"type": "recording.consent", "given": "yes"}, "bad_message"),
        ({"type": "recording.consent"}, "bad_message"),
        ({"type": "recording.request", "for": "everyone"}, "bad_message"),
        ({"type": "recording.stop"}, "refused"),  # nothing to stop
    ]:
        await a.send(bad)
        assert (await a.next("error"))["code"] == code, bad
    await a.send({"type": "recording.request"})
    await a.next("state", where=status("waiting"))
    await a.send({"type": "recording.request"})
    assert "already" in (await a.next("error"))["message"]
    # Someone from another session cannot reach this room at all, let alone vote in it.
    stranger = make_person(Role.TRAINEE)
    outsider = await RoomClient.join(
        live_server, session_id, await session_cookie(live_server, stranger.email)
    )
    refusal = await outsider.next("error")
    assert refusal["fatal"] and refusal["code"] == "forbidden"
    await outsider.close()
    await a.close()


async def test_a_staff_visitor_must_consent_too(live_server, pair, make_person):
    session_id, (first, second) = pair
    staff = make_person(Role.STAFF)
    a, _ = await _join(live_server, session_id, first)
    b, _ = await _join(live_server, session_id, second)
    await a.send({"type": "recording.request"})
    await b.send({"type": "recording.consent", "given": True})
    await a.next("state", where=status("on"))
    s, welcome = await _join(live_server, session_id, staff)
    # The visitor's arrival stops the recording until they agree; they are asked in the room.
    assert recording(welcome)["status"] == "waiting"
    assert recording(welcome)["waiting_for"] == [staff.id]
    stopped = await a.next("state", where=status("waiting"))
    assert recording(stopped)["last_stop"]["reason"] == "someone without consent joined"
    await s.send({"type": "recording.consent", "given": True})
    await a.next("state", where=status("on"))
    await s.send({"type": "recording.stop"})
    await b.next("state", where=status("off"))
    for client in (a, b, s):
        await client.close()


async def test_consent_is_remembered_for_the_session(make_person, make_session, settings, database):
    people = [make_person(Role.TRAINEE) for _ in range(2)]
    session_id = make_session(people, starts_in=timedelta(minutes=-5)).id
    server = Server(settings.database_url, settings.secret_key).start()
    try:
        a, _ = await _join(server.base, session_id, people[0])
        await a.send({"type": "recording.request"})
        await a.next("state", where=status("waiting"))
        await a.send({"type": "recording.stop"})
        await a.next("state", where=status("off"))
        await a.close()
        server.stop()
        with database.session() as db:  # even a room rebuilt from scratch remembers
            db.exec(delete(RoomSnapshot))
        server.start()
        a, welcome = await _join(server.base, session_id, people[0], tab="again")
        assert recording(welcome)["consented"] is True
        b, welcome = await _join(server.base, session_id, people[1])
        assert recording(welcome)["consented"] is False
        await b.send({"type": "recording.request"})  # the first person's yes still counts
        on = await a.next("state", where=status("on"))
        assert recording(on)["waiting_for"] == []
        await a.send({"type": "recording.stop"})
        await a.next("state", where=status("off"))
        await a.close()
        await b.close()
    finally:
        server.stop()


async def test_a_recorder_that_cannot_write_stops_the_recording_openly(
    make_person, make_session, settings, database, tmp_path
):
    people = [make_person(Role.TRAINEE) for _ in range(2)]
    session_id = make_session(people, starts_in=timedelta(minutes=-5)).id
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the storage folder should be")
    server = Server(settings.database_url, settings.secret_key)
    server.env["STORAGE_DIR"] = str(blocked)
    server.start()
    try:
        a, _ = await _join(server.base, session_id, people[0])
        b, _ = await _join(server.base, session_id, people[1])
        await a.send({"type": "recording.request"})
        await b.send({"type": "recording.consent", "given": True})
        failed = await a.next("state", where=lambda f: recording(f)["last_stop"] is not None)
        assert recording(failed)["last_stop"]["reason"] == "recorder failed"
        with database.session() as db:
            assert db.exec(select(Recording)).all() == []
        await a.close()
        await b.close()
    finally:
        server.stop()
