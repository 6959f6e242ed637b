"""The connection check over HTTP: signaling, stored results, and who sees whose results."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiortc import RTCPeerConnection
from helpers import csrf_from, log_in
from sqlmodel import select

from simulator.models import ConnectionCheck, Membership, Role
from web.rtc.peer import rtc_configuration
from web.rtc.tone import ToneTrack

WEAK = {"rtt_ms": 800, "jitter_ms": 12, "loss_percent": 1, "bitrate_kbps": 600, "relayed": False}
FINE = {"rtt_ms": 31.5, "jitter_ms": 3, "loss_percent": 0, "bitrate_kbps": 812, "relayed": True}


@pytest.fixture
def settings(settings):  # noqa: ANN001, ANN201
    """One echo peer per process, so the second person finds the server full."""
    return settings.replace(rtc_max_echo=1)


async def _token(client) -> str:  # noqa: ANN001
    return csrf_from((await client.get("/check")).text)


async def _post(client, path: str, body: object, token: str):  # noqa: ANN001, ANN202
    headers = {"X-CSRF-Token": token, "Accept": "application/json"}
    return await client.post(path, json=body, headers=headers)


async def _offer() -> tuple[RTCPeerConnection, dict[str, str]]:
    pc = RTCPeerConnection(rtc_configuration([]))
    pc.addTrack(ToneTrack())
    await pc.setLocalDescription(await pc.createOffer())
    return pc, {"type": "offer", "sdp": pc.localDescription.sdp}


async def test_anonymous_people_cannot_start_a_check(client):
    token = csrf_from((await client.get("/login")).text)
    response = await _post(client, "/check/offer", {"type": "offer", "sdp": "v=0"}, token)
    assert response.status_code == 401
    assert (await client.get("/check")).status_code == 303


async def test_a_csrf_token_is_required(client, make_person):
    await log_in(client, make_person().email)
    response = await client.post("/check/result", json=FINE)
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"type": "offer", "sdp": "hello"}, "sdp must be the text of a session description"),
        ({"type": "answer", "sdp": "v=0\r\n"}, 'type must be "offer"'),
        ({"type": "offer", "sdp": "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n"}, "no audio or video"),
        (
            {"type": "offer", "sdp": "v=0\r\nbroken\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"},
            "The offer could not be answered",
        ),
        (["not", "an", "object"], "Send a JSON object"),
    ],
)
async def test_a_bad_offer_gets_a_clear_400(client, app, make_person, body, message):
    await log_in(client, make_person().email)
    response = await _post(client, "/check/offer", body, await _token(client))
    assert response.status_code == 400 and message in response.json()["error"]
    assert len(app.state.echo) == 0


async def test_a_full_server_answers_503_and_a_new_run_replaces_ones_own_peer(
    client, app, make_person
):
    first, second = make_person(), make_person()
    pcs = []
    try:
        await log_in(client, first.email)
        token = await _token(client)
        for _ in range(2):  # running again: the old peer closes, so no 503 for oneself
            pc, offer = await _offer()
            pcs.append(pc)
            response = await _post(client, "/check/offer", offer, token)
            assert response.status_code == 200, response.text
        assert len(app.state.echo) == 1
        await log_in(client, second.email)
        pc, offer = await _offer()
        pcs.append(pc)
        response = await _post(client, "/check/offer", offer, await _token(client))
        assert response.status_code == 503
        assert "running 1 connection checks already" in response.json()["error"]
    finally:
        for pc in pcs:
            await pc.close()


async def test_a_result_is_stored_with_the_verdict_recomputed(client, make_person, database):
    person = make_person(timezone="Africa/Nairobi")
    await log_in(client, person.email)
    response = await _post(
        client,
        "/check/result",
        {**WEAK, "verdict": "fine", "advice": "all good"},
        await _token(client),
    )
    assert response.status_code == 201, response.text
    result = response.json()
    assert result["verdict"] == "weak" and "router" in result["advice"]
    assert result["reasons"] == ["round trip 800 ms (up to 500 ms is good)"]
    assert result["at"].endswith("EAT")
    with database.session() as session:
        [row] = session.exec(select(ConnectionCheck)).all()
    assert (row.person_id, row.verdict, row.rtt_ms, row.relayed) == (person.id, "weak", 800, False)
    assert row.advice.startswith("Move closer to your Wi-Fi router")
    page = (await client.get("/check")).text
    assert 'data-verdict="weak"' in page and "800 ms" in page


@pytest.mark.parametrize(
    "body", [{**FINE, "loss_percent": 101}, {**FINE, "rtt_ms": -3}, {**FINE, "relayed": "no"}]
)
async def test_out_of_range_figures_are_refused_and_nothing_is_stored(
    client, make_person, database, body
):
    await log_in(client, make_person().email)
    response = await _post(client, "/check/result", body, await _token(client))
    assert response.status_code == 400 and "must be" in response.json()["error"]
    with database.session() as session:
        assert session.exec(select(ConnectionCheck)).all() == []


@pytest.fixture
def checked_world(make_person, make_session, database):
    coach, staff = make_person(Role.COACH), make_person(Role.STAFF)
    me, other = (
        make_person(Role.TRAINEE, name="Amina Me"),
        make_person(Role.TRAINEE, name="Wei Other"),
    )
    session = make_session([me, other], coach=coach, starts_in=timedelta(hours=2))
    with database.session() as db:
        db.add(Membership(cohort_id=session.cohort_id, person_id=me.id, role=Role.TRAINEE))
        db.add(Membership(cohort_id=session.cohort_id, person_id=other.id, role=Role.TRAINEE))
        db.add(ConnectionCheck(person_id=me.id, verdict="fine", rtt_ms=21, bitrate_kbps=700))
        db.add(ConnectionCheck(person_id=other.id, verdict="weak", rtt_ms=777, bitrate_kbps=90))
    return session, coach, staff, me, other


async def test_a_trainee_sees_only_their_own_check(client, checked_world):
    session, _, _, me, _ = checked_world
    await log_in(client, me.email)
    page = (await client.get(f"/sessions/{session.id}")).text
    assert 'href="/check"' in page and "Your last connection check" in page
    assert "21 ms" in page and "777 ms" not in page and 'data-verdict="weak"' not in page
    check_page = (await client.get("/check")).text
    assert "21 ms" in check_page and "777 ms" not in check_page
    dashboard = (await client.get("/")).text
    assert 'href="/check"' in dashboard


@pytest.mark.parametrize("who", ["coach", "staff"])
async def test_coaches_and_staff_see_everyones_latest_check_beside_them(
    client, checked_world, database, who
):
    session, coach, staff, me, other = checked_world
    with database.session() as db:  # a newer check replaces the older one in the summary
        db.add(ConnectionCheck(person_id=me.id, verdict="audio-only", rtt_ms=333, bitrate_kbps=120))
    await log_in(client, (coach if who == "coach" else staff).email)
    page = (await client.get(f"/sessions/{session.id}")).text
    assert "333 ms" in page and "777 ms" in page and "21 ms" not in page
    assert page.count('data-testid="check-summary"') == 2
    if who == "staff":
        cohort = (await client.get(f"/cohorts/{session.cohort_id}")).text
        assert "333 ms" in cohort and "777 ms" in cohort and "Connection check" in cohort
