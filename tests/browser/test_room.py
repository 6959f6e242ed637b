"""Live rooms in Chromium with fake camera and microphone: mesh, caucus, reconnection."""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import Server
from room_pages import first_offers, flowing, open_room, wait_status

from simulator.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _live_session(make_person, make_session, size: int, case_id: str = "late-night-bakery"):
    people = [make_person(Role.TRAINEE) for _ in range(size)]
    session = make_session(people, case_id=case_id, starts_in=timedelta(minutes=-5))
    return session.id, people


@pytest.mark.parametrize("size", [2, 3, 4])
async def test_everyone_connects_and_media_flows(
    browser, live_server, make_person, make_session, size
):
    session_id, people = _live_session(make_person, make_session, size)
    pages = [await open_room(browser, live_server, person, session_id) for person in people]
    for page in pages:
        await wait_status(page, "connected")
    for page, person in zip(pages, people, strict=True):
        tiles = page.locator("[data-testid=participant]")
        assert await tiles.count() == size
        emails = {await tiles.nth(i).get_attribute("data-email") for i in range(size)}
        assert emails == {p.email for p in people}
        assert await page.text_content("[data-testid=phase]") == "preparation"
        assert ":" in await page.text_content("[data-testid=timer]")
        received = await flowing(page)
        assert set(received) == {p.id for p in people if p is not person}
        assert all(amount > 0 for amount in received.values()), received


async def test_the_newcomer_makes_the_first_offers(browser, live_server, make_person, make_session):
    """The person arriving offers to everyone already there (whatever the ids): the offer leaves
    with the welcome, instead of waiting for the others to hear of the newcomer."""
    session_id, people = _live_session(make_person, make_session, 3)
    lowest, *others = sorted(people, key=lambda p: p.id)
    first = await open_room(browser, live_server, others[0], session_id)
    await wait_status(first, "waiting")
    second = await open_room(browser, live_server, others[1], session_id)
    await wait_status(second, "connected")
    newcomer = await open_room(browser, live_server, lowest, session_id)
    for page in (first, second, newcomer):
        await wait_status(page, "connected")
    assert await first_offers(newcomer) == {p.id: "made" for p in others}
    assert await first_offers(first) == {others[1].id: "received", lowest.id: "received"}
    assert await first_offers(second) == {others[0].id: "made", lowest.id: "received"}
    assert all(amount > 0 for amount in (await flowing(newcomer)).values())


async def test_caucus_stops_media_to_those_outside_and_restores_it(
    browser, live_server, make_person, make_session, tmp_path
):
    session_id, people = _live_session(make_person, make_session, 4)
    mediator, baker, neighbour, observer = people
    pages = [await open_room(browser, live_server, person, session_id) for person in people]
    for page in pages:
        await wait_status(page, "connected")
    mediator_page, baker_page, neighbour_page, _ = pages
    await mediator_page.get_by_role("button", name="Next phase").click()
    await neighbour_page.wait_for_function(
        "document.querySelector('[data-testid=phase]').textContent === 'opening'"
    )
    await mediator_page.locator(f"#caucus-choices input[value='{baker.id}']").check()
    await mediator_page.get_by_role("button", name="Open caucus").click()
    await neighbour_page.locator("#caucus-wait").wait_for(state="visible")
    await neighbour_page.wait_for_timeout(
        1000
    )  # senders switch within a frame or two; let queues drain
    during = await flowing(neighbour_page, 2)
    assert during[mediator.id] == 0 and during[baker.id] == 0, during
    assert during[observer.id] > 0, during  # the rest of the room goes on
    inside = await flowing(baker_page, 1.5)
    assert inside[mediator.id] > 0 and inside[neighbour.id] == 0, inside
    await neighbour_page.screenshot(path=str(tmp_path / "caucus-waiting.png"))
    await mediator_page.get_by_role("button", name="Close caucus").click()
    await neighbour_page.locator("#caucus-wait").wait_for(state="hidden")
    await neighbour_page.wait_for_timeout(1000)
    after = await flowing(neighbour_page, 1.5)
    assert after[mediator.id] > 0 and after[baker.id] > 0, after


async def test_reconnection_after_a_dropped_socket_a_crash_and_a_graceful_restart(
    browser, make_person, make_session, settings, database
):
    session_id, people = _live_session(make_person, make_session, 2)
    server = Server(settings.database_url, settings.secret_key).start()
    try:
        pages = [await open_room(browser, server.base, person, session_id) for person in people]
        for page in pages:
            await wait_status(page, "connected")
        await pages[0].get_by_role("button", name="Next phase").click()
        await pages[1].wait_for_function(
            "document.querySelector('[data-testid=phase]').textContent === 'opening'"
        )
        # 1. The socket drops (a flaky Wi-Fi): the page says so, reconnects, and media never stopped.
        await pages[1].evaluate("window.__room.signaling.ws.close()")
        await wait_status(pages[1], "connected")
        assert (await flowing(pages[1]))[people[0].id] > 0
        # 2. The server dies and comes back: the room and its phase are as they were.
        server.kill()
        await wait_status(pages[0], "reconnecting", timeout=10_000)
        assert "Reconnecting" in await pages[0].text_content("#banner")
        server.start()
        for page in pages:
            await wait_status(page, "connected", timeout=30_000)
            assert await page.text_content("[data-testid=phase]") == "opening"
        for page, other in ((pages[0], people[1]), (pages[1], people[0])):
            assert (await flowing(page))[other.id] > 0
        # 3. A graceful stop (a deploy): the page is told the server is restarting, and returns.
        server.stop()
        await wait_status(pages[0], "reconnecting", timeout=10_000)
        assert "restarting" in await pages[0].text_content("#banner")
        server.start()
        for page in pages:
            await wait_status(page, "connected", timeout=30_000)
    finally:
        server.stop()
