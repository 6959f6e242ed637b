"""The one place that owns the database engine, its sessions and its migrations."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from typing import Any, TypeVar

import anyio.to_thread
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

from simulator.errors import ConfigError

T = TypeVar("T")

UPGRADE_HINT = "run `mediation-sim db upgrade`"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for a SQLite or PostgreSQL URL, tuned for a web server."""
    try:
        parsed = make_url(url)
    except Exception:
        raise ConfigError(
            f"DATABASE_URL is not a database URL: {url!r}. "
            "Use sqlite:///path.db or postgresql+psycopg://user@host/db."
        ) from None
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
    raise ConfigError(
        f"Unsupported database {parsed.get_backend_name()!r}: use SQLite or PostgreSQL."
    )


def alembic_config(url: str) -> Config:
    """Alembic configured in code, so an installed wheel needs no alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(resources.files("simulator") / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


class Database:
    """Engine, sessions and migration state of one database."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(session, *args)` in a worker thread so queries never block the event loop."""

        def call() -> T:
            with self.session() as session:
                return fn(session, *args)

        return await anyio.to_thread.run_sync(call)

    def upgrade(self) -> None:
        """Apply every migration not yet applied."""
        config = alembic_config(self.url)
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def current_revision(self) -> str | None:
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def head_revision(self) -> str | None:
        return ScriptDirectory.from_config(alembic_config(self.url)).get_current_head()

    def check_migrated(self) -> None:
        """Refuse to run against a database that is behind the code's schema."""
        current, head = self.current_revision(), self.head_revision()
        if current != head:
            state = "has no tables yet" if current is None else f"is at revision {current}"
            raise ConfigError(
                f"The database {self.safe_url} {state}; the code needs {head}: {UPGRADE_HINT}."
            )

    def ping(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    @property
    def safe_url(self) -> str:
        """The URL with any password hidden, fit for messages and logs."""
        return make_url(self.url).render_as_string(hide_password=True)

    def dispose(self) -> None:
        self.engine.dispose()
