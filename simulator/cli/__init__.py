"""The `mediation-sim` command line.

The CLI is the composition root: it is the one part of `simulator` that reaches into `web` (to
serve, and to load the bundled rubrics) and `coaching` (to validate rubrics); the domain modules
never do.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import click

from simulator import logs
from simulator.cli.bot import bot
from simulator.cli.cases import cases
from simulator.cli.recordings import recordings
from simulator.cli.roster import roster
from simulator.cli.rubrics import rubrics
from simulator.cli.schedule import schedule
from simulator.db import Database
from simulator.errors import ConfigError, DomainError
from simulator.settings import Settings, settings_table_markdown

DEMO_DB = "mediation-sim-demo.db"


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _serve(host: str, port: int, workers: int, settings: Settings) -> None:
    import uvicorn

    db = Database(settings.database_url)
    try:
        settings.require_secret_key()
        db.check_migrated()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.dispose()
    uvicorn.run(
        "web.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        log_level="info",
        log_config=None,  # logging is set up by simulator.logs in each worker
        ws="websockets-sansio",
        # Signaling frames are small JSON: compressing them costs more CPU and memory per
        # connection (bench/signaling.py: about half the memory) than the bytes it saves.
        ws_per_message_deflate=False,
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="mediation-sim")
def main() -> None:
    """Mediation training simulator: live role plays, mixed groups, rubric coaching."""
    try:
        logs.configure(Settings.from_env().log_format)
    except ConfigError:  # a bad setting is reported by the command that reads it
        logs.configure("text")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
def serve(host: str, port: int, workers: int) -> None:
    """Run the production server (settings from the environment; see `mediation-sim settings`)."""
    _serve(host, port, workers, _settings())


@main.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply migrations and load the bundled rubrics and case library (safe to run again)."""
    settings = _settings()
    database = Database(settings.database_url)
    try:
        database.upgrade()
        rubrics_added, added = _sync_library(database)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        database.dispose()
    click.echo(f"Database {database.safe_url} is at revision {database.head_revision()}.")
    click.echo(f"Rubrics: {rubrics_added} new rubric version(s) loaded.")
    click.echo(f"Case library: {added} new case version(s) loaded.")


def _sync_library(database: Database) -> tuple[int, int]:
    """Load the bundled rubrics, then the bundled cases (which name them); new versions of each."""
    from simulator import case_store, rubric_store
    from web.rubric_library import sync_bundled_rubrics

    with database.session() as session:
        rubrics_added = sync_bundled_rubrics(session)
        known = rubric_store.rubric_ids(session)
        return rubrics_added, case_store.sync_bundled_cases(session, rubric_ids=known)


@main.group()
def users() -> None:
    """Manage accounts."""


@users.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["staff", "coach", "trainee"]), required=True)
@click.option("--name", default="", help="Display name (default: the email).")
@click.option(
    "--timezone", default="UTC", show_default=True, help="IANA time zone, e.g. Africa/Nairobi."
)
@click.password_option(help="Asked for when not given.")
def users_create(email: str, role: str, name: str, timezone: str, password: str) -> None:
    """Create an account that can log in straight away."""
    from simulator import accounts

    settings = _settings()
    database = Database(settings.database_url)
    try:
        database.check_migrated()
        accounts.check_new_password(password)
        with database.session() as session:
            person = accounts.create_person(
                session, email=email, name=name, role=role, timezone=timezone, password=password
            )
    except (ConfigError, DomainError) as exc:
        raise click.ClickException(getattr(exc, "message", str(exc))) from None
    finally:
        database.dispose()
    click.echo(f"Created {person.role} {person.email}.")


@main.command()
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--no-serve", is_flag=True, help="Build the demo database and stop.")
def demo(port: int, host: str, no_serve: bool) -> None:
    """Build a fresh demo programme (SQLite in this folder) with round 1 live now, and serve it."""
    from simulator.demo import DEMO_PASSWORD, DemoRubric, build_demo
    from web.rubric_library import bundled_rubric_files

    path = Path(DEMO_DB).resolve()
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    os.environ.update(
        DATABASE_URL=url,
        DEMO_MODE="true",
        SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(32),
        BASE_URL=f"http://{host}:{port}",
    )
    database = Database(url)
    try:
        database.upgrade()
        with database.session() as session:
            rubrics = bundled_rubric_files()
            core = next(r for r in rubrics if r.rubric_id == "core-mediation-skills")
            shape = DemoRubric(core.shape.criteria, core.shape.levels)
            made = build_demo(session, rubrics=rubrics, rubric=shape)
    finally:
        database.dispose()
    click.echo(f"Demo database: {path}")
    click.echo(f"Accounts (password {DEMO_PASSWORD!r} for all):")
    for account in made:
        click.echo(f"  {account.email:<24} {account.role:<8} {account.name} ({account.timezone})")
    click.echo(f"\nOpen http://{host}:{port}/ and log in.\n")
    sys.stdout.flush()
    if not no_serve:
        _serve(host, port, 1, _settings())


@main.command("settings")
def show_settings() -> None:
    """Print every setting, its environment variable and default (Markdown table)."""
    click.echo(settings_table_markdown())


main.add_command(bot)
main.add_command(cases)
main.add_command(rubrics)
main.add_command(recordings)
main.add_command(roster)
main.add_command(schedule)
