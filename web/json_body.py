"""Reading a JSON request body the one way the API does: an object, or a clear 400."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from simulator.errors import BadRequest


async def json_object(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise BadRequest("Send a JSON object.") from None
    if not isinstance(body, dict):
        raise BadRequest("Send a JSON object.")
    return body
