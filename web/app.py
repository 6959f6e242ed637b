"""The app factory: everything the application needs is built here from explicit settings."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import secrets
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount

from simulator import logs
from simulator.db import Database
from simulator.recordings import purge_forever
from simulator.rooms.service import RoomService
from simulator.settings import Settings
from simulator.telemetry import Counters
from web.csrf import CSRFMiddleware
from web.errors import EXCEPTION_HANDLERS
from web.headers import SecurityHeadersMiddleware
from web.hubs import ice_servers_for, make_hub
from web.metrics import ROUTES as metrics_routes
from web.metrics import MetricsStore, RequestCounter
from web.routes import (
    api,
    auth,
    calendar,
    calibration,
    cases,
    check,
    cohorts,
    control,
    dashboard,
    exports,
    feedback,
    notifications,
    people,
    profile,
    progress,
    recordings,
    room,
    roster,
    rubrics,
    schedule,
    scoring,
    sessions,
)
from web.rtc.echo import EchoPeers
from web.rtc.recorders import recorder_manager
from web.staticfiles import (
    STATIC_DIR,
    HashedStaticFiles,
    content_hashes,
    inline_script_builder,
    static_url_builder,
)
from web.templating import make_templates

log = logging.getLogger("web.app")

SESSION_COOKIE = "msim_session"


def create_app(settings: Settings, *, database: Database | None = None) -> Starlette:
    """Build the application; nothing touches the database until the lifespan starts."""
    settings.require_secret_key()
    db = database or Database(settings.database_url)

    rooms = RoomService(
        make_hub(settings, db), db, lambda person: ice_servers_for(settings, person)
    )
    echo = EchoPeers(settings.rtc_max_echo, settings.rtc_echo_seconds)
    counters = Counters()
    rooms.metrics = counters
    metrics_store = MetricsStore(counters, settings.redis_url)
    recorders = recorder_manager(settings, rooms, db)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        db.check_migrated()
        log.info("serving with database %s", db.safe_url)
        await rooms.start()
        recorders.start()
        metrics_store.start()
        # Everything loaded so far (modules, templates, the case library) lives as long as the
        # process: keep it out of the collector's full passes, which otherwise stall every room
        # on this worker for hundreds of milliseconds once thousands of people are connected.
        gc.collect()
        gc.freeze()
        retention = asyncio.create_task(purge_forever(db, settings.recordings_dir))
        try:
            yield
        finally:
            retention.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await retention
            await echo.stop()
            await recorders.stop()
            await rooms.stop()
            await metrics_store.stop()
            if database is None:
                db.dispose()

    routes = [
        *auth.ROUTES,
        *dashboard.ROUTES,
        *profile.ROUTES,
        *people.ROUTES,
        *cohorts.ROUTES,
        *roster.ROUTES,
        *schedule.ROUTES,
        *cases.ROUTES,
        *rubrics.ROUTES,
        *sessions.ROUTES,
        *calendar.ROUTES,
        *room.ROUTES,
        *recordings.ROUTES,
        *check.ROUTES,
        *control.ROUTES,
        *notifications.ROUTES,
        *scoring.ROUTES,
        *feedback.ROUTES,
        *progress.ROUTES,
        *calibration.ROUTES,
        *exports.ROUTES,
        *api.ROUTES,
        *metrics_routes,
        Mount("/static", app=HashedStaticFiles(directory=STATIC_DIR), name="static"),
    ]
    # Demo mode may run without SECRET_KEY: then cookies and feed links last one process.
    signing_key = settings.secret_key or secrets.token_urlsafe(32)
    middleware = [
        Middleware(RequestCounter, counters=counters),
        Middleware(SecurityHeadersMiddleware),
        Middleware(
            SessionMiddleware,
            secret_key=signing_key,
            session_cookie=SESSION_COOKIE,
            max_age=settings.session_max_age_days * 86400,
            same_site="lax",
            https_only=settings.secure_cookies,
        ),
        Middleware(CSRFMiddleware),
    ]
    app = Starlette(
        debug=settings.debug,
        routes=routes,
        middleware=middleware,
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.signing_key = signing_key
    app.state.templates = make_templates(
        static_url_builder(content_hashes()), inline_script_builder()
    )
    app.state.rooms = rooms
    app.state.metrics = metrics_store
    app.state.recorders = recorders
    app.state.echo = echo
    return app


def app_from_env() -> Starlette:
    """Factory for `uvicorn --factory` and server workers: settings come from the environment."""
    settings = Settings.from_env()
    logs.configure(settings.log_format)  # each worker process sets up its own logging
    return create_app(settings)
