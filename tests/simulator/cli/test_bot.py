"""`mediation-sim bot`: a headless participant started from the command line, against a real server."""

from __future__ import annotations

import asyncio
import signal
import sys
from datetime import timedelta

import pytest
from helpers import cli, server_env, session_cookie

from simulator.models import Role
from web.rtc.bot import RoomBot
from web.rtc.tone import dominant_frequency


def _env(settings) -> dict[str, str]:  # noqa: ANN001
    return {"DATABASE_URL": settings.database_url, "SECRET_KEY": settings.secret_key}


@pytest.mark.slow
async def test_the_bot_joins_is_heard_and_leaves_on_ctrl_c(
    live_server, settings, make_person, make_session
):
    seated, listener = make_person(Role.TRAINEE), make_person(Role.TRAINEE, name="Listening Lin")
    session = make_session([seated, listener], starts_in=timedelta(minutes=-5))
    ear = RoomBot(live_server, session.id, await session_cookie(live_server, listener.email))
    stop = asyncio.Event()
    ear_run = asyncio.create_task(ear.run(stop))
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "simulator",
        "bot",
        f"{live_server}/sessions/{session.id}/room",
        "--as",
        seated.email.upper(),  # emails are matched as the login form matches them
        "--tone-hz",
        "660",
        "--video",
        env=server_env(**_env(settings)),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await asyncio.wait_for(ear.joined.wait(), 10)
        deadline = asyncio.get_running_loop().time() + 30
        while ear.heard(seated.id, 1.0).size < 48_000:
            if asyncio.get_running_loop().time() > deadline or proc.returncode is not None:
                if proc.returncode is None:
                    proc.kill()
                out, err = await proc.communicate()
                raise AssertionError(f"not heard; {ear.connection_states()}\n{out!r}\n{err!r}")
            await asyncio.sleep(0.2)
        assert abs(dominant_frequency(ear.heard(seated.id)) - 660) < 5
        proc.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(proc.communicate(), 20)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        stop.set()
        await asyncio.gather(ear_run, return_exceptions=True)
    text = out.decode()
    assert proc.returncode == 0, err.decode()[-2000:]
    assert f"joined session {session.id} as {seated.name} (trainee, role " in text
    assert "phase: preparation" in text and "Listening Lin is here" in text
    assert "media connected with Listening Lin" in text
    assert text.rstrip().endswith("left the room")
    assert "Check CandidatePair" not in text + err.decode()  # aioice's chatter stays out


@pytest.mark.slow
def test_the_bot_leaves_by_itself_after_seconds(live_server, settings, make_person, make_session):
    person = make_person(Role.TRAINEE)
    session = make_session([person], starts_in=timedelta(minutes=-5))
    room = f"{live_server}/sessions/{session.id}/room"
    result = cli(
        "bot",
        room,
        "--as",
        person.email,
        "--seconds",
        "1",
        cwd=settings_dir(settings),
        env=_env(settings),
    )
    assert result.returncode == 0, result.stderr
    assert "joined session" in result.stdout and "left the room" in result.stdout


def settings_dir(settings):  # noqa: ANN001, ANN201
    from pathlib import Path

    return Path(settings.database_url.removeprefix("sqlite:///")).parent


@pytest.mark.parametrize(
    ("url", "email", "message"),
    [
        ("http://127.0.0.1:9/sessions/1/room", "nobody@example.org", "There is no account with"),
        ("http://127.0.0.1:9/cases/x", "{email}", "is not a room URL"),
    ],
)
def test_the_bot_refuses_unknown_people_and_urls_that_are_not_rooms(
    settings, database, make_person, url, email, message
):
    person = make_person(Role.TRAINEE)
    result = cli(
        "bot",
        url,
        "--as",
        email.format(email=person.email),
        cwd=settings_dir(settings),
        env=_env(settings),
    )
    assert result.returncode == 1 and message in result.stderr, result.stderr


def test_the_bot_says_when_the_room_refuses_it(live_server, settings, make_person, make_session):
    outsider = make_person(Role.TRAINEE)
    session = make_session([make_person(Role.TRAINEE)], starts_in=timedelta(minutes=-5))
    result = cli(
        "bot",
        f"{live_server}/sessions/{session.id}/room",
        "--as",
        outsider.email,
        cwd=settings_dir(settings),
        env=_env(settings),
    )
    assert result.returncode == 1 and "The room refused the bot" in result.stderr, result.stderr
