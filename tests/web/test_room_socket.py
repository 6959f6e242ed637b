"""The signaling websocket against the real server on a loopback port, with real clients."""

from __future__ import annotations

import asyncio
import json
import random
from datetime import timedelta

import httpx
import pytest
from helpers import RoomClient, Server, log_in, session_cookie
from sqlmodel import select
from websockets.exceptions import ConnectionClosed

from simulator.models import Attendance, Role

pytestmark = pytest.mark.slow


@pytest.fixture
def room(make_person, make_session):
    """A live session of the bakery case: mediator, baker, neighbour, observer; a coach."""
    people = [make_person(Role.TRAINEE) for _ in range(4)]
    coach = make_person(Role.COACH)
    session = make_session(people, coach=coach, starts_in=timedelta(minutes=-5))
    return session.id, people, coach


async def _join(base, session_id, person, tab="t"):
    client = await RoomClient.join(
        base, session_id, await session_cookie(base, person.email), tab=tab
    )
    welcome = await client.next("welcome")
    return client, welcome


async def test_members_join_see_each_other_and_relay_signals(live_server, room, database):
    session_id, (mediator, baker, neighbour, _), coach = room
    a, welcome = await _join(live_server, session_id, mediator)
    assert welcome["you"]["id"] == mediator.id and welcome["state"]["phase"] == "preparation"
    assert isinstance(welcome["ice_servers"], list) and welcome["server_time"] > 0
    b, _ = await _join(live_server, session_id, baker)
    state = await a.next(
        "state", where=lambda f: sum(p["present"] for p in f["state"]["people"]) == 2
    )
    assert {p["email"] for p in state["state"]["people"] if p["present"]} == {
        mediator.email,
        baker.email,
    }
    await a.send(
        {"type": "signal", "to": baker.id, "description": {"type": "offer", "sdp": "v=0 test"}}
    )
    relayed = await b.next("signal")
    assert relayed["from"] == mediator.id and relayed["description"]["sdp"] == "v=0 test"
    await a.send({"type": "signal", "to": neighbour.id, "candidate": {"candidate": ""}})
    assert (await a.next("error"))["code"] == "not_present"
    await b.close()
    await a.next("state", where=lambda f: sum(p["present"] for p in f["state"]["people"]) == 1)
    await a.close()
    await asyncio.sleep(0.3)
    with database.session() as db:
        stays = db.exec(select(Attendance).where(Attendance.breakout_id == session_id)).all()
    assert {s.person_id for s in stays} == {mediator.id, baker.id} and all(s.left_at for s in stays)
    async with httpx.AsyncClient(base_url=live_server) as client:
        await log_in(client, coach.email)
        page = (await client.get(f"/sessions/{session_id}")).text
    assert "Attendance" in page and mediator.name in page.split("Attendance", 1)[1]


async def test_phases_caucus_and_permissions(live_server, room):
    session_id, (mediator, baker, neighbour, observer), coach = room
    m, _ = await _join(live_server, session_id, mediator)
    b, _ = await _join(live_server, session_id, baker)
    n, _ = await _join(live_server, session_id, neighbour)
    c, _ = await _join(live_server, session_id, coach)
    await b.send({"type": "phase.advance"})
    assert "Only the mediator or the coach" in (await b.next("error"))["message"]
    await m.send({"type": "phase.advance", "to": "joint"})
    await n.next("state", where=lambda f: f["state"]["phase"] == "joint")
    await m.send({"type": "caucus.open", "with": [baker.id]})
    view = (await n.next("state", where=lambda f: f["state"]["caucus"]))["state"]
    assert view["media_to"][str(baker.id)] is False and view["media_to"][str(mediator.id)] is False
    await b.send({"type": "chat.send", "text": "only for the mediator"})
    assert (await m.next("chat"))["message"]["text"] == "only for the mediator"
    assert (await c.next("chat"))["message"]["text"] == "only for the mediator"
    await n.send({"type": "chat.send", "text": "still waiting"})
    assert (await n.next("chat"))["message"]["text"] == "still waiting"  # never the caucus line
    await m.send({"type": "caucus.close"})
    view = (await n.next("state", where=lambda f: f["state"]["caucus"] is None))["state"]
    assert all(text["text"] != "only for the mediator" for text in view["chat"])
    deadline = view["deadline"]
    await m.send({"type": "phase.extend", "minutes": 5})
    assert "Only a coach" in (await m.next("error"))["message"]
    await c.send({"type": "phase.extend", "minutes": 5})
    extended = await n.next("state", where=lambda f: f["state"]["deadline"] != deadline)
    assert extended["state"]["deadline"] == deadline + 5 * 60_000
    await n.send({"type": "help.request", "text": "we are stuck"})
    help_view = await c.next("state", where=lambda f: f["state"]["help"])
    await c.send({"type": "help.resolve", "id": help_view["state"]["help"][0]["id"]})
    await n.next(
        "state",
        where=lambda f: f["state"]["help"] and f["state"]["help"][0]["resolved_by"] == coach.id,
    )
    for client in (m, b, n, c):
        await client.close()


