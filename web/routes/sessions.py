"""A scheduled session's page: when, who, the case as this viewer may see it, the way in."""

from __future__ import annotations

from sqlmodel import Session, col, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from scenarios.views import CaseView, case_view
from simulator import case_store, connection_checks
from simulator.breakouts import SessionView, session_for
from simulator.models import Attendance, CaseVersion, ConnectionCheck, Person, Role
from web.auth import signed_in
from web.rendering import render
from web.routes.recordings import rows_for


def visible_case(session: Session, person: Person, view: SessionView) -> CaseView:
    """The session's case version, cut down to what this person may read."""
    version = session.get(CaseVersion, view.case_version_id)
    assert version is not None
    held = [role] if (role := view.role_of(person.id or -1)) else []
    return case_view(
        case_store.case_of(version),
        held_role_ids=held,
        privileged=person.role in (Role.COACH, Role.STAFF),
        revealed=view.has_ended(),
    )


def _load(
    session: Session, person: Person, session_id: int
) -> tuple[SessionView, CaseView, list[Attendance], dict[int, ConnectionCheck]]:
    view = session_for(session, person, session_id)
    stays: list[Attendance] = []
    privileged = person.role in (Role.COACH, Role.STAFF)
    # Coaches and staff see who may struggle; a trainee sees their own check only.
    checked = [seat.person_id for seat in view.seats] if privileged else [person.id or 0]
    checks = connection_checks.latest_by_person(session, checked)
    if privileged:
        stays = list(
            session.exec(
                select(Attendance)
                .where(Attendance.breakout_id == session_id)
                .order_by(col(Attendance.joined_at))
            )
        )
    return view, visible_case(session, person, view), stays, checks


def _coaches(session: Session) -> list[Person]:
    return list(
        session.exec(select(Person).where(Person.role == Role.COACH).order_by(col(Person.name)))
    )


@signed_in
async def session_page(request: Request) -> Response:
    user = request.state.user
    view, case, stays, checks = await request.app.state.db.run(
        _load, user, request.path_params["session_id"]
    )
    recorded = await request.app.state.db.run(rows_for, user, view.id)
    names = {seat.person_id: seat.name for seat in view.seats}
    if view.coach_id is not None:
        names[view.coach_id] = view.coach_name or "Coach"
    return render(
        request,
        "session.html",
        s=view,
        case=case,
        my_role=view.role_of(user.id),
        stays=stays,
        names=names,
        checks=checks,
        recordings=recorded,
        deleted=request.query_params.get("deleted") == "recording",
    )


ROUTES = [Route("/sessions/{session_id:int}", session_page, methods=["GET"], name="session")]
