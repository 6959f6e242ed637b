"""Who is asking: the signed session cookie, and the role guards every route carries."""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Awaitable, Callable
from urllib.parse import quote

import itsdangerous
from sqlmodel import Session
from starlette.requests import HTTPConnection, Request
from starlette.responses import RedirectResponse, Response

from simulator.errors import Forbidden, NotAuthenticated
from simulator.models import Account, Person, Role

Endpoint = Callable[[Request], Awaitable[Response]]
_UNSET = object()


def _load(session: Session, person_id: int, epoch: int) -> Person | None:
    person = session.get(Person, person_id)
    account = session.get(Account, person_id)
    if person is None or account is None or account.auth_epoch != epoch:
        return None
    return person


async def current_user(conn: HTTPConnection) -> Person | None:
    """The logged-in person, or None; read once per request or websocket."""
    cached = getattr(conn.state, "user", _UNSET)
    if cached is not _UNSET:
        return cached
    person: Person | None = None
    person_id, epoch = conn.session.get("uid"), conn.session.get("epoch")
    if isinstance(person_id, int) and isinstance(epoch, int):
        person = await conn.app.state.db.run(_load, person_id, epoch)
        if person is None:
            conn.session.pop("uid", None)
    conn.state.user = person
    return person


def log_in(request: Request, person: Person, account: Account) -> None:
    """Start a fresh session (a new CSRF token too, so a planted one is useless)."""
    request.session.clear()
    request.session.update({"uid": person.id, "epoch": account.auth_epoch})
    request.state.user = person


def signed_session(secret_key: str, person: Person, account: Account) -> str:
    """The session cookie value `log_in` leads to, for a headless participant started from the CLI.

    It is encoded as Starlette's SessionMiddleware encodes a session (base64 JSON, signed with a
    timestamp), so the server accepts it exactly like a cookie from the login form.
    """
    data = {"uid": person.id, "epoch": account.auth_epoch}
    payload = base64.b64encode(json.dumps(data).encode())
    return itsdangerous.TimestampSigner(secret_key).sign(payload).decode()


def log_out(request: Request) -> None:
    request.session.clear()
    request.state.user = None


def is_api(conn: HTTPConnection) -> bool:
    return conn.url.path.startswith("/api/")


def safe_next(target: str | None) -> str:
    """A local path to return to after login; anything else goes home (no open redirects)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def requires(*roles: Role) -> Callable[[Endpoint], Endpoint]:
    """Guard an endpoint: anonymous users go to login (401 for the API), wrong roles get 403."""

    def decorator(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def guarded(request: Request) -> Response:
            user = await current_user(request)
            if user is None:
                if is_api(request) or request.method != "GET":
                    raise NotAuthenticated("Log in first.")
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
            if roles and user.role not in roles:
                raise Forbidden("Your role does not give access to this page.")
            return await endpoint(request)

        guarded.allowed_roles = frozenset(roles or Role)  # type: ignore[attr-defined]
        return guarded

    return decorator


def public(endpoint: Endpoint) -> Endpoint:
    """Mark an endpoint as open to everyone, so the authorisation test knows it was meant."""
    endpoint.allowed_roles = None  # type: ignore[attr-defined]
    return endpoint


signed_in = requires()
staff_only = requires(Role.STAFF)
