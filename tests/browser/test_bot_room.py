"""A headless participant with video in a room with Chromium: the browser sees and hears it."""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta

import pytest
from helpers import session_cookie
from room_pages import first_offers, open_room, wait_status

from simulator.models import Role
from web.rtc.bot import RoomBot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = os.environ.get("CHECK_SHOTS")

INBOUND_BY_KIND = """async () => {
  const out = { audio: 0, video: 0 };
  for (const peer of window.__room.peers.values()) {
    (await peer.pc.getStats()).forEach((s) => { if (s.type === "inbound-rtp") out[s.kind] += s.bytesReceived || 0; });
  }
  return out;
}"""


@pytest.mark.parametrize("bot_first", [True, False])
async def test_chromium_receives_the_bots_tone_and_picture(
    browser, live_server, make_person, make_session, bot_first
):
    # The bot has the lower id: under an older rule (the higher id offers) it would never offer.
    seated_bot = make_person(Role.TRAINEE, name="Bot Bakari")
    human = make_person(Role.TRAINEE)
    session = make_session([human, seated_bot], starts_in=timedelta(minutes=-5))
    bot = RoomBot(
        live_server, session.id, await session_cookie(live_server, seated_bot.email), video=True
    )
    stop = asyncio.Event()
    run = None
    try:
        if bot_first:
            run = asyncio.create_task(bot.run(stop))
            await asyncio.wait_for(bot.joined.wait(), 10)
        page = await open_room(browser, live_server, human, session.id)
        if not bot_first:
            await wait_status(page, "waiting")
            run = asyncio.create_task(bot.run(stop))
        await wait_status(page, "connected")
        # The one who arrived second offered, the bot as a browser would.
        assert await first_offers(page) == {seated_bot.id: "made" if bot_first else "received"}
        before = await page.evaluate(INBOUND_BY_KIND)
        await page.wait_for_timeout(1500)
        after = await page.evaluate(INBOUND_BY_KIND)
        assert after["audio"] > before["audio"] and after["video"] > before["video"], after
        if SHOTS:
            await page.screenshot(path=f"{SHOTS}/room-with-bot.png")
        await page.context.close()
    finally:
        stop.set()
        if run is not None:
            await asyncio.gather(run, return_exceptions=True)
