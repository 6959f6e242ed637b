"""The authorisation matrix: every route, every role, checked by real requests.

A new route must be added to EXPECTED, so no page can ship without a decision about who sees it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import csrf_from, log_in
from starlette.routing import Mount, Route, WebSocketRoute

from simulator.models import Recording, Role
from simulator.timeutil import utcnow

ANY = frozenset(Role)
STAFF = frozenset({Role.STAFF})
COACHES_AND_STAFF = frozenset({Role.STAFF, Role.COACH})
COACH = frozenset({Role.COACH})
TRAINEE = frozenset({Role.TRAINEE})
PUBLIC = None

# (method, path) -> roles allowed (PUBLIC: everyone, anonymous included)
EXPECTED: dict[tuple[str, str], frozenset[Role] | None] = {
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): PUBLIC,
    ("GET", "/invite/{token}"): PUBLIC,
    ("POST", "/invite/{token}"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,  # loopback or METRICS_TOKEN, checked by the endpoint
    ("GET", "/"): ANY,
    ("GET", "/profile"): ANY,
    ("POST", "/profile"): ANY,
    ("GET", "/calendar/{token:str}.ics"): PUBLIC,  # the token is the credential
    ("GET", "/calendar.ics"): ANY,
    ("POST", "/profile/calendar"): ANY,
    ("GET", "/people"): STAFF,
    ("POST", "/people/invite"): STAFF,
    ("POST", "/cohorts"): STAFF,
    ("GET", "/cohorts/{cohort_id:int}"): STAFF,
    ("GET", "/sessions/{session_id:int}"): ANY,
    ("GET", "/cases"): COACHES_AND_STAFF,
    ("GET", "/cases/new"): STAFF,
    ("POST", "/cases/new"): STAFF,
    ("GET", "/cases/{case_id}"): COACHES_AND_STAFF,
    ("GET", "/cases/{case_id}/edit"): STAFF,
    ("POST", "/cases/{case_id}/edit"): STAFF,
    ("GET", "/rubrics"): STAFF,
    ("GET", "/rubrics/new"): STAFF,
    ("POST", "/rubrics/new"): STAFF,
    ("GET", "/rubrics/{rubric_id}"): STAFF,
    ("GET", "/rubrics/{rubric_id}/edit"): STAFF,
    ("POST", "/rubrics/{rubric_id}/edit"): STAFF,
    ("GET", "/api/sessions"): ANY,
    ("GET", "/sessions/{session_id:int}/room"): ANY,
    ("GET", "/recordings/{recording_id:int}"): ANY,  # members, coaches, staff: checked inside
    ("GET", "/recordings/{recording_id:int}/audio"): ANY,
    ("GET", "/recordings/{recording_id:int}/delete"): COACHES_AND_STAFF,
    ("POST", "/recordings/{recording_id:int}/delete"): COACHES_AND_STAFF,
    ("POST", "/cohorts/{cohort_id:int}/retention"): STAFF,
    ("GET", "/check"): ANY,
    ("POST", "/check/offer"): ANY,
    ("POST", "/check/result"): ANY,
    ("GET", "/control"): STAFF,
    ("GET", "/api/control/rooms"): STAFF,
    ("POST", "/control/broadcast"): STAFF,
    ("POST", "/control/extend"): STAFF,
    ("POST", "/control/close"): STAFF,
    ("POST", "/control/recover"): STAFF,
    ("POST", "/notifications/read"): ANY,
    ("GET", "/sessions/{session_id:int}/score"): COACHES_AND_STAFF,
    ("POST", "/sessions/{session_id:int}/score"): COACH,
    ("POST", "/api/sessions/{session_id:int}/scores"): COACH,
    ("POST", "/api/sessions/{session_id:int}/notes"): COACH,
    ("GET", "/sessions/{session_id:int}/self"): TRAINEE,
    ("POST", "/sessions/{session_id:int}/self"): TRAINEE,
    ("GET", "/sessions/{session_id:int}/feedback"): TRAINEE,
    ("GET", "/progress"): TRAINEE,
    ("GET", "/progress/logbook.csv"): TRAINEE,
    ("GET", "/people/{person_id:int}/progress"): COACHES_AND_STAFF,
    ("GET", "/certificate"): TRAINEE,
    ("GET", "/verify"): PUBLIC,
    ("GET", "/verify/{code}"): PUBLIC,
    ("GET", "/calibration"): STAFF,
    ("GET", "/calibration/me"): COACH,
    ("POST", "/sessions/{session_id:int}/calibration"): STAFF,
    ("GET", "/cohorts/{cohort_id:int}/scores.csv"): STAFF,
    ("GET", "/cohorts/{cohort_id:int}/logbook.csv"): STAFF,
    ("POST", "/cohorts/{cohort_id:int}/rules"): STAFF,
    ("POST", "/cohorts/{cohort_id:int}/roster"): STAFF,
    ("GET", "/cohorts/{cohort_id:int}/schedule"): STAFF,
    ("POST", "/cohorts/{cohort_id:int}/schedule"): STAFF,
    ("POST", "/cohorts/{cohort_id:int}/publish"): STAFF,
    ("POST", "/cohorts/{cohort_id:int}/rerun"): STAFF,
    ("POST", "/cohorts/{cohort_id:int}/locks"): STAFF,
    ("POST", "/cohorts/{cohort_id:int}/swap"): STAFF,
}


def _routes(app):
    for route in app.routes:
        if isinstance(
            route, Mount | WebSocketRoute
        ):  # the room socket: tests/web/test_room_socket.py
            continue
        assert isinstance(route, Route)
        for method in sorted(route.methods - {"HEAD"}):
            yield method, route.path, route.endpoint


def test_every_route_has_a_declared_and_matching_guard(app):
    seen = set()
    for method, path, endpoint in _routes(app):
        key = (method, path)
        assert key in EXPECTED, f"{method} {path} is not in the authorisation matrix"
        assert hasattr(endpoint, "allowed_roles"), (
            f"{method} {path} has no guard (use requires/public)"
        )
        assert endpoint.allowed_roles == EXPECTED[key], (
            f"{method} {path} guard differs from the matrix"
        )
        seen.add(key)
    assert seen == set(EXPECTED), f"matrix lists routes that do not exist: {set(EXPECTED) - seen}"


@pytest.fixture
def world(make_person, make_session, database, settings):
    people = {role: make_person(role) for role in Role}
    others = [make_person(Role.TRAINEE) for _ in range(3)]
    session = make_session(
        [people[Role.TRAINEE], *others], coach=people[Role.COACH], starts_in=timedelta(minutes=-5)
    )
    with database.session() as db:
        recording = Recording(
            breakout_id=session.id, filename="session-test.webm", ended_at=utcnow(), bytes=4
        )
        db.add(recording)
        db.flush()
    settings.recordings_dir.mkdir(parents=True, exist_ok=True)
    (settings.recordings_dir / recording.filename).write_bytes(b"\x1aE\xdf\xa3")
    return people, {
        "session_id": session.id,
        "cohort_id": session.cohort_id,
        "token": "nope",
        "case_id": "late-night-bakery",
        "rubric_id": "core-mediation-skills",
        "person_id": people[Role.TRAINEE].id,
        "recording_id": recording.id,
    }


def _fill(path: str, ids: dict[str, object]) -> str:
    for name, value in ids.items():
        path = path.replace(f"{{{name}:int}}", str(value)).replace(f"{{{name}}}", str(value))
    return path


@pytest.mark.parametrize("who", ["anonymous", *Role])
async def test_matrix_by_real_requests(client, app, world, who):
    people, ids = world
    if who == "anonymous":
        client.cookies.clear()
        token = csrf_from((await client.get("/login")).text)
    else:
        await log_in(client, people[who].email)
        token = csrf_from((await client.get("/profile")).text)
    for method, path, _ in _routes(app):
        allowed = EXPECTED[(method, path)]
        if allowed is PUBLIC or (method, path) == ("POST", "/logout"):
            continue
        url = _fill(path, ids)
        if method == "GET":
            response = await client.get(url)
        else:
            response = await client.request(method, url, data={"csrf_token": token})
        label = f"{who} {method} {url} -> {response.status_code}"
        if who == "anonymous":
            if method == "GET" and not url.startswith("/api/"):
                assert response.status_code == 303, label
                assert response.headers["location"].startswith("/login?next="), label
            else:
                assert response.status_code == 401, label
        elif who in allowed:
            assert response.status_code not in (401, 403, 404, 500), label
        else:
            assert response.status_code == 403, label
