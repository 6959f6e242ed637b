"""The staff control room: live rooms at a glance, broadcast, extend and close all."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from helpers import RoomClient, csrf_from, log_in, session_cookie

from simulator.models import Role

pytestmark = pytest.mark.slow


async def test_control_room_sees_rooms_and_acts_on_all_of_them(
    live_server, make_person, make_session
):
    people = [make_person(Role.TRAINEE) for _ in range(3)]
    coach = make_person(Role.COACH)
    session = make_session(people, coach=coach, starts_in=timedelta(minutes=-5))
    trainee = await RoomClient.join(
        live_server, session.id, await session_cookie(live_server, people[1].email)
    )
    await trainee.next("welcome")
    await trainee.send({"type": "help.request", "text": "We are stuck on the opening"})
    await trainee.next("state", where=lambda f: f["state"]["help"])
    staff = make_person(Role.STAFF)
    async with httpx.AsyncClient(base_url=live_server) as client:
        await log_in(client, staff.email)
        [row] = (await client.get("/api/control/rooms")).json()
        assert (
            row["session_id"] == session.id
            and row["trainees_present"] == 1
            and row["trainees_seated"] == 3
        )
        assert (
            row["open_help"] == 1
            and row["phase"] == "preparation"
            and row["title"] == "The Late-Night Bakery"
        )
        page = await client.get("/control")
        assert "The Late-Night Bakery" in page.text and "1 waiting" in page.text
        token = csrf_from(page.text)
        sent = await client.post(
            "/control/broadcast",
            data={"text": "Ten minutes left in this round.", "csrf_token": token},
        )
        assert sent.status_code == 303 and "1+rooms" in sent.headers["location"]
        state = await trainee.next("state", where=lambda f: f["state"]["notices"])
        assert state["state"]["notices"][-1]["text"] == "Ten minutes left in this round."
        deadline = state["state"]["deadline"]
        await client.post("/control/extend", data={"minutes": "10", "csrf_token": token})
        state = await trainee.next("state", where=lambda f: f["state"]["deadline"] != deadline)
        assert state["state"]["deadline"] == deadline + 10 * 60_000
        refused = await client.post("/control/close", data={"csrf_token": token})
        assert refused.status_code == 400 and "Tick the box" in refused.text
        closed = await client.post("/control/close", data={"confirm": "yes", "csrf_token": token})
        assert closed.status_code == 303
        await trainee.next("state", where=lambda f: f["state"]["phase"] == "ended")
        assert (await client.get("/api/control/rooms")).json() == []
    await trainee.close()


async def test_room_page_opens_only_near_the_start_and_only_for_members(
    client, make_person, make_session
):
    people = [make_person(Role.TRAINEE) for _ in range(3)]
    later = make_session(people, starts_in=timedelta(days=2))
    now = make_session(
        [people[0], make_person(Role.TRAINEE), make_person(Role.TRAINEE)],
        starts_in=timedelta(minutes=-1),
    )
    await log_in(client, people[0].email)
    early = await client.get(f"/sessions/{later.id}/room")
    assert early.status_code == 403 and "opens 30 minutes before" in early.text
    page = await client.get(f"/sessions/{now.id}/room")
    assert page.status_code == 200 and 'data-testid="room-status"' in page.text
    assert "Confidential instructions (yours alone)" in page.text
    await log_in(client, make_person(Role.TRAINEE).email)
    assert (await client.get(f"/sessions/{now.id}/room")).status_code == 404
