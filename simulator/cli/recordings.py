"""`mediation-sim recordings purge`: apply each cohort's retention period now."""

from __future__ import annotations

import click

from simulator.errors import ConfigError
from simulator.settings import Settings


@click.group()
def recordings() -> None:
    """Session recordings (made with everyone's consent, kept per cohort's retention)."""


@recordings.command("purge")
def purge() -> None:
    """Delete recordings older than their cohort's retention period: files and rows.

    The server also does this every hour; this is for cron or a one-off clean-up.
    """
    from simulator import recordings as store
    from simulator.db import Database

    try:
        settings = Settings.from_env()
        database = Database(settings.database_url)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        database.check_migrated()
        with database.session() as session:
            gone = store.purge_expired(session, settings.recordings_dir)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        database.dispose()
    freed = sum(row.bytes for row in gone)
    click.echo(
        f"Deleted {len(gone)} recording(s), {freed / 1_000_000:.1f} MB, "
        f"from {settings.recordings_dir}."
    )
