"""Staff manage people: list them and invite them with a single-use link."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulator import accounts
from simulator.errors import DomainError, NotFound
from simulator.models import Account, Person, Role
from simulator.timeutil import timezone_names
from web.auth import staff_only
from web.rendering import render


def _people(session: Session) -> list[tuple[Person, bool]]:
    """Everyone, with whether they have set a password yet."""
    has_account = set(session.exec(select(Account.person_id)))
    return [
        (p, p.id in has_account) for p in session.exec(select(Person).order_by(col(Person.name)))
    ]


def _invite(
    session: Session, inviter_id: int, form: dict[str, str], ttl: timedelta
) -> tuple[Person, str]:
    inviter = session.get(Person, inviter_id)
    existing = session.exec(
        select(Person).where(Person.email == accounts.normalise_email(form["email"]))
    ).first()
    person = existing or accounts.create_person(
        session,
        email=form["email"],
        name=form["name"],
        role=form["role"],
        timezone=form["timezone"],
    )
    return person, accounts.create_invitation(session, person, created_by=inviter, ttl=ttl)


def _reinvite(
    session: Session, inviter_id: int, person_id: int, ttl: timedelta
) -> tuple[Person, str]:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("There is no such person.")
    inviter = session.get(Person, inviter_id)
    return person, accounts.create_invitation(session, person, created_by=inviter, ttl=ttl)


async def _page(request: Request, status: int = 200, **context: object) -> Response:
    people = await request.app.state.db.run(_people)
    return render(
        request,
        "people.html",
        status,
        people=people,
        roles=list(Role),
        zones=sorted(timezone_names()),
        **context,
    )


@staff_only
async def people_page(request: Request) -> Response:
    return await _page(request)


@staff_only
async def invite(request: Request) -> Response:
    form = {k: str(v).strip() for k, v in (await request.form()).items() if isinstance(v, str)}
    form.setdefault("timezone", "UTC")
    for key in ("email", "name", "role"):
        form.setdefault(key, "")
    settings = request.app.state.settings
    ttl = timedelta(hours=settings.invite_ttl_hours)
    try:
        if "person_id" in form:
            person, token = await request.app.state.db.run(
                _reinvite, request.state.user.id, int(form["person_id"]), ttl
            )
        else:
            person, token = await request.app.state.db.run(
                _invite, request.state.user.id, form, ttl
            )
    except (DomainError, ValueError) as exc:
        message = exc.message if isinstance(exc, DomainError) else "Pick a person from the list."
        return await _page(request, 400, error=message, form=form)
    link = f"{settings.base_url.rstrip('/')}/invite/{token}"
    return await _page(request, invited=person, link=link, hours=settings.invite_ttl_hours)


ROUTES = [
    Route("/people", people_page, methods=["GET"]),
    Route("/people/invite", invite, methods=["POST"]),
]
