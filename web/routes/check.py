"""The connection check: a page, the echo peer's signaling, and the stored result.

The browser offers, the server's aiortc peer answers and echoes the media back, the browser
measures and posts its figures; the verdict stored is the one the server computes from them.
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulator import connection_checks
from simulator.connection_advice import parse_figures
from simulator.models import Person
from web.auth import signed_in
from web.hubs import ice_servers_for
from web.json_body import json_object
from web.rendering import render
from web.rtc.echo import parse_offer
from web.templating import format_local

MEASURE_SECONDS = 10


@signed_in
async def check_page(request: Request) -> Response:
    user: Person = request.state.user
    recent = await request.app.state.db.run(connection_checks.recent, user.id, 5)
    config = {
        "iceServers": ice_servers_for(request.app.state.settings, user),
        "measureSeconds": MEASURE_SECONDS,
    }
    return render(request, "check.html", recent=recent, config=json.dumps(config))


@signed_in
async def check_offer(request: Request) -> Response:
    user: Person = request.state.user
    offer = parse_offer(await json_object(request))
    ice = ice_servers_for(request.app.state.settings, user)
    answer = await request.app.state.echo.answer(user.id, offer, ice)
    return JSONResponse(answer)


@signed_in
async def check_result(request: Request) -> Response:
    user: Person = request.state.user
    figures = parse_figures(await json_object(request))
    check, advice = await request.app.state.db.run(connection_checks.record, user.id, figures)
    return JSONResponse(
        {
            "verdict": advice.verdict.value,
            "headline": advice.headline,
            "advice": advice.advice,
            "reasons": list(advice.reasons),
            "at": format_local(check.created_at, user.timezone),
        },
        status_code=201,
    )


ROUTES = [
    Route("/check", check_page, methods=["GET"]),
    Route("/check/offer", check_offer, methods=["POST"]),
    Route("/check/result", check_result, methods=["POST"]),
]
