"""Scoring, notes, self-assessment, feedback, progress, certificates, calibration and exports."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from helpers import csrf_from, log_in
from sqlmodel import select

from simulator.models import Attendance, Breakout, CertificateRule, Membership, Role, ScoreChange

CRITERIA = [
    "opening",
    "looping",
    "inner-v",
    "interests",
    "emotion-power",
    "impartiality",
    "caucus",
    "options",
    "agreement",
    "culture",
]


@pytest.fixture
def scored_world(make_person, make_session):
    coach, other_coach = make_person(Role.COACH), make_person(Role.COACH)
    trainees = [make_person(Role.TRAINEE, country=c) for c in ("KE", "TW", "US")]
    session = make_session(trainees, coach=coach, starts_in=timedelta(hours=-3))
    return session, coach, other_coach, trainees


async def _token(client, path="/profile"):
    return csrf_from((await client.get(path)).text)


async def _score(client, session_id, token, **body):
    return await client.post(
        f"/api/sessions/{session_id}/scores", json=body, headers={"X-CSRF-Token": token}
    )


async def _self_assess(client, session_id, level=3):
    token = await _token(client, f"/sessions/{session_id}/self")
    data = {"csrf_token": token, "action": "submit", "comment:": "I rushed the opening."}
    data |= {f"level:{c}": str(level) for c in CRITERIA}
    return await client.post(f"/sessions/{session_id}/self", data=data)


async def test_autosave_publish_and_who_sees_what(client, scored_world, database):
    session, coach, other_coach, (mediator, party, observer) = scored_world
    await log_in(client, coach.email)
    token = await _token(client)
    saved = await _score(
        client,
        session.id,
        token,
        trainee=mediator.id,
        criterion="looping",
        level=2,
        comment="Looped once, then moved on.",
    )
    assert saved.status_code == 200 and saved.json() == {"saved": True, "status": "draft"}
    await _score(
        client,
        session.id,
        token,
        trainee=mediator.id,
        criterion="opening",
        level=4,
        comment="Warm and clear.",
    )
    await _score(
        client, session.id, token, trainee=mediator.id, text="A strong first session as mediator."
    )
    bad = await _score(client, session.id, token, trainee=mediator.id, criterion="looping", level=9)
    assert bad.status_code == 400 and "Choose a level" in bad.json()["error"]
    stranger = await _score(
        client, session.id, token, trainee=other_coach.id, criterion="looping", level=2
    )
    assert stranger.status_code == 400
    page = (await client.get(f"/sessions/{session.id}/score")).text  # a refresh: drafts are there
    assert "Looped once, then moved on." in page and "A strong first session as mediator." in page

    await log_in(client, mediator.email)
    assert "Assess yourself first" in (await client.get(f"/sessions/{session.id}/feedback")).text
    await _self_assess(client, session.id)
    assert (
        "has not published feedback" in (await client.get(f"/sessions/{session.id}/feedback")).text
    )

    await log_in(client, coach.email)
    token = await _token(client)
    published = await client.post(
        f"/sessions/{session.id}/score", data={"csrf_token": token, "action": "publish"}
    )
    assert published.status_code == 303
    await _score(
        client,
        session.id,
        token,
        trainee=mediator.id,
        criterion="looping",
        level=3,
        comment="On review: looped twice.",
    )
    with database.session() as db:
        [change] = db.exec(select(ScoreChange)).all()
    assert (change.criterion_id, change.level, change.text) == (
        "looping",
        2,
        "Looped once, then moved on.",
    )

    await log_in(client, mediator.email)
    feedback = (await client.get(f"/sessions/{session.id}/feedback")).text
    assert (
        "On review: looped twice." in feedback and "A strong first session as mediator." in feedback
    )
    assert "I rushed the opening." in feedback
    await log_in(client, party.email)
    other = (await client.get(f"/sessions/{session.id}/feedback")).text
    assert "Assess yourself first" in other and "looped twice" not in other
    await _self_assess(client, session.id)
    assert "looped twice" not in (await client.get(f"/sessions/{session.id}/feedback")).text


async def test_only_the_sessions_coaches_score(client, scored_world):
    session, coach, other_coach, (mediator, *_) = scored_world
    await log_in(client, other_coach.email)
    token = await _token(client)
    refused = await _score(
        client, session.id, token, trainee=mediator.id, criterion="looping", level=2
    )
    assert refused.status_code == 403
    assert (await client.get(f"/sessions/{session.id}/score")).status_code in (403, 404)
    await log_in(client, coach.email)
    own = await _score(
        client, session.id, await _token(client), trainee=mediator.id, criterion="looping", level=3
    )
    assert own.status_code == 200


async def test_self_assessment_needs_every_criterion_and_is_final(client, scored_world):
    session, _, _, (mediator, *_) = scored_world
    await log_in(client, mediator.email)
    token = await _token(client, f"/sessions/{session.id}/self")
    partial = await client.post(
        f"/sessions/{session.id}/self",
        data={"csrf_token": token, "action": "submit", "level:looping": "2"},
    )
    assert partial.status_code == 400 and "every criterion" in partial.text
    assert 'value="2" checked' in partial.text  # what was chosen is kept
    assert (await _self_assess(client, session.id)).status_code == 303
    again = await _self_assess(client, session.id, level=4)
    assert again.status_code == 400 and "already submitted" in again.text


async def test_notes_are_stamped_and_appear_beside_their_criterion(client, scored_world):
    session, coach, _, (mediator, *_) = scored_world
    await log_in(client, coach.email)
    token = await _token(client)
    response = await client.post(
        f"/api/sessions/{session.id}/notes",
        json={
            "text": "Good loop on the baby's sleep",
            "criterion": "looping",
            "trainee": mediator.id,
        },
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 201
    note = response.json()
    assert (
        3 * 3600 - 5 <= note["at_seconds"] <= 3 * 3600 + 60
    )  # the session started three hours ago
    page = (await client.get(f"/sessions/{session.id}/score")).text
    looping = page.split('data-criterion="looping"', 1)[1].split("</fieldset>", 1)[0]
    assert (
        "Good loop on the baby&#39;s sleep" in looping or "Good loop on the baby's sleep" in looping
    )
    assert "Timeline of notes" in page


async def test_progress_certificate_and_verification(client, make_person, make_session, database):
    coach = make_person(Role.COACH)
    trainee = make_person(Role.TRAINEE, timezone="Africa/Nairobi")
    sessions = []
    for hours_ago in (30, 20, 10):
        session = make_session(
            [
                trainee,
                make_person(Role.TRAINEE, country="TW"),
                make_person(Role.TRAINEE, country="US"),
            ],
            coach=coach,
            starts_in=timedelta(hours=-hours_ago),
        )
        sessions.append(session)
        with database.session() as db:
            db.add(Attendance(breakout_id=session.id, person_id=trainee.id))
            if len(sessions) == 1:
                rule = CertificateRule(
                    cohort_id=session.cohort_id,
                    min_sessions=3,
                    min_mediator_sessions=3,
                    min_level=3,
                    last_scored=2,
                )
                db.add(rule)
    with database.session() as db:  # all three sessions belong to the first cohort, for the rules
        for session in sessions:
            db.get(Breakout, session.id).cohort_id = sessions[0].cohort_id
        db.add(Membership(cohort_id=sessions[0].cohort_id, person_id=trainee.id, role=Role.TRAINEE))
    await log_in(client, coach.email)
    token = await _token(client)
    for session, level in zip(sessions, (2, 3, 4), strict=True):
        for criterion in CRITERIA:
            await _score(
                client, session.id, token, trainee=trainee.id, criterion=criterion, level=level
            )
        await client.post(
            f"/sessions/{session.id}/score",
            data={"csrf_token": token, "action": f"publish:{trainee.id}"},
        )
    await log_in(client, trainee.email)
    progress = (await client.get("/progress")).text
    assert "<svg" in progress and 'role="img"' in progress
    assert "3</strong> sessions attended" in progress and "TW" in progress and "US" in progress
    certificate = (await client.get("/certificate")).text
    assert "Certificate of completion" in certificate
    code = certificate.split("Verification code <strong>", 1)[1].split("<", 1)[0]
    again = (await client.get("/certificate")).text
    assert code in again  # issued once, stable
    client.cookies.clear()
    valid = await client.get(f"/verify/{code}")
    assert valid.status_code == 200 and "Valid." in valid.text and trainee.name in valid.text
    typo = code[:-1] + ("A" if code[-1] != "A" else "B")
    assert (await client.get(f"/verify/{typo}")).status_code in (400, 404)
    assert (await client.get("/verify?code=nonsense")).status_code == 400


async def test_certificate_tracker_says_what_is_missing(client, scored_world):
    session, _, _, (mediator, *_) = scored_world
    await log_in(client, mediator.email)
    page = (await client.get("/certificate")).text
    assert "Meet every requirement" in page and "more session" in page


async def test_calibration_hides_colleagues_until_all_submit_then_reports_agreement(
    client, scored_world, make_person
):
    session, coach, other_coach, (mediator, party, _) = scored_world
    staff = make_person(Role.STAFF)
    await log_in(client, staff.email)
    token = await _token(client)
    marked = await client.post(
        f"/sessions/{session.id}/calibration",
        data={"csrf_token": token, "coach": str(other_coach.id)},
    )
    assert marked.status_code == 303
    levels = [(coach, {"looping": 2, "opening": 3}), (other_coach, {"looping": 3, "opening": 3})]
    for who, scores in levels:
        await log_in(client, who.email)
        token = await _token(client)
        for criterion, level in scores.items():
            for trainee in (mediator, party):
                assert (
                    await _score(
                        client,
                        session.id,
                        token,
                        trainee=trainee.id,
                        criterion=criterion,
                        level=level,
                    )
                ).status_code == 200
    page = (await client.get(f"/sessions/{session.id}/score")).text
    assert "Colleagues:" not in page  # nobody has submitted yet
    for who in (coach, other_coach):
        await log_in(client, who.email)
        await client.post(
            f"/sessions/{session.id}/score",
            data={"csrf_token": await _token(client), "action": "submit"},
        )
    assert "Colleagues:" in (await client.get(f"/sessions/{session.id}/score")).text
    me = (await client.get("/calibration/me")).text
    assert "higher than your colleagues" in me
    await log_in(client, staff.email)
    report = (await client.get("/calibration")).text
    # opening: both 3 on both trainees -> 100% exact; looping: 2 vs 3 twice -> 0% exact, 100% adjacent
    looping_row = report.split("Looping", 1)[1].split("</tr>", 1)[0]
    assert "0%" in looping_row and "100%" in looping_row


async def test_exports_parse_back(client, scored_world, make_person, database):
    session, coach, _, (mediator, *_) = scored_world
    with database.session() as db:
        db.add(Membership(cohort_id=session.cohort_id, person_id=mediator.id, role=Role.TRAINEE))
        db.add(Attendance(breakout_id=session.id, person_id=mediator.id))
    await log_in(client, coach.email)
    token = await _token(client)
    await _score(
        client,
        session.id,
        token,
        trainee=mediator.id,
        criterion="looping",
        level=3,
        comment='Said "so, you feel…", twice',
    )
    await log_in(client, make_person(Role.STAFF).email)
    response = await client.get(f"/cohorts/{session.cohort_id}/scores.csv")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0]) == [
        "cohort",
        "session",
        "start",
        "case",
        "trainee_email",
        "coach_email",
        "criterion",
        "level",
        "comment",
        "status",
    ]
    [row] = rows
    assert row["trainee_email"] == mediator.email and row["coach_email"] == coach.email
    assert (
        row["level"] == "3"
        and row["comment"] == 'Said "so, you feel…", twice'
        and row["status"] == "draft"
    )
    assert row["case"] == "late-night-bakery" and row["start"].endswith("Z")
    logbook = list(
        csv.DictReader(
            io.StringIO((await client.get(f"/cohorts/{session.cohort_id}/logbook.csv")).text)
        )
    )
    [entry] = logbook
    assert entry["trainee_email"] == mediator.email and entry["case"] == "The Late-Night Bakery"
    assert (
        entry["role"] == "The mediator" and entry["attended"] == "yes" and entry["hours"] == "1.00"
    )
    assert entry["coaches"] == coach.email
