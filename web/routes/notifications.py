"""Messages left for a person (a seat moved during no-show recovery): marking them read."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from simulator import recovery
from simulator.timeutil import utcnow
from web.auth import signed_in


@signed_in
async def mark_read(request: Request) -> Response:
    await request.app.state.db.run(recovery.mark_read, request.state.user.id, utcnow())
    return RedirectResponse("/", status_code=303)


ROUTES = [Route("/notifications/read", mark_read, methods=["POST"])]
