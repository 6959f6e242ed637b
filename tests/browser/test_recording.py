"""Recording in Chromium: the consent dialog, the indicator everyone sees, and the player."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from room_pages import open_room, wait_status
from sqlmodel import select

from simulator.models import Note, Recording, Role
from simulator.timeutil import as_utc
from web.rtc.mixer import SAMPLE_RATE
from web.rtc.recorder import read_samples

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SHOTS = (
    Path(os.environ.get("MEDIATION_SIM_SHOTS", ""))
    if os.environ.get("MEDIATION_SIM_SHOTS")
    else None
)

INDICATOR = "[data-testid=recording]"


async def _shot(page, name: str, tmp_path: Path) -> None:  # noqa: ANN001
    """Keep a screenshot with the test's files (and in MEDIATION_SIM_SHOTS when set)."""
    for folder in filter(None, (tmp_path, SHOTS)):
        folder.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(folder / name), full_page=True)


async def test_consent_indicator_caucus_pause_and_the_player(
    browser, live_server, make_person, make_session, settings, database, tmp_path
):
    people = [make_person(Role.TRAINEE) for _ in range(2)]
    coach = make_person(Role.COACH)
    session = make_session(people, coach=coach, starts_in=timedelta(minutes=-5))
    mediator, baker = [await open_room(browser, live_server, p, session.id) for p in people]
    guide = await open_room(browser, live_server, coach, session.id)
    for page in (mediator, baker, guide):
        await wait_status(page, "connected")
    await guide.get_by_role("button", name="Next phase").click()
    await mediator.get_by_role("button", name="Ask to record").click()
    dialog = baker.get_by_role("dialog", name="May this role play be recorded?")
    await dialog.wait_for(state="visible")
    assert await baker.evaluate("document.activeElement.id") == "consent-title"
    assert await mediator.locator("[data-testid=consent]").is_hidden()  # asking is consenting
    await _shot(baker, "room-consent.png", tmp_path)
    await dialog.get_by_role("button", name="Yes, you may record me").click()
    await guide.get_by_role("button", name="Yes, you may record me").click()
    for page in (mediator, baker, guide):
        await page.locator(INDICATOR).wait_for(state="visible")
        assert (await page.text_content(INDICATOR)) == "● Recording"
    # The browsers connect to the hidden recorder and send it their microphone.
    await mediator.wait_for_function(
        "window.__room.recorder()?.pc.connectionState === 'connected'", timeout=15_000
    )
    await mediator.wait_for_timeout(2000)
    await _shot(mediator, "room-recording.png", tmp_path)
    party = next(p for p in people if p is not people[0])
    await guide.locator(f"#caucus-choices input[value='{party.id}']").check()
    await guide.get_by_role("button", name="Open caucus").click()
    await baker.wait_for_function(
        f"document.querySelector('{INDICATOR}').textContent.includes('paused: caucus')"
    )
    await _shot(guide, "room-paused.png", tmp_path)
    await guide.get_by_role("button", name="Close caucus").click()
    await baker.wait_for_function(
        f"document.querySelector('{INDICATOR}').textContent === '● Recording'"
    )
    await baker.get_by_role("button", name="Withdraw my consent").click()
    for page in (mediator, baker, guide):
        await page.locator(INDICATOR).wait_for(state="hidden")
    assert "consent withdrawn" in await mediator.text_content("[data-testid=recording-status]")

    for _ in range(50):
        with database.session() as db:
            row = db.exec(select(Recording).where(Recording.breakout_id == session.id)).first()
        if row is not None and row.ended_at is not None:
            break
        await mediator.wait_for_timeout(100)
    assert row is not None and row.stopped_because == "consent withdrawn"
    audio = read_samples(settings.recordings_dir / row.filename)
    assert audio.size > 2 * SAMPLE_RATE and abs(audio).max() > 0.01  # Chromium's fake microphone
    offset = (as_utc(row.started_at) - as_utc(session.start)).total_seconds()
    with database.session() as db:
        for at, text in ((1, "Warm opening; ground rules agreed"), (3, "Loops the baker well")):
            db.add(
                Note(
                    breakout_id=session.id,
                    coach_id=coach.id,
                    at_seconds=int(offset + at),
                    text=text,
                )
            )
    player = await guide.context.new_page()
    await player.goto(f"{live_server}/recordings/{row.id}")
    await player.wait_for_function(
        "document.querySelector('[data-testid=recording-audio]').readyState >= 1"
    )
    assert (
        await player.evaluate("document.querySelector('[data-testid=recording-audio]').duration")
        > 2
    )
    markers = player.locator("[data-testid=note-marker]")
    assert await markers.count() == 2
    await markers.nth(1).click()  # a marker seeks the audio to its note
    assert abs(await player.evaluate("document.querySelector('audio').currentTime") - 3) < 1.1
    await _shot(player, "recording-player.png", tmp_path)
    await player.goto(f"{live_server}/sessions/{session.id}")
    await player.locator("#recordings").scroll_into_view_if_needed()
    await _shot(player, "session-recordings.png", tmp_path)
