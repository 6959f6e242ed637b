"""`mediation-sim bot ROOM_URL --as EMAIL`: a headless participant in a live room.

It runs with the server's settings: the database to find the person, and the secret key to sign
a session cookie for them as the login form would, so no password is needed. It then speaks the
room protocol like a browser (web/rtc/bot.py), for demos, empty seats and load tests.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from typing import TYPE_CHECKING

import click
from sqlmodel import select

from simulator.accounts import normalise_email
from simulator.db import Database
from simulator.errors import ConfigError
from simulator.models import Account, Person
from simulator.settings import Settings

if TYPE_CHECKING:
    from web.rtc.bot import RoomBot


def _person(settings: Settings, email: str) -> tuple[Person, Account]:
    database = Database(settings.database_url)
    try:
        database.check_migrated()
        with database.session() as session:
            row = session.exec(
                select(Person, Account)
                .join(Account, Account.person_id == Person.id)
                .where(Person.email == normalise_email(email))
            ).first()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        database.dispose()
    if row is None:
        raise click.ClickException(f"There is no account with the email {email} in this database.")
    return row


async def _run(bot: RoomBot, seconds: float | None) -> None:
    """Until Ctrl-C, SIGTERM or `seconds`; the bot then leaves cleanly (peers closed first)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if seconds is not None:
        loop.call_later(seconds, stop.set)
    try:
        await bot.run(stop)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


@click.command()
@click.argument("room_url")
@click.option("--as", "email", required=True, help="Email of the person the bot joins as.")
@click.option("--video", is_flag=True, help="Send a moving test picture as well as the tone.")
@click.option(
    "--seconds",
    type=click.FloatRange(min=0, min_open=True),
    help="Leave after this many seconds (default: stay until Ctrl-C).",
)
@click.option(
    "--tone-hz",
    type=click.FloatRange(20, 20_000),
    default=440.0,
    show_default=True,
    help="Pitch of the synthetic voice.",
)
def bot(room_url: str, email: str, video: bool, seconds: float | None, tone_hz: float) -> None:
    """Join the live room at ROOM_URL as EMAIL with a synthetic tone (and video).

    Needs the server's DATABASE_URL and SECRET_KEY: it signs that person's session cookie.
    """
    from websockets.exceptions import WebSocketException

    from web.app import SESSION_COOKIE
    from web.auth import signed_session
    from web.rtc.bot import RoomBot, room_endpoints

    try:
        settings = Settings.from_env()
        base, session_id = room_endpoints(room_url)
    except (ConfigError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    if not settings.secret_key:
        raise click.ClickException(
            "SECRET_KEY is not set: the bot signs its session cookie with the server's key, "
            "so run it with the same SECRET_KEY and DATABASE_URL as the server."
        )
    person, account = _person(settings, email)
    # aioice reports every connectivity check at INFO: keep the bot's own lines readable.
    for noisy in ("aioice", "aiortc", "websockets"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    started = time.monotonic()

    def say(line: str) -> None:
        click.echo(f"{time.monotonic() - started:6.1f} s  {line}")

    say(f"joining {base}/sessions/{session_id}/room as {person.email}")
    cookie = f"{SESSION_COOKIE}={signed_session(settings.secret_key, person, account)}"
    room_bot = RoomBot(base, session_id, cookie, tone_hz=tone_hz, video=video, report=say)
    try:
        asyncio.run(_run(room_bot, seconds))
    except RuntimeError as exc:  # the room refused us (an error frame marked fatal)
        raise click.ClickException(f"The room refused the bot: {exc}") from None
    except (OSError, WebSocketException) as exc:
        raise click.ClickException(f"Lost or could not reach the room at {base}: {exc}") from None
    say("left the room")
