"""CSRF protection for every state-changing request: a per-session token, checked in one place.

Forms send it as the `csrf_token` field; scripts send it in the `X-CSRF-Token` header.
"""

from __future__ import annotations

import hmac
import json
import secrets

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_FORM_BYTES = 10 * 1024 * 1024
FIELD = "csrf_token"
HEADER = "x-csrf-token"


def csrf_token(request: Request) -> str:
    """This session's token, created on first use."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


class CSRFMiddleware:
    """Rejects unsafe requests whose token does not match the session's. Sits inside sessions."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        expected = scope.get("session", {}).get("csrf")
        headers = Headers(scope=scope)
        sent = headers.get(HEADER)
        replay = receive
        if sent is None and headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            body = await _read_body(receive, MAX_FORM_BYTES)
            if body is None:
                await _reject(scope, send, 413, "The form is too large (over 10 MB).")
                return
            replay = _replayer(body, receive)
            async with Request(scope, _replayer(body, receive)).form() as form:
                value = form.get(FIELD)
                sent = value if isinstance(value, str) else None
        if not expected or not sent or not hmac.compare_digest(expected, sent):
            await _reject(
                scope,
                send,
                403,
                "This form has expired or did not come from this site. Reload the page and try again.",
            )
            return
        await self.app(scope, replay, send)


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replayer(body: bytes, upstream: Receive) -> Receive:
    """Hand the app the body already read, then the real channel: a streamed response must
    learn of a disconnect only when the client really goes."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return await upstream()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _reject(scope: Scope, send: Send, status: int, message: str) -> None:
    """A plain answer here: the error pages need the app, which this request must not reach."""
    wants_json = scope["path"].startswith("/api") or "application/json" in Headers(scope=scope).get(
        "accept", ""
    )
    if wants_json:
        body = json.dumps({"error": message}).encode()
        content_type = b"application/json"
    else:
        body = (
            "<!doctype html><html lang=en><meta charset=utf-8><title>Request refused</title>"
            f"<main><h1>Request refused</h1><p>{message}</p><p><a href=/>Home</a></p></main></html>"
        ).encode()
        content_type = b"text/html; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
