"""Migrations from empty on SQLite and PostgreSQL, and refusing to run unmigrated."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect
from sqlmodel import SQLModel

from simulator import accounts
from simulator.db import Database
from simulator.errors import ConfigError
from simulator.models import Role
from simulator.settings import Settings
from web.app import create_app


def _upgrade_and_check(url: str) -> None:
    db = Database(url)
    try:
        with pytest.raises(ConfigError, match="mediation-sim db upgrade"):
            db.check_migrated()
        db.upgrade()
        db.check_migrated()
        db.upgrade()  # a second run is a no-op
        tables = set(inspect(db.engine).get_table_names())
        assert set(SQLModel.metadata.tables) <= tables
        with db.session() as session:
            accounts.create_person(session, email="a@example.org", name="A", role=Role.STAFF)
        with db.session() as session:
            assert accounts.count_people(session) == 1
    finally:
        db.dispose()


def test_migrations_from_empty_on_sqlite(tmp_path):
    _upgrade_and_check(f"sqlite:///{tmp_path / 'fresh.db'}")


@pytest.mark.postgres
def test_migrations_from_empty_on_postgresql(pg_url):
    _upgrade_and_check(pg_url)


def test_models_and_migrations_agree(tmp_path):
    """Autogenerate finds nothing to do after upgrade: no model change lacks a migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    db = Database(f"sqlite:///{tmp_path / 'diff.db'}")
    db.upgrade()
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    db.dispose()
    assert diff == []


async def test_app_refuses_to_start_on_an_unmigrated_database(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'empty.db'}", secret_key="k")
    app = create_app(settings)
    with pytest.raises(ConfigError, match="run `mediation-sim db upgrade`"):
        async with app.router.lifespan_context(app):
            pass


def test_app_refuses_to_start_without_a_secret_key_outside_demo_mode(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app(Settings(database_url=url))
    create_app(Settings(database_url=url, demo_mode=True))


def test_bad_database_url_is_a_clear_error():
    with pytest.raises(ConfigError, match="not a database URL"):
        Database("not a url")
    with pytest.raises(ConfigError, match="Unsupported database"):
        Database("mysql://root@localhost/x")
