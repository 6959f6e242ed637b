"""Login, logout, throttling, CSRF and invitations through the real app."""

from __future__ import annotations

from datetime import timedelta

from helpers import PASSWORD, csrf_from, log_in
from sqlmodel import select

from simulator import accounts
from simulator.models import Invitation, Role
from simulator.timeutil import utcnow
from web.app import SESSION_COOKIE


async def test_login_sets_a_protected_cookie_and_logout_ends_it(client, make_person):
    person = make_person(Role.TRAINEE)
    response = await log_in(client, person.email)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert (
        SESSION_COOKIE in cookie
        and "httponly" in cookie.lower()
        and "samesite=lax" in cookie.lower()
    )
    assert (await client.get("/")).status_code == 200
    page = await client.get("/profile")
    await client.post("/logout", data={"csrf_token": csrf_from(page.text)})
    response = await client.get("/")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


async def test_email_is_case_insensitive(client, make_person):
    person = make_person(Role.COACH, email="Coach.Person@Example.org")
    assert (await log_in(client, "  COACH.person@example.ORG ")).status_code == 303
    assert person.email == "coach.person@example.org"


async def test_wrong_password_shows_the_form_again_with_a_message(client, make_person):
    person = make_person()
    response = await log_in(client, person.email, "wrong password")
    assert response.status_code == 400
    assert "do not match" in response.text and person.email in response.text
    assert (await client.get("/")).status_code == 303  # still anonymous


async def test_unknown_email_gets_the_same_message(client):
    response = await log_in(client, "nobody@example.org", "whatever")
    assert response.status_code == 400 and "do not match" in response.text


async def test_throttling_after_repeated_failures_even_with_the_right_password(
    client, make_person, settings
):
    person = make_person()
    for _ in range(settings.login_max_failures):
        assert (await log_in(client, person.email, "nope")).status_code == 400
    response = await log_in(client, person.email, PASSWORD)
    assert response.status_code == 429
    assert "Too many failed attempts" in response.text and "minutes" in response.text


async def test_a_success_resets_the_failure_count(client, make_person, settings):
    person = make_person()
    for _ in range(settings.login_max_failures - 1):
        await log_in(client, person.email, "nope")
    assert (await log_in(client, person.email)).status_code == 303
    for _ in range(settings.login_max_failures - 1):
        assert (await log_in(client, person.email, "nope")).status_code == 400


async def test_post_without_csrf_token_is_refused_and_changes_nothing(
    client, make_person, database
):
    person = make_person()
    await log_in(client, person.email)
    response = await client.post(
        "/profile", data={"name": "Hacked", "timezone": "UTC", "languages": "en"}
    )
    assert response.status_code == 403 and "Reload the page" in response.text
    response = await client.post(
        "/profile",
        data={"name": "Hacked", "timezone": "UTC", "languages": "en", "csrf_token": "forged"},
    )
    assert response.status_code == 403
    with database.session() as session:
        assert session.get(type(person), person.id).name == person.name


async def test_login_form_itself_needs_the_token(client, make_person):
    person = make_person()
    response = await client.post("/login", data={"email": person.email, "password": PASSWORD})
    assert response.status_code == 403


async def test_csrf_header_is_accepted_for_scripts(client, make_person):
    person = make_person()
    await log_in(client, person.email)
    token = csrf_from((await client.get("/profile")).text)
    response = await client.post(
        "/profile",
        data={"name": "New Name", "timezone": "Asia/Taipei", "languages": "zh, en"},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 303


async def test_password_change_ends_older_sessions(client, make_person, database):
    person = make_person()
    await log_in(client, person.email)
    with database.session() as session:
        accounts.set_password(session, session.get(type(person), person.id), "a new password")
    response = await client.get("/")
    assert response.status_code == 303


async def _invite(client, make_person, email="new.trainee@example.org"):
    staff = make_person(Role.STAFF)
    await log_in(client, staff.email)
    token = csrf_from((await client.get("/people")).text)
    response = await client.post(
        "/people/invite",
        data={
            "email": email,
            "name": "New Trainee",
            "role": "trainee",
            "timezone": "Africa/Nairobi",
            "csrf_token": token,
        },
    )
    assert response.status_code == 200
    link = response.text.split('readonly value="', 1)[1].split('"', 1)[0]
    assert link.startswith("http://testserver/invite/")
    await client.post("/logout", data={"csrf_token": csrf_from(response.text)})
    return link.removeprefix("http://testserver")


async def test_invitation_lets_the_person_set_a_password_once(client, make_person):
    path = await _invite(client, make_person)
    page = await client.get(path)
    assert page.status_code == 200 and "New Trainee" in page.text
    response = await client.post(
        path,
        data={
            "password": "mediation!",
            "password_again": "mediation!",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert response.status_code == 303
    assert "Your practice sessions" in (await client.get("/")).text
    client.cookies.clear()
    assert (await log_in(client, "new.trainee@example.org", "mediation!")).status_code == 303
    client.cookies.clear()
    again = await client.get(path)
    assert again.status_code == 400 and "already been used" in again.text


async def test_invitation_rejects_mismatched_and_short_passwords(client, make_person):
    path = await _invite(client, make_person)
    page = await client.get(path)
    token = csrf_from(page.text)
    response = await client.post(
        path, data={"password": "abcdefgh", "password_again": "abcdefgX", "csrf_token": token}
    )
    assert response.status_code == 400 and "differ" in response.text
    response = await client.post(
        path, data={"password": "short", "password_again": "short", "csrf_token": token}
    )
    assert response.status_code == 400 and "at least 8" in response.text
    assert (await client.get(path)).status_code == 200  # still usable


async def test_expired_and_unknown_invitations(client, make_person, database):
    path = await _invite(client, make_person)
    with database.session() as session:
        for invitation in session.exec(select(Invitation)).all():
            invitation.expires_at = utcnow() - timedelta(minutes=1)
    response = await client.get(path)
    assert response.status_code == 400 and "expired" in response.text
    response = await client.get("/invite/not-a-real-token")
    assert response.status_code == 404


async def test_invite_form_errors_are_shown_and_nothing_is_created(client, make_person, database):
    staff = make_person(Role.STAFF)
    await log_in(client, staff.email)
    token = csrf_from((await client.get("/people")).text)
    response = await client.post(
        "/people/invite",
        data={
            "email": "not-an-email",
            "name": "X",
            "role": "trainee",
            "timezone": "Mars/Olympus",
            "csrf_token": token,
        },
    )
    assert response.status_code == 400 and "not an email address" in response.text
    with database.session() as session:
        assert accounts.count_people(session) == 1


async def test_next_parameter_only_allows_local_paths(client, make_person):
    person = make_person()
    page = await client.get("/login?next=//evil.example/")
    response = await client.post(
        "/login",
        data={
            "email": person.email,
            "password": PASSWORD,
            "csrf_token": csrf_from(page.text),
            "next": "https://evil.example/",
        },
    )
    assert response.headers["location"] == "/"
