"""No-show recovery from the control room: staff see empty seats, apply a plan, people are told."""

from __future__ import annotations

from datetime import timedelta

from helpers import csrf_from
from sqlmodel import select

from simulator.models import Breakout, BreakoutStatus, Notification, Role, Seat


async def _enter(app, session_id: int, person) -> None:
    """Put a person in the room through the room service, as their websocket would."""

    async def send(_text: str) -> None:
        return None

    async def close(_code: int, _reason: str) -> None:
        return None

    await app.state.rooms.connect(session_id, person, send, close)


def _seats(database, breakout_id: int) -> dict[int, str]:
    with database.session() as session:
        return {
            s.person_id: s.role_id
            for s in session.exec(select(Seat).where(Seat.breakout_id == breakout_id))
        }


async def test_an_observer_takes_the_missing_party_in_one_click(
    client, app, make_person, make_session, login, database
):
    staff = make_person(Role.STAFF)
    coach = make_person(Role.COACH)
    trainees = [make_person(Role.TRAINEE) for _ in range(4)]
    live = make_session(trainees, coach=coach, starts_in=-timedelta(minutes=3))
    roles = _seats(database, live.id)
    mediator, party_a, party_b, observer = trainees
    assert roles[observer.id] == "observer"
    for person in (mediator, party_a, observer):
        await _enter(app, live.id, person)

    await login(client, staff.email)
    page = await client.get("/control")
    assert page.status_code == 200
    assert page.text.count('data-testid="recovery"') == 1
    assert f"{observer.name} (observer) plays" in page.text
    key = page.text.split('name="key" value="', 1)[1].split('"', 1)[0]

    applied = await client.post(
        "/control/recover",
        data={"csrf_token": csrf_from(page.text), "session": str(live.id), "key": key},
    )
    assert applied.status_code == 303, applied.text[:3000]
    after = _seats(database, live.id)
    assert after[observer.id] == roles[party_b.id]
    assert after[party_b.id] == "observer"
    with database.session() as session:
        told = {n.person_id for n in session.exec(select(Notification))}
    assert told == {observer.id, party_b.id}

    state = await app.state.rooms.hub.load(live.id)
    assert state.members[observer.id].role_id == roles[party_b.id]
    assert "Seats changed" in state.notices[-1]["text"]

    again = await client.get("/control")
    assert 'data-testid="recovery"' not in again.text  # nobody the play needs is missing now

    await login(client, observer.email)
    home = await client.get("/")
    assert 'data-testid="notifications"' in home.text and "Your seat changed" in home.text
    read = await client.post("/notifications/read", data={"csrf_token": csrf_from(home.text)})
    assert read.status_code == 303
    assert 'data-testid="notifications"' not in (await client.get("/")).text


async def test_two_short_groups_merge_and_a_plan_not_seen_is_refused(
    client, app, make_person, make_session, login, database
):
    staff = make_person(Role.STAFF)
    first = [make_person(Role.TRAINEE) for _ in range(3)]
    second = [make_person(Role.TRAINEE) for _ in range(3)]
    start = -timedelta(minutes=2)
    a = make_session(first, starts_in=start)
    b = make_session(second, starts_in=start)
    with database.session() as session:  # the same start, so the two can merge
        moved = session.get(Breakout, b.id)
        moved.start = session.get(Breakout, a.id).start
        session.add(moved)
    for person in first[:2] + second[:1]:
        await _enter(app, a.id if person in first else b.id, person)

    await login(client, staff.email)
    page = (await client.get("/control")).text
    card = page.split(f'data-session="{a.id}"', 1)[1].split("</li>\n", 1)[0]
    key = card.split('name="key" value="', 1)[1].split('"', 1)[0]
    assert "merges into this session" in card

    stale = await client.post(
        "/control/recover",
        data={"csrf_token": csrf_from(page), "session": str(a.id), "key": "0" * 16},
    )
    assert stale.status_code == 409 and "room changed" in stale.text
    done = await client.post(
        "/control/recover",
        data={"csrf_token": csrf_from(page), "session": str(a.id), "key": key},
    )
    assert done.status_code == 303
    with database.session() as session:
        assert session.get(Breakout, b.id).status == BreakoutStatus.CANCELLED
        here = {s.person_id for s in session.exec(select(Seat).where(Seat.breakout_id == a.id))}
    assert {p.id for p in first + second} == here  # nobody lost a seat
    old_room = await app.state.rooms.hub.load(b.id)
    assert f"/sessions/{a.id}/room" in old_room.notices[-1]["text"]


async def test_a_plan_is_gone_once_the_missing_person_arrives(
    client, app, make_person, make_session, login, database
):
    staff = make_person(Role.STAFF)
    coach = make_person(Role.COACH)
    trainees = [make_person(Role.TRAINEE) for _ in range(3)]
    live = make_session(trainees, coach=coach, starts_in=-timedelta(minutes=1))
    for person in trainees[:2]:
        await _enter(app, live.id, person)
    await login(client, staff.email)
    page = (await client.get("/control")).text
    assert "plays" in page and coach.name in page  # the coach plays the missing party
    key = page.split('name="key" value="', 1)[1].split('"', 1)[0]
    await _enter(app, live.id, trainees[2])
    late = await client.post(
        "/control/recover",
        data={"csrf_token": csrf_from(page), "session": str(live.id), "key": key},
    )
    assert late.status_code == 404 and "no longer misses anyone" in late.text
    with database.session() as session:
        assert session.exec(select(Notification)).all() == []
