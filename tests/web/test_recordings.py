"""Recordings on the web: the session page's list, the player, the audio, deleting, retention."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from helpers import csrf_from, log_in

from simulator import recordings
from simulator.models import Breakout, Cohort, Note, Recording, Role

AUDIO = b"\x1aE\xdf\xa3" + bytes(range(256)) * 40  # stands in for a WebM file


@pytest.fixture
def world(make_person, make_session, database, settings):
    member, other = make_person(Role.TRAINEE), make_person(Role.TRAINEE)
    coach, stranger_coach, staff = (
        make_person(Role.COACH),
        make_person(Role.COACH),
        make_person(Role.STAFF),
    )
    session = make_session(
        [member, make_person(Role.TRAINEE)], coach=coach, starts_in=timedelta(minutes=-30)
    )
    with database.session() as db:
        breakout = db.get(Breakout, session.id)
        begun = breakout.start + timedelta(minutes=10)
        row = Recording(
            breakout_id=session.id,
            filename=recordings.new_filename(session.id, 1, begun),
            started_at=begun,
            ended_at=begun + timedelta(seconds=200),
            bytes=len(AUDIO),
            stopped_because="stopped in the room",
        )
        db.add(row)
        db.add(Note(breakout_id=session.id, coach_id=coach.id, at_seconds=650, text="Good loop"))
        db.flush()
    settings.recordings_dir.mkdir(parents=True, exist_ok=True)
    path = settings.recordings_dir / row.filename
    path.write_bytes(AUDIO)
    people = {
        "member": member,
        "other": other,
        "coach": coach,
        "stranger_coach": stranger_coach,
        "staff": staff,
    }
    return people, session, row, path


@pytest.mark.parametrize(
    ("who", "page", "audio"),
    [
        ("member", 200, 200),
        ("coach", 200, 200),
        ("staff", 200, 200),
        ("other", 404, 404),
        ("stranger_coach", 403, 403),
        ("anonymous", 303, 303),
    ],
)
async def test_who_may_list_play_and_hear_a_recording(client, world, who, page, audio):
    people, session, row, _ = world
    if who != "anonymous":
        await log_in(client, people[who].email)
    listing = await client.get(f"/sessions/{session.id}")
    player = await client.get(f"/recordings/{row.id}")
    sound = await client.get(f"/recordings/{row.id}/audio")
    assert (player.status_code, sound.status_code) == (page, audio)
    if page == 200:
        assert f'href="/recordings/{row.id}"' in listing.text and "3:20" in listing.text
        assert f'src="/recordings/{row.id}/audio"' in player.text
        assert sound.headers["content-type"] == "audio/webm" and sound.content == AUDIO
        assert ("Good loop" in player.text) == (who != "member")  # coach notes stay with coaches
    else:
        assert "Good loop" not in player.text and sound.content != AUDIO
        assert f"/recordings/{row.id}" not in listing.text


async def test_the_player_places_notes_and_the_audio_seeks(client, world):
    people, _, row, _ = world
    await log_in(client, people["coach"].email)
    page = (await client.get(f"/recordings/{row.id}")).text
    # The note was taken 650 s after the scheduled start; the recording began at 600 s.
    marker = re.search(
        r'data-at="([\d.]+)" data-testid="note-marker"\s+style="left: ([\d.]+)%"', page
    )
    assert marker and float(marker.group(1)) == 50.0 and float(marker.group(2)) == 25.0
    partial = await client.get(f"/recordings/{row.id}/audio", headers={"Range": "bytes=4-99"})
    assert partial.status_code == 206 and partial.content == AUDIO[4:100]
    assert partial.headers["content-range"] == f"bytes 4-99/{len(AUDIO)}"


async def test_deleting_asks_first_then_removes_the_file(client, world, database):
    people, session, row, path = world
    await log_in(client, people["member"].email)
    token = csrf_from((await client.get("/profile")).text)
    refused = await client.post(f"/recordings/{row.id}/delete", data={"csrf_token": token})
    assert refused.status_code == 403 and path.exists()
    await log_in(client, people["coach"].email)
    player = (await client.get(f"/recordings/{row.id}")).text
    assert f'href="/recordings/{row.id}/delete"' in player
    confirm = await client.get(f"/recordings/{row.id}/delete")
    assert confirm.status_code == 200 and "Delete this recording?" in confirm.text
    assert path.exists()  # asking is not deleting
    done = await client.post(
        f"/recordings/{row.id}/delete", data={"csrf_token": csrf_from(confirm.text)}
    )
    assert done.status_code == 303 and done.headers["location"].startswith(
        f"/sessions/{session.id}?deleted=recording"
    )
    assert not path.exists()
    with database.session() as db:
        assert db.get(Recording, row.id) is None
    page = (await client.get(done.headers["location"])).text
    assert "The recording and its file were deleted." in page
    assert (await client.get(f"/recordings/{row.id}")).status_code == 404


async def test_staff_set_retention_on_the_cohort_page(client, world, database):
    people, session, _, _ = world
    await log_in(client, people["staff"].email)
    page = await client.get(f"/cohorts/{session.cohort_id}")
    assert 'name="recording_retention_days"' in page.text and 'value="30"' in page.text
    token = csrf_from(page.text)
    url = f"/cohorts/{session.cohort_id}/retention"
    bad = await client.post(url, data={"csrf_token": token, "recording_retention_days": "0"})
    assert bad.status_code == 400 and "1 to 3650 days" in bad.text
    saved = await client.post(url, data={"csrf_token": token, "recording_retention_days": "14"})
    assert saved.status_code == 303
    with database.session() as db:
        assert db.get(Cohort, session.cohort_id).recording_retention_days == 14
    assert "Retention saved." in (await client.get(saved.headers["location"])).text
