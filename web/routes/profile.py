"""A person's own profile: name, time zone and languages."""

from __future__ import annotations

import re

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from simulator.errors import BadRequest
from simulator.models import Person
from simulator.timeutil import is_valid_timezone, timezone_names
from web.auth import signed_in
from web.rendering import render
from web.routes.calendar import feed_url

LANGUAGE_RE = re.compile(r"^[a-z]{2,3}$")


def parse_languages(raw: str) -> str:
    """'en, sw' or 'en;sw' -> 'en;sw'; ISO 639 codes only."""
    codes = [c.strip().lower() for c in re.split(r"[;,\s]+", raw) if c.strip()]
    bad = [c for c in codes if not LANGUAGE_RE.match(c)]
    if bad:
        raise BadRequest(
            f"{', '.join(bad)}: use two- or three-letter language codes, such as en, sw, zh."
        )
    if not codes:
        raise BadRequest("Give at least one language, such as en.")
    return ";".join(dict.fromkeys(codes))


def _save(session: Session, person_id: int, name: str, timezone: str, languages: str) -> Person:
    person = session.get(Person, person_id)
    assert person is not None
    person.name, person.timezone, person.languages = name, timezone, languages
    session.add(person)
    return person


@signed_in
async def profile_page(request: Request) -> Response:
    return render(
        request,
        "profile.html",
        zones=sorted(timezone_names()),
        saved=request.query_params.get("saved"),
        calendar_state=request.query_params.get("calendar", ""),
        calendar_url=feed_url(request, request.state.user),
    )


@signed_in
async def save_profile(request: Request) -> Response:
    user: Person = request.state.user
    form = await request.form()
    name = str(form.get("name", "")).strip()
    timezone = str(form.get("timezone", "")).strip()
    languages_raw = str(form.get("languages", ""))
    errors: list[str] = []
    if not name or len(name) > 200:
        errors.append("Give your name (up to 200 characters).")
    if not is_valid_timezone(timezone):
        errors.append(
            f"{timezone!r} is not a time zone we know. Pick one from the list, such as Africa/Nairobi."
        )
    languages = ""
    try:
        languages = parse_languages(languages_raw)
    except BadRequest as exc:
        errors.append(exc.message)
    if errors:
        return render(
            request,
            "profile.html",
            400,
            zones=sorted(timezone_names()),
            errors=errors,
            form={"name": name, "timezone": timezone, "languages": languages_raw},
            calendar_url=feed_url(request, user),
        )
    person = await request.app.state.db.run(_save, user.id, name, timezone, languages)
    request.state.user = person
    return RedirectResponse("/profile?saved=1", status_code=303)


ROUTES = [
    Route("/profile", profile_page, methods=["GET"]),
    Route("/profile", save_profile, methods=["POST"]),
]
