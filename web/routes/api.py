"""The JSON API: `GET /api/sessions`, scoped to the caller's role, and `GET /healthz`."""

from __future__ import annotations

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import simulator
from simulator.breakouts import SessionView, sessions_for
from simulator.models import Person, Role
from simulator.timeutil import iso_utc
from web.auth import public, signed_in


def session_json(view: SessionView, viewer: Person, base: str) -> dict[str, object]:
    """The contract's shape; trainees see other people's names but not their emails."""
    hide_emails = viewer.role == Role.TRAINEE
    return {
        "id": view.id,
        "cohort": view.cohort_name,
        "round": view.round,
        "start": iso_utc(view.start),
        "duration_minutes": view.duration_minutes,
        "case": view.case_id,
        "case_title": view.case_title,
        "status": view.status,
        "coach": view.coach_name,
        "room_url": f"{base}/sessions/{view.id}/room",
        "seats": [
            {
                "name": seat.name,
                "email": None if hide_emails and seat.person_id != viewer.id else seat.email,
                "role": seat.role_id,
            }
            for seat in view.seats
        ],
    }


@signed_in
async def api_sessions(request: Request) -> Response:
    user = request.state.user
    views = await request.app.state.db.run(sessions_for, user)
    base = str(request.base_url).rstrip("/")
    return JSONResponse([session_json(v, user, base) for v in views])


@public
async def healthz(request: Request) -> Response:
    ok = await anyio.to_thread.run_sync(request.app.state.db.ping)
    body = {"status": "ok" if ok else "error", "database": "ok" if ok else "unreachable"}
    body["version"] = simulator.__version__
    return JSONResponse(body, status_code=200 if ok else 503)


ROUTES = [
    Route("/api/sessions", api_sessions, methods=["GET"]),
    Route("/healthz", healthz, methods=["GET"]),
]
