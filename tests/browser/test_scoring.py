"""The coach's scoring flow in Chromium: autosave survives a refresh; publishing reaches the trainee."""

from __future__ import annotations

from datetime import timedelta

import pytest
from room_pages import open_room, wait_status

from simulator.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def test_score_refresh_publish_and_only_that_trainee_reads_it(
    browser, live_server, make_person, make_session
):
    coach = make_person(Role.COACH, name="Wanjiru Kamau")
    mediator, party, observer = (
        make_person(Role.TRAINEE, name=n) for n in ("Achieng Otieno", "Lin Mei-hua", "Marcus Webb")
    )
    session = make_session(
        [mediator, party, observer], coach=coach, starts_in=timedelta(minutes=-10)
    )

    page = await open_room(
        browser, live_server, coach, session.id
    )  # notes from the room's coach panel
    await wait_status(page, "waiting")  # in the room (alone so far)
    await page.locator("#room-note-text").fill(
        "Mediator loops the baker's worry about the contract"
    )
    await page.locator("#room-note-criterion").select_option("looping")
    await page.locator("#room-note-trainee").select_option(str(mediator.id))
    await page.get_by_role("button", name="Add note").click()
    await page.locator("#room-notes li").first.wait_for()
    assert "preparation" in await page.locator("#room-notes li").first.inner_text()

    await page.goto(f"{live_server}/sessions/{session.id}/score")
    sheet = page.locator(f'fieldset[data-trainee="{mediator.id}"][data-criterion="looping"]')
    assert "loops the baker" in await sheet.inner_text()  # the note sits beside its criterion
    await sheet.get_by_label("2 · Developing").check()
    await sheet.get_by_label("Comment").fill("Looped the facts, not yet the feelings.")
    opening = page.locator(f'fieldset[data-trainee="{mediator.id}"][data-criterion="opening"]')
    await opening.get_by_label("3 · Proficient").check()
    await page.wait_for_function(
        "document.querySelector('[data-testid=save-status]').textContent.startsWith('All changes saved')"
    )
    await page.reload()  # mid-way: everything typed so far is still there
    sheet = page.locator(f'fieldset[data-trainee="{mediator.id}"][data-criterion="looping"]')
    assert await sheet.get_by_label("2 · Developing").is_checked()
    assert (
        await sheet.get_by_label("Comment").input_value()
        == "Looped the facts, not yet the feelings."
    )
    assert (
        await page.locator(f'fieldset[data-trainee="{mediator.id}"][data-criterion="opening"]')
        .get_by_label("3 · Proficient")
        .is_checked()
    )
    await page.locator(f"#feedback-{mediator.id}").fill(
        "Slow down after the opening and reflect the feeling."
    )
    # typed, then straight away refreshed: the browser keeps it until the server confirms
    await page.reload()
    assert (
        await page.locator(f"#feedback-{mediator.id}").input_value()
        == "Slow down after the opening and reflect the feeling."
    )
    await page.get_by_role("button", name=f"Publish to {mediator.name}").click()
    await page.get_by_text("Published: the trainees can now read").wait_for()
    await page.context.close()

    trainee_page = await open_room(browser, live_server, mediator, session.id)
    await trainee_page.goto(f"{live_server}/sessions/{session.id}/feedback")
    await trainee_page.get_by_role("link", name="Assess yourself").click()
    for fieldset in await trainee_page.locator("fieldset.criterion").all():
        await fieldset.get_by_label("3 · Proficient").check()
    await trainee_page.get_by_role("button", name="Submit and see feedback").click()
    await trainee_page.wait_for_url(f"{live_server}/sessions/{session.id}/feedback")
    text = await trainee_page.locator("main").inner_text()
    assert "Looped the facts, not yet the feelings." in text
    assert "Slow down after the opening and reflect the feeling." in text
    assert "You rated yourself" in text  # the side-by-side summary of self and coach
    await trainee_page.context.close()

    other = await open_room(browser, live_server, party, session.id)
    await other.goto(f"{live_server}/sessions/{session.id}/feedback")
    assert "Looped the facts" not in await other.locator("main").inner_text()
