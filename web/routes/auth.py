"""Log in, log out, and accept an invitation."""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from simulator import accounts
from simulator.errors import BadRequest, TooManyAttempts
from web.auth import current_user, log_in, log_out, public, safe_next
from web.rendering import render


@public
async def login_page(request: Request) -> Response:
    if await current_user(request):
        return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    return render(request, "login.html", next=safe_next(request.query_params.get("next")), email="")


@public
async def login(request: Request) -> Response:
    form = await request.form()
    email = str(form.get("email", ""))
    password = str(form.get("password", ""))
    target = safe_next(str(form.get("next", "")))
    settings = request.app.state.settings
    throttle = accounts.Throttle(
        settings.login_max_failures, timedelta(minutes=settings.login_lockout_minutes)
    )
    ip = request.client.host if request.client else ""
    try:
        person, account = await request.app.state.db.run(
            lambda s: accounts.authenticate(s, email, password, ip=ip, throttle=throttle)
        )
    except (BadRequest, TooManyAttempts) as exc:
        return render(
            request, "login.html", exc.status_code, error=exc.message, email=email, next=target
        )
    log_in(request, person, account)
    return RedirectResponse(target, status_code=303)


@public
async def logout(request: Request) -> Response:
    log_out(request)
    return RedirectResponse("/login", status_code=303)


@public
async def invitation_page(request: Request) -> Response:
    token = request.path_params["token"]
    _, person = await request.app.state.db.run(lambda s: accounts.find_invitation(s, token))
    return render(request, "invitation.html", invited=person, token=token)


@public
async def accept_invitation(request: Request) -> Response:
    token = request.path_params["token"]
    form = await request.form()
    password, again = str(form.get("password", "")), str(form.get("password_again", ""))
    db = request.app.state.db
    _, invited = await db.run(lambda s: accounts.find_invitation(s, token))
    if password != again:
        return render(
            request,
            "invitation.html",
            400,
            invited=invited,
            token=token,
            error="The two passwords differ. Type the same password twice.",
        )
    try:
        person, account = await db.run(lambda s: accounts.accept_invitation(s, token, password))
    except BadRequest as exc:
        return render(
            request, "invitation.html", 400, invited=invited, token=token, error=exc.message
        )
    log_in(request, person, account)
    return RedirectResponse("/", status_code=303)


ROUTES = [
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/invite/{token}", invitation_page, methods=["GET"]),
    Route("/invite/{token}", accept_invitation, methods=["POST"]),
]
