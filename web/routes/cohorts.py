"""Staff create cohorts and see who is in each and what is scheduled."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from simulator import cohorts
from simulator.errors import BadRequest
from web.auth import staff_only
from web.rendering import render


@staff_only
async def create_cohort(request: Request) -> Response:
    form = await request.form()
    raw = {"name": str(form.get("name", "")), "group_size": str(form.get("group_size", ""))}
    db = request.app.state.db
    try:
        name, size = cohorts.validate_cohort_form(raw["name"], raw["group_size"])
    except BadRequest as exc:
        rows = await db.run(cohorts.cohort_rows)
        return render(
            request, "dashboard_staff.html", 400, cohorts=rows, error=exc.message, form=raw
        )
    cohort = await db.run(cohorts.create_cohort, name, size)
    return RedirectResponse(f"/cohorts/{cohort.id}", status_code=303)


@staff_only
async def cohort_page(request: Request) -> Response:
    detail = await request.app.state.db.run(cohorts.cohort_detail, request.path_params["cohort_id"])
    return render(request, "cohort.html", detail=detail)


ROUTES = [
    Route("/cohorts", create_cohort, methods=["POST"]),
    Route("/cohorts/{cohort_id:int}", cohort_page, methods=["GET"]),
]
