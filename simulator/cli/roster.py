"""`mediation-sim roster import`: a cohort's trainees and coaches from a roster CSV."""

from __future__ import annotations

from pathlib import Path

import click

from simulator.db import Database
from simulator.errors import ConfigError, DomainError
from simulator.roster_import import import_roster
from simulator.scheduling.csvtable import CsvError
from simulator.settings import Settings


@click.group()
def roster() -> None:
    """Cohort rosters."""


@roster.command("import")
@click.argument("cohort_id", type=int)
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def roster_import(cohort_id: int, path: Path) -> None:
    """Add or update the people of ROSTER.csv in cohort COHORT_ID (all or nothing)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise click.ClickException(f"cannot read the roster {path}: {exc.strerror}") from None
    try:
        database = Database(Settings.from_env().database_url)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        database.check_migrated()
        with database.session() as session:
            result = import_roster(session, cohort_id, data)
    except CsvError as exc:
        lines = "\n".join(f"{path}: {error}" for error in exc.errors)
        raise click.ClickException(
            f"the roster has problems; nobody was imported:\n{lines}"
        ) from None
    except DomainError as exc:
        raise click.ClickException(f"cohort {cohort_id}: {exc.message}") from None
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        database.dispose()
    click.echo(
        f"Imported {result.total} people into cohort {cohort_id}"
        f" ({result.created} new, {result.updated} updated). New people have no password yet:"
        " invite them from the People page."
    )
