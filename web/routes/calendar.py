"""Each person's sessions as a calendar: a private feed URL to subscribe to, and a download."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from simulator.breakouts import SessionView, sessions_for
from simulator.calendar_feed import Entry, calendar_ics, feed_token, token_matches, token_person
from simulator.errors import NotFound
from simulator.models import Person, Role
from simulator.timeutil import as_utc, utcnow
from web.auth import public, signed_in

ICS = "text/calendar; charset=utf-8"
PAST_DAYS = 60  # older sessions drop out of the feed


def _entry(person: Person, view: SessionView, root: str) -> Entry:
    """What the person's calendar says of a session: never a confidential word, only links."""
    others = [s.name for s in view.seats if s.person_id != person.id]
    if person.role == Role.TRAINEE:
        role = view.role_name(view.role_of(person.id or -1))
        title = f"Mediation role play: {view.case_title} ({role})"
    else:
        title = f"Coaching: {view.case_title} (round {view.round})"
    lines = [
        f"{view.cohort_name}, round {view.round}.",
        f"Coach: {view.coach_name or 'to be confirmed'}.",
        f"With: {', '.join(others) or 'nobody yet'}.",
        f"Read your brief and join: {root}/sessions/{view.id}",
        f"Check your connection beforehand: {root}/check",
    ]
    return Entry(view.id, view.start, view.duration_minutes, title, "\n".join(lines))


def _entries(session: Session, person_id: int, root: str) -> tuple[Person, list[Entry]]:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("There is no such calendar.")
    since = utcnow() - timedelta(days=PAST_DAYS)
    views = [v for v in sessions_for(session, person) if as_utc(v.start) >= since]
    if person.role == Role.STAFF:
        views = [v for v in views if v.status == "published"]
    return person, [_entry(person, v, root) for v in views]


def _feed_person(session: Session, key: str, token: str) -> int:
    """The person whose current feed token this is; the same 404 for any wrong token."""
    person_id = token_person(token)
    person = session.get(Person, person_id) if person_id is not None else None
    if person is None or not token_matches(key, token, person.id or 0, person.calendar_epoch):
        raise NotFound("There is no such calendar. Copy the current link from your profile page.")
    return person.id or 0


async def _ics(request: Request, person_id: int) -> bytes:
    root = request.app.state.settings.base_url.rstrip("/")
    person, entries = await request.app.state.db.run(_entries, person_id, root)
    return calendar_ics(person.name, entries, root, utcnow())


@public
async def feed(request: Request) -> Response:
    db = request.app.state.db
    person_id = await db.run(
        _feed_person, request.app.state.signing_key, request.path_params["token"]
    )
    headers = {"Cache-Control": "private, max-age=300", "Referrer-Policy": "no-referrer"}
    return Response(await _ics(request, person_id), media_type=ICS, headers=headers)


@signed_in
async def download(request: Request) -> Response:
    headers = {"Content-Disposition": 'attachment; filename="mediation-sessions.ics"'}
    return Response(await _ics(request, request.state.user.id), media_type=ICS, headers=headers)


def feed_url(request: Request, person: Person) -> str:
    token = feed_token(request.app.state.signing_key, person.id or 0, person.calendar_epoch)
    return f"{request.app.state.settings.base_url.rstrip('/')}/calendar/{token}.ics"


def _new_epoch(session: Session, person_id: int) -> None:
    person = session.get(Person, person_id)
    assert person is not None
    person.calendar_epoch += 1
    session.add(person)


@signed_in
async def reset(request: Request) -> Response:
    """A new feed link; the old one stops working (for a link that was shared by mistake)."""
    form = await request.form()
    if form.get("confirm") != "yes":
        return RedirectResponse("/profile?calendar=confirm#calendar", status_code=303)
    await request.app.state.db.run(_new_epoch, request.state.user.id)
    return RedirectResponse("/profile?calendar=reset#calendar", status_code=303)


ROUTES = [
    Route("/calendar/{token:str}.ics", feed, methods=["GET"]),
    Route("/calendar.ics", download, methods=["GET"]),
    Route("/profile/calendar", reset, methods=["POST"]),
]
