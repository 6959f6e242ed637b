"""One place maps every error to a response: HTML for pages, JSON for the API."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from simulator.errors import DomainError
from web.auth import is_api

log = logging.getLogger("web.errors")

TITLES = {
    400: "That did not work",
    401: "Please log in",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    409: "Already there",
    413: "Too large",
    429: "Too many attempts",
    500: "Something went wrong",
    503: "Unavailable",
}


def _wants_json(request: Request) -> bool:
    return is_api(request) or request.headers.get("accept", "").startswith("application/json")


async def render_error(request: Request, status: int, message: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": message}, status_code=status)
    templates = request.app.state.templates
    return templates.TemplateResponse(
        request,
        "error.html",
        {"status": status, "title": TITLES.get(status, "Error"), "message": message},
        status_code=status,
    )


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    return await render_error(request, exc.status_code, exc.message)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    messages = {
        404: "There is nothing at this address. Check the link, or go back to your dashboard.",
        405: "This address does not accept that kind of request.",
    }
    message = messages.get(exc.status_code, str(exc.detail))
    return await render_error(request, exc.status_code, message)


async def server_error(request: Request, exc: Exception) -> Response:
    # This handler runs outside the middleware stack, so count the failure here.
    request.app.state.metrics.counters.inc("mediation_errors_total", kind="http_5xx")
    request.app.state.metrics.counters.inc("mediation_http_requests_total", status="5xx")
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return await render_error(
        request, 500, "Something went wrong on our side. It has been logged; please try again."
    )


EXCEPTION_HANDLERS = {DomainError: domain_error, HTTPException: http_error, Exception: server_error}
