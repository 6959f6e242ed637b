"""The app factory: everything the application needs is built here from explicit settings."""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import Mount

from coaching.rubric import load_bundled_rubrics
from simulator.db import Database
from simulator.rooms.service import RoomService
from simulator.settings import Settings
from web.csrf import CSRFMiddleware
from web.errors import EXCEPTION_HANDLERS
from web.headers import SecurityHeadersMiddleware
from web.hubs import ice_servers_for, make_hub
from web.routes import (
    api,
    auth,
    calibration,
    cases,
    cohorts,
    control,
    dashboard,
    exports,
    feedback,
    people,
    profile,
    progress,
    room,
    roster,
    schedule,
    scoring,
    sessions,
)
from web.staticfiles import STATIC_DIR, HashedStaticFiles, content_hashes, static_url_builder
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

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        db.check_migrated()
        log.info("serving with database %s", db.safe_url)
        await rooms.start()
        try:
            yield
        finally:
            await rooms.stop()
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
        *sessions.ROUTES,
        *room.ROUTES,
        *control.ROUTES,
        *scoring.ROUTES,
        *feedback.ROUTES,
        *progress.ROUTES,
        *calibration.ROUTES,
        *exports.ROUTES,
        *api.ROUTES,
        Mount("/static", app=HashedStaticFiles(directory=STATIC_DIR), name="static"),
    ]
    middleware = [
        Middleware(SecurityHeadersMiddleware),
        Middleware(
            SessionMiddleware,
            secret_key=settings.secret_key or secrets.token_urlsafe(32),
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
    app.state.templates = make_templates(static_url_builder(content_hashes()))
    app.state.rooms = rooms
    app.state.rubrics = {rubric.id: rubric for rubric in load_bundled_rubrics()}
    return app


def app_from_env() -> Starlette:
    """Factory for `uvicorn --factory` and server workers: settings come from the environment."""
    return create_app(Settings.from_env())
