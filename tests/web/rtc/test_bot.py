"""Headless aiortc participants joining through the real server and hearing each other."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from helpers import session_cookie

from simulator.models import Role
from web.rtc.bot import RoomBot, room_endpoints
from web.rtc.tone import dominant_frequency

pytestmark = pytest.mark.slow


async def test_two_aiortc_participants_exchange_audio_through_the_server(
    live_server, make_person, make_session
):
    people = [make_person(Role.TRAINEE) for _ in range(2)]
    session = make_session(people, starts_in=timedelta(minutes=-5))
    bots = [
        RoomBot(
            live_server, session.id, await session_cookie(live_server, person.email), tone_hz=tone
        )
        for person, tone in zip(people, (440.0, 660.0), strict=True)
    ]
    stop = asyncio.Event()
    runs = [asyncio.create_task(bot.run(stop)) for bot in bots]
    try:
        await asyncio.wait_for(asyncio.gather(*(bot.joined.wait() for bot in bots)), 10)
        deadline = asyncio.get_running_loop().time() + 30
        while asyncio.get_running_loop().time() < deadline:
            if all(
                bot.heard(other.id, 1.0).size >= 48_000
                for bot, other in zip(bots, reversed(people), strict=True)
            ):
                break
            await asyncio.sleep(0.2)
        first, second = bots
        states = [bot.connection_states() for bot in bots]
        assert first.heard(people[1].id).size and second.heard(people[0].id).size, states
        assert abs(dominant_frequency(first.heard(people[1].id)) - 660) < 5
        assert abs(dominant_frequency(second.heard(people[0].id)) - 440) < 5
    finally:
        stop.set()
        await asyncio.gather(*runs, return_exceptions=True)


def test_room_url_parsing():
    assert room_endpoints("http://127.0.0.1:8000/sessions/12/room") == ("http://127.0.0.1:8000", 12)
    with pytest.raises(ValueError, match="not a room URL"):
        room_endpoints("http://127.0.0.1:8000/cases/x")
