"""The home page: one dashboard per role."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulator import recovery, rubric_store
from simulator.breakouts import sessions_for
from simulator.cohorts import cohort_rows
from simulator.models import Person, Role
from web.auth import signed_in
from web.rendering import render


async def staff_dashboard(request: Request, status: int = 200, **context: object) -> Response:
    """The staff home page: cohorts, and the form for a new one (re-shown with its problems)."""
    db = request.app.state.db
    cohorts = await db.run(cohort_rows)
    rubrics = await db.run(rubric_store.latest_versions)
    return render(
        request, "dashboard_staff.html", status, cohorts=cohorts, rubrics=rubrics, **context
    )


@signed_in
async def dashboard(request: Request) -> Response:
    user: Person = request.state.user
    db = request.app.state.db
    if user.role == Role.STAFF:
        return await staff_dashboard(request)
    views = await db.run(lambda s: sessions_for(s, user))
    upcoming = [v for v in views if not v.has_ended()]
    past = [v for v in views if v.has_ended()][::-1]
    template = "dashboard_coach.html" if user.role == Role.COACH else "dashboard_trainee.html"
    notes = await db.run(recovery.unread, user.id)
    return render(request, template, upcoming=upcoming, past=past, notifications=notes)


ROUTES = [Route("/", dashboard, methods=["GET"])]
