"""Shared fixtures: a migrated database, the app, an HTTP client, people, services, a browser."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta

import httpx
import psycopg
import pytest
import redis
from helpers import PASSWORD, Server, log_in

from simulator import accounts
from simulator.db import Database
from simulator.models import Breakout, BreakoutStatus, Cohort, Person, Role, Seat
from simulator.settings import Settings
from simulator.timeutil import utcnow
from web.app import create_app

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/15"
REQUIRE_SERVICES = os.environ.get("MEDIATION_SIM_REQUIRE_SERVICES") == "1"


def service_missing(what: str, error: Exception) -> None:
    """Skip on a laptop without the service; fail in CI, where it must be there."""
    message = f"{what} is not reachable ({error.__class__.__name__}: {error})"
    if REQUIRE_SERVICES:
        pytest.fail(f"{message}; MEDIATION_SIM_REQUIRE_SERVICES=1 makes this a failure")
    pytest.skip(f"{message}; start it to run this test")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"msim_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        service_missing("PostgreSQL on 127.0.0.1:5432", exc)
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_url() -> str:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
        client.flushdb()
    except redis.RedisError as exc:
        service_missing("Redis on 127.0.0.1:6379", exc)
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture
def settings(tmp_path) -> Settings:  # noqa: ANN001
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'test.db'}",
        secret_key="test-secret-key-not-for-production",
        base_url="http://testserver",
    )


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    """A migrated database holding the bundled rubrics, as `mediation-sim db upgrade` leaves it."""
    from web.rubric_library import sync_bundled_rubrics

    db = Database(settings.database_url)
    db.upgrade()
    with db.session() as session:
        sync_bundled_rubrics(session)
    yield db
    db.dispose()


@pytest.fixture
def rubric_ids(database: Database) -> set[str]:
    """The ids of the stored rubrics, which cases may name."""
    from simulator import rubric_store

    with database.session() as session:
        return rubric_store.rubric_ids(session)


@pytest.fixture
def library(database: Database, rubric_ids: set[str]) -> None:
    from simulator import case_store

    with database.session() as session:
        case_store.sync_bundled_cases(session, rubric_ids=rubric_ids)


@pytest.fixture
def app(settings: Settings, database: Database):  # noqa: ANN201
    return create_app(settings, database=database)


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:  # noqa: ANN001
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


@pytest.fixture
def make_person(database: Database) -> Callable[..., Person]:
    """Create a person who can log in with PASSWORD."""
    counter = iter(range(1, 10_000))

    def make(role: Role | str = Role.TRAINEE, email: str | None = None, **profile: str) -> Person:
        n = next(counter)
        with database.session() as session:
            return accounts.create_person(
                session,
                email=email or f"{role}{n}@example.org",
                name=profile.pop("name", f"{str(role).title()} {n}"),
                role=role,
                password=PASSWORD,
                **profile,
            )

    return make


@pytest.fixture
def login() -> Callable:
    return log_in


@pytest.fixture
def make_session(database: Database, library: None) -> Callable[..., Breakout]:
    """Schedule a published session of a bundled case with the given people seated in order."""

    def make(
        people: list[Person],
        *,
        coach: Person | None = None,
        case_id: str = "late-night-bakery",
        starts_in: timedelta = timedelta(days=1),
        status: BreakoutStatus = BreakoutStatus.PUBLISHED,
    ) -> Breakout:
        from simulator import case_store
        from simulator.demo import deal_roles

        with database.session() as session:
            cohort = Cohort(name="Test cohort")
            session.add(cohort)
            session.flush()
            version = case_store.latest_version(session, case_id)
            breakout = Breakout(
                cohort_id=cohort.id,
                start=utcnow() + starts_in,
                duration_minutes=60,
                case_version_id=version.id,
                coach_id=coach.id if coach else None,
                status=status,
            )
            session.add(breakout)
            session.flush()
            for person, role_id in zip(people, deal_roles(version, len(people)), strict=True):
                session.add(Seat(breakout_id=breakout.id, person_id=person.id, role_id=role_id))
            return breakout

    return make


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture
async def browser():
    """Debian's Chromium driven by Playwright (async API, so it shares the test's event loop)."""
    if not os.path.exists(CHROMIUM):
        if REQUIRE_SERVICES:
            pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium to run browser tests")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        await chromium.close()


@pytest.fixture
def live_server(settings: Settings, database: Database) -> Iterator[str]:
    """The real server (`mediation-sim serve`) on a free loopback port, over the test database."""
    server = Server(settings.database_url, settings.secret_key).start()
    try:
        yield server.base
    finally:
        server.stop()
