"""Calendar feeds: the private link, the download, and ICS that a calendar library reads back."""

from __future__ import annotations

from datetime import UTC, timedelta

import icalendar
import pytest
from helpers import csrf_from

from simulator.calendar_feed import feed_token, token_person
from simulator.models import Person, Role


def _feed_path(html: str) -> str:
    marker = 'id="calendar-url" class="wide" readonly value="'
    url = html.split(marker, 1)[1].split('"', 1)[0]
    return url.split("://", 1)[1].partition("/")[2].join(["/", ""])


def _events(body: bytes) -> list[icalendar.Event]:
    cal = icalendar.Calendar.from_ical(body)
    return list(cal.walk("VEVENT"))


async def test_a_trainee_subscribes_and_sees_their_sessions_in_utc(
    client, make_person, make_session, login
):
    nairobi = make_person(Role.TRAINEE, timezone="Africa/Nairobi")
    other = make_person(Role.TRAINEE)
    mine = make_session([nairobi, other], starts_in=timedelta(days=3))
    make_session([other])  # not theirs
    start = mine.start.replace(tzinfo=UTC) if mine.start.tzinfo is None else mine.start
    await login(client, nairobi.email)
    page = (await client.get("/profile")).text
    path = _feed_path(page)
    client.cookies.clear()  # calendar clients have no session cookie

    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    events = _events(response.content)
    assert len(events) == 1
    event = events[0]
    assert event.decoded("dtstart") == start.replace(microsecond=0)
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(
        minutes=mine.duration_minutes
    )
    assert str(event["uid"]).startswith(f"session-{mine.id}@")
    assert str(event["summary"]).lower().endswith("mediator)")
    assert other.name in str(event["description"])
    assert f"/sessions/{mine.id}" in str(event["url"])


async def test_the_feed_never_carries_confidential_instructions(
    client, make_person, make_session, login, database
):
    trainee = make_person(Role.TRAINEE)
    other = make_person(Role.TRAINEE)
    breakout = make_session([other, trainee])  # trainee plays a party
    await login(client, trainee.email)
    body = (await client.get("/calendar.ics")).content
    from simulator import case_store
    from simulator.models import CaseVersion

    with database.session() as s:
        case = case_store.case_of(s.get(CaseVersion, breakout.case_version_id))
    text = icalendar.Calendar.from_ical(body).to_ical().decode()
    for role in case.roles:
        confidential = str(role.confidential or "")
        for line in [ln for ln in confidential.splitlines() if len(ln) > 40][:3]:
            assert line.strip() not in text


async def test_download_needs_sign_in_and_is_an_attachment(client, make_person, login):
    coach = make_person(Role.COACH)
    assert (await client.get("/calendar.ics", follow_redirects=False)).status_code in (302, 303)
    await login(client, coach.email)
    response = await client.get("/calendar.ics")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    assert _events(response.content) == []


@pytest.mark.parametrize("token", ["1-" + "0" * 32, "x-y", "99999-" + "a" * 32, "1"])
async def test_wrong_tokens_find_nothing(client, make_person, token):
    make_person(Role.TRAINEE)
    response = await client.get(f"/calendar/{token}.ics")
    assert response.status_code == 404
    assert "profile" in response.text


async def test_a_new_link_revokes_the_old_one(client, make_person, login, app):
    trainee = make_person(Role.TRAINEE)
    await login(client, trainee.email)
    page = (await client.get("/profile")).text
    old = _feed_path(page)
    assert (await client.get(old)).status_code == 200

    unconfirmed = await client.post("/profile/calendar", data={"csrf_token": csrf_from(page)})
    assert unconfirmed.status_code == 303 and "confirm" in unconfirmed.headers["location"]
    assert (await client.get(old)).status_code == 200

    done = await client.post(
        "/profile/calendar", data={"csrf_token": csrf_from(page), "confirm": "yes"}
    )
    assert done.status_code == 303
    new_page = (await client.get("/profile?calendar=reset")).text
    assert "the old link no longer works" in new_page
    new = _feed_path(new_page)
    assert new != old
    assert (await client.get(old)).status_code == 404
    assert (await client.get(new)).status_code == 200


def test_tokens_name_their_person_and_differ_by_epoch():
    one = feed_token("k", 7, 1)
    assert token_person(one) == 7
    assert one != feed_token("k", 7, 2) != feed_token("k2", 7, 1)
    assert token_person("7-short") is None


def test_person_has_a_calendar_epoch():
    assert Person(email="a@b.c", name="A", role="trainee").calendar_epoch == 1
