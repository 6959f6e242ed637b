"""Rendering a template into a response, the one way every route does it."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response


def render(request: Request, template: str, status: int = 200, **context: object) -> Response:
    return request.app.state.templates.TemplateResponse(
        request, template, context, status_code=status
    )
