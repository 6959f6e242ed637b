"""The home page: one dashboard per role."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulator.breakouts import sessions_for
from simulator.cohorts import cohort_rows
from simulator.models import Person, Role
from web.auth import signed_in
from web.rendering import render


@signed_in
async def dashboard(request: Request) -> Response:
    user: Person = request.state.user
    db = request.app.state.db
    if user.role == Role.STAFF:
        cohorts = await db.run(cohort_rows)
        return render(request, "dashboard_staff.html", cohorts=cohorts)
    views = await db.run(lambda s: sessions_for(s, user))
    upcoming = [v for v in views if not v.has_ended()]
    past = [v for v in views if v.has_ended()][::-1]
    template = "dashboard_coach.html" if user.role == Role.COACH else "dashboard_trainee.html"
    return render(request, template, upcoming=upcoming, past=past)


ROUTES = [Route("/", dashboard, methods=["GET"])]
