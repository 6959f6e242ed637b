"""`GET /api/sessions` and session pages, scoped to each role."""

from __future__ import annotations

from datetime import timedelta

from helpers import log_in

from simulator.models import BreakoutStatus, Role


async def _api(client, email):
    await log_in(client, email)
    response = await client.get("/api/sessions")
    assert response.status_code == 200
    return response.json()


async def test_scoping_by_role(client, make_person, make_session):
    staff, coach, other_coach = (
        make_person(Role.STAFF),
        make_person(Role.COACH),
        make_person(Role.COACH),
    )
    group_a = [make_person(Role.TRAINEE) for _ in range(4)]
    group_b = [make_person(Role.TRAINEE) for _ in range(3)]
    a = make_session(group_a, coach=coach)
    b = make_session(group_b, coach=other_coach, case_id="late-night-bakery")
    draft_group = [make_person(Role.TRAINEE) for _ in range(3)]
    draft = make_session(draft_group, status=BreakoutStatus.DRAFT)

    assert {s["id"] for s in await _api(client, staff.email)} == {a.id, b.id, draft.id}
    assert [s["id"] for s in await _api(client, coach.email)] == [a.id]
    mine = await _api(client, group_a[1].email)
    assert [s["id"] for s in mine] == [a.id]
    assert await _api(client, draft_group[0].email) == []  # not published yet
    assert await _api(client, make_person(Role.TRAINEE).email) == []


async def test_item_shape_and_hidden_emails_for_trainees(client, make_person, make_session):
    coach = make_person(Role.COACH)
    group = [make_person(Role.TRAINEE) for _ in range(3)]
    session = make_session(group, coach=coach, starts_in=timedelta(hours=2))
    [item] = await _api(client, group[0].email)
    assert item["id"] == session.id and item["case"] == "late-night-bakery"
    assert item["start"].endswith("Z") and item["duration_minutes"] == 60
    assert item["room_url"] == f"http://testserver/sessions/{session.id}/room"
    seats = {seat["name"]: seat for seat in item["seats"]}
    assert seats[group[0].name]["email"] == group[0].email
    assert seats[group[1].name]["email"] is None and seats[group[2].name]["email"] is None
    assert {seat["role"] for seat in item["seats"]} >= {"mediator"}
    [coach_item] = await _api(client, coach.email)
    assert {seat["email"] for seat in coach_item["seats"]} == {p.email for p in group}


async def test_anonymous_api_gets_401_json(client):
    response = await client.get("/api/sessions")
    assert response.status_code == 401 and response.json() == {"error": "Log in first."}


async def test_session_page_only_for_its_people(client, make_person, make_session):
    coach, stranger_coach = make_person(Role.COACH), make_person(Role.COACH)
    group = [make_person(Role.TRAINEE) for _ in range(3)]
    outsider = make_person(Role.TRAINEE)
    session = make_session(group, coach=coach)
    await log_in(client, group[0].email)
    page = await client.get(f"/sessions/{session.id}")
    assert page.status_code == 200 and group[1].name in page.text
    await log_in(client, outsider.email)
    assert (await client.get(f"/sessions/{session.id}")).status_code == 404
    assert (await client.get("/sessions/999999")).status_code == 404
    await log_in(client, stranger_coach.email)
    assert (await client.get(f"/sessions/{session.id}")).status_code == 403


async def test_trainee_dashboard_shows_local_time_role_and_case(client, make_person, make_session):
    trainee = make_person(Role.TRAINEE, timezone="Asia/Taipei")
    session = make_session([trainee, make_person(Role.TRAINEE), make_person(Role.TRAINEE)])
    await log_in(client, trainee.email)
    page = (await client.get("/")).text
    assert "The Late-Night Bakery" in page or "Bakery" in page
    assert "CST" in page  # Taipei's abbreviation, i.e. the time was converted to the viewer's zone
    assert "mediator" in page
    assert f"/sessions/{session.id}" in page