async def test_outsiders_are_refused(live_server, room, make_person, make_session):
    session_id, _, _ = room
    other_trainee = make_person(Role.TRAINEE)
    make_session(
        [other_trainee, make_person(Role.TRAINEE), make_person(Role.TRAINEE)],
        starts_in=timedelta(minutes=-5),
    )
    other_coach = make_person(Role.COACH)
    staff = make_person(Role.STAFF)
    cases = [
        ("", "unauthenticated", 4401),
        (await session_cookie(live_server, other_trainee.email), "forbidden", 4404),
        (await session_cookie(live_server, make_person(Role.TRAINEE).email), "forbidden", 4404),
        (await session_cookie(live_server, other_coach.email), "forbidden", 4403),
    ]
    for cookie, code, close_code in cases:
        client = await RoomClient.join(live_server, session_id, cookie)
        error = await client.next("error")
        assert error["code"] == code and error["fatal"]
        with pytest.raises(ConnectionClosed) as closed:
            await client.ws.recv()
        assert closed.value.rcvd.code == close_code
    cookie = await session_cookie(live_server, staff.email)
    hijack = await RoomClient.join(live_server, session_id, cookie, origin="http://evil.example")
    assert (await hijack.next("error"))["code"] == "forbidden"
    staff_client = await RoomClient.join(live_server, session_id, cookie)  # staff may drop in
    assert (await staff_client.next("welcome"))["you"]["kind"] == "staff"
    await staff_client.close()


async def test_hostile_messages_get_error_frames_and_the_room_goes_on(live_server, room):
    session_id, (mediator, baker, *_), _ = room
    m, _ = await _join(live_server, session_id, mediator)
    b, _ = await _join(live_server, session_id, baker)
    rng = random.Random(7)
    kinds = [
        "signal",
        "phase.advance",
        "caucus.open",
        "chat.send",
        "help.resolve",
        "ping",
        "nope",
        None,
    ]
    junk_values = [None, True, -1, 10**30, "", "x" * 3000, [], {}, [1, "a"], {"type": "offer"}, 1.5]
    hostile: list[str | bytes] = [
        b"\x00binary",
        "x" * 70_000,
        "{",
        "[]",
        "null",
        '"str"',
        "[" * 3000,
    ]
    for _ in range(3000):
        body = {"type": rng.choice(kinds)}
        for field in rng.sample(
            ["to", "text", "with", "minutes", "id", "description", "candidate", "t"],
            k=rng.randint(0, 3),
        ):
            body[field] = rng.choice(junk_values)
        hostile.append(json.dumps(body))
    for index, message in enumerate(hostile):
        await b.ws.send(message)
        if index % 200 == 0:  # stay under the rate limit, as a real flood would be throttled anyway
            await asyncio.sleep(0.2)
    await b.send({"type": "ping", "t": 424242})
    await b.next("pong", timeout=20, where=lambda f: f["t"] == 424242)
    errors = sum(1 for f in b.frames if f["type"] == "error")
    assert errors > 1000
    await m.send({"type": "chat.send", "text": "still here"})
    assert (await b.next("chat", timeout=10))["message"]["text"] == "still here"
    await m.close()
    await b.close()


async def test_a_server_restart_loses_no_room_state(room, settings, database):
    session_id, (mediator, baker, *_), _ = room
    server = Server(settings.database_url, settings.secret_key).start()
    try:
        m, _ = await _join(server.base, session_id, mediator)
        await m.send({"type": "phase.advance", "to": "joint"})
        await m.next("state", where=lambda f: f["state"]["phase"] == "joint")
        await m.send({"type": "chat.send", "text": "before the crash"})
        await m.next("chat")
        server.kill()
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(m.ws.recv(), 5)
        server.start()
        m, welcome = await _join(server.base, session_id, mediator)
        assert welcome["state"]["phase"] == "joint"
        assert [c["text"] for c in welcome["state"]["chat"]] == ["before the crash"]
        await m.close()
    finally:
        server.stop()


@pytest.mark.redis
async def test_two_workers_share_rooms_through_redis_and_survive_a_worker_dying(
    room, settings, database, redis_url
):
    session_id, (mediator, baker, *_), _ = room
    one = Server(settings.database_url, settings.secret_key, redis_url=redis_url).start()
    two = Server(settings.database_url, settings.secret_key, redis_url=redis_url).start()
    try:
        m, _ = await _join(one.base, session_id, mediator)
        b, _ = await _join(two.base, session_id, baker)
        await m.next("state", where=lambda f: sum(p["present"] for p in f["state"]["people"]) == 2)
        await m.send(
            {
                "type": "signal",
                "to": baker.id,
                "description": {"type": "offer", "sdp": "across workers"},
            }
        )
        assert (await b.next("signal"))["description"]["sdp"] == "across workers"
        await b.send({"type": "phase.advance", "to": "opening"})  # the baker may not
        await b.next("error")
        await m.send({"type": "phase.advance", "to": "joint"})
        await b.next("state", where=lambda f: f["state"]["phase"] == "joint")
        one.kill()  # the mediator's worker dies
        m2, welcome = await _join(two.base, session_id, mediator, tab="t")
        assert welcome["state"]["phase"] == "joint"
        await m2.send({"type": "signal", "to": baker.id, "candidate": {"candidate": ""}})
        assert (await b.next("signal"))["from"] == mediator.id
        await m2.close()
        await b.close()
    finally:
        one.stop()
        two.stop()
