"""A scheduled session's page: when, who, which case, and the way into the room."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulator.breakouts import session_for
from web.auth import signed_in
from web.rendering import render


@signed_in
async def session_page(request: Request) -> Response:
    user = request.state.user
    view = await request.app.state.db.run(session_for, user, request.path_params["session_id"])
    return render(request, "session.html", s=view, my_role=view.role_of(user.id))


ROUTES = [Route("/sessions/{session_id:int}", session_page, methods=["GET"], name="session")]
