"""Recording with consent: two aiortc participants with known tones, through the real server."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import numpy as np
import pytest
from helpers import RoomClient, session_cookie
from sqlmodel import select

from simulator.models import Recording, RecordingConsent, Role
from simulator.settings import Settings
from simulator.timeutil import as_utc
from web.rtc.bot import RoomBot
from web.rtc.mixer import SAMPLE_RATE
from web.rtc.recorder import measure_recording, read_samples

pytestmark = pytest.mark.slow


def peaks(samples: np.ndarray, count: int = 2) -> list[float]:
    """The `count` strongest frequencies (Hz), at least 50 Hz apart."""
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(samples.size)))
    freqs = np.fft.rfftfreq(samples.size, 1 / SAMPLE_RATE)
    found: list[float] = []
    for index in np.argsort(spectrum)[::-1]:
        if all(abs(freqs[index] - f) > 50 for f in found):
            found.append(float(freqs[index]))
        if len(found) == count:
            break
    return sorted(found)


def stretch(audio: np.ndarray, start: float, end: float) -> np.ndarray:
    return audio[int(start * SAMPLE_RATE) : int(end * SAMPLE_RATE)]


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples**2))) if samples.size else 0.0


async def test_the_recorder_mixes_every_sender_into_one_file(tmp_path):
    path = tmp_path / "loopback.webm"
    figures = await measure_recording(path, (440.0, 660.0), seconds=2.0)
    audio = read_samples(path)
    assert figures.bytes == path.stat().st_size > 0
    assert abs(figures.duration - audio.size / SAMPLE_RATE) < 0.05
    assert all(abs(f - t) < 3 for f, t in zip(peaks(audio[-SAMPLE_RATE:]), (440, 660), strict=True))
    assert 0 < figures.cpu_percent_per_participant < 100
    print(figures, f"{figures.cpu_percent_per_participant:.1f}% of a core per participant")


async def test_a_consented_recording_of_two_aiortc_participants(
    live_server, make_person, make_session, settings, database
):
    people = [make_person(Role.TRAINEE) for _ in range(2)]
    coach = make_person(Role.COACH)
    session = make_session(people, coach=coach, starts_in=timedelta(minutes=-5))
    bots = [
        RoomBot(live_server, session.id, await session_cookie(live_server, p.email), tone_hz=hz)
        for p, hz in zip(people, (440.0, 660.0), strict=True)
    ]
    stop = asyncio.Event()
    runs = [asyncio.create_task(bot.run(stop)) for bot in bots]
    guide = await RoomClient.join(
        live_server, session.id, await session_cookie(live_server, coach.email)
    )

    def status(value: str):  # noqa: ANN202
        return lambda f: f["state"]["recording"]["status"] == value

    def rows() -> list[Recording]:
        with database.session() as db:
            return list(db.exec(select(Recording).where(Recording.breakout_id == session.id)))

    try:
        await asyncio.wait_for(asyncio.gather(*(bot.joined.wait() for bot in bots)), 10)
        await guide.next("welcome")
        await guide.send({"type": "phase.advance", "to": "joint"})
        await bots[0].request_recording()
        await bots[1].consent(True)
        waiting = await guide.next(
            "state", where=lambda f: f["state"]["recording"]["waiting_for"] == [coach.id]
        )
        assert waiting["state"]["recording"]["status"] == "waiting"
        await asyncio.sleep(1.0)
        assert rows() == []  # nothing starts without every consent: the coach has not answered
        await guide.send({"type": "recording.consent", "given": True})
        await guide.next("state", where=status("on"))
        started = time.time()
        party = next(p["id"] for p in waiting["state"]["people"] if p["role_kind"] == "party")
        await asyncio.sleep(3.0)
        await guide.send({"type": "caucus.open", "with": [party]})
        await guide.next("state", where=status("paused"))
        paused = time.time() - started
        await asyncio.sleep(2.0)
        await guide.send({"type": "caucus.close"})
        await guide.next("state", where=status("on"))
        resumed = time.time() - started
        await asyncio.sleep(3.0)
        await bots[1].consent(False)  # withdrawal stops it at once
        ended = (await guide.next("state", where=status("off")))["state"]["recording"]
        stopped = time.time() - started
        assert ended["last_stop"]["reason"] == "consent withdrawn"
        for _ in range(50):  # the recorder finishes the file and its row
            if (found := rows()) and found[0].ended_at is not None:
                break
            await asyncio.sleep(0.1)
    finally:
        await guide.close()
        stop.set()
        await asyncio.gather(*runs, return_exceptions=True)

    [row] = rows()
    assert row.stopped_because == "consent withdrawn"
    path = Settings(database_url=settings.database_url).recordings_dir / row.filename
    audio = read_samples(path)
    length = audio.size / SAMPLE_RATE
    stored = (as_utc(row.ended_at) - as_utc(row.started_at)).total_seconds()
    assert row.bytes == path.stat().st_size > 0
    assert abs(length - stored) < 0.5, (length, stored)
    assert abs(length - stopped) < 0.5, (length, stopped)
    print(f"recording: {length:.2f} s of audio, {stored:.2f} s stored, {stopped:.2f} s in the room")
    print(f"file: {row.bytes} bytes; caucus from {paused:.2f} s to {resumed:.2f} s")
    before = stretch(audio, 1.0, paused - 0.3)
    after = stretch(audio, resumed + 1.0, stopped - 0.3)
    for part in (before, after):
        assert all(abs(f - t) < 3 for f, t in zip(peaks(part), (440, 660), strict=True)), peaks(
            part
        )
        assert rms(part) > 0.05
        print(f"tones found: {peaks(part)} Hz, rms {rms(part):.3f}")
    caucus = rms(stretch(audio, paused + 0.6, resumed - 0.3))
    print(f"caucus rms: {caucus:.5f}")
    assert caucus < 0.002  # caucus: nothing recorded
    with database.session() as db:
        answers = {c.person_id: c.given for c in db.exec(select(RecordingConsent))}
    assert answers == {people[0].id: True, people[1].id: False, coach.id: True}


@pytest.mark.redis
async def test_with_two_workers_one_records_and_a_survivor_takes_over(
    make_person, make_session, settings, database, redis_url
):
    from helpers import Server

    people = [make_person(Role.TRAINEE) for _ in range(2)]
    session = make_session(people, starts_in=timedelta(minutes=-5))
    one = Server(settings.database_url, settings.secret_key, redis_url=redis_url).start()
    two = Server(settings.database_url, settings.secret_key, redis_url=redis_url).start()
    storage = Settings(database_url=settings.database_url).recordings_dir

    def rows() -> list[Recording]:
        with database.session() as db:
            found = db.exec(select(Recording).where(Recording.breakout_id == session.id))
            return sorted(found, key=lambda r: r.id or 0)

    async def until(check, seconds: float = 45):  # noqa: ANN001, ANN202
        deadline = time.monotonic() + seconds
        while not (result := check()):
            assert time.monotonic() < deadline, rows()
            await asyncio.sleep(0.2)
        return result

    stop = asyncio.Event()
    bots = [
        RoomBot(server.base, session.id, await session_cookie(server.base, p.email), tone_hz=hz)
        for server, p, hz in zip((one, two), people, (440.0, 660.0), strict=True)
    ]
    runs = [asyncio.create_task(bot.run(stop)) for bot in bots]
    try:
        await asyncio.wait_for(asyncio.gather(*(bot.joined.wait() for bot in bots)), 10)
        await bots[0].request_recording()
        await until(lambda: bots[1].state["recording"]["status"] == "waiting")
        await bots[1].consent(True)  # the last consent, on worker two, which therefore records
        await until(lambda: rows() and bots[0].uplink.pc is not None)
        await until(lambda: bots[0].uplink.pc.connectionState == "connected")
        # The first bot's audio crosses to the other worker's recorder; its file is written a
        # second behind, in one-second clusters, so let a few of them reach the disk.
        await asyncio.sleep(4.0)
        two.kill()
        # The sweep on worker one notices the dead recorder and records there from now on.
        await until(lambda: len(rows()) == 2 and rows()[0].ended_at is not None)
        await asyncio.sleep(3.0)
        await bots[0].consent(False)
        await until(lambda: rows()[1].ended_at is not None)
    finally:
        stop.set()
        await asyncio.gather(*runs, return_exceptions=True)
        one.stop()
        two.stop()
    first, second = rows()
    assert first.stopped_because == "recording server stopped"
    assert second.stopped_because == "consent withdrawn"
    crossed = read_samples(storage / first.filename)  # cut off by the crash, yet readable
    assert any(abs(f - 440) < 3 for f in peaks(crossed[-SAMPLE_RATE:]))
    survivor = read_samples(storage / second.filename)
    assert abs(peaks(survivor[-2 * SAMPLE_RATE :], 1)[0] - 440) < 3
