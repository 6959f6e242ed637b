"""Staff create cohorts and see who is in each and what is scheduled."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from coaching.certificate import CertificateRules
from simulator import cohorts
from simulator.errors import BadRequest
from web.auth import staff_only
from web.rendering import render
from web.routes.progress import rules_for


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


async def _cohort_page(request: Request, status: int = 200, error: str | None = None) -> Response:
    cohort_id = request.path_params["cohort_id"]
    detail = await request.app.state.db.run(cohorts.cohort_detail, cohort_id)
    rules = await request.app.state.db.run(rules_for, cohort_id)
    return render(request, "cohort.html", status, detail=detail, rules=rules, error=error)


@staff_only
async def cohort_page(request: Request) -> Response:
    return await _cohort_page(request)


@staff_only
async def save_rules(request: Request) -> Response:
    form = await request.form()
    cohort_id = request.path_params["cohort_id"]

    def number(name: str, cast: type = int) -> float | None:
        raw = str(form.get(name, "")).strip()
        return cast(raw) if raw else None

    try:
        hours = number("min_hours", float)
        rules = CertificateRules(
            min_sessions=int(number("min_sessions") or 0),
            min_mediator_sessions=int(number("min_mediator_sessions") or 0),
            min_level=int(number("min_level") or 0),
            last_scored=int(number("last_scored") or 0),
            min_hours=hours,
        )
    except ValueError as exc:
        message = (
            str(exc) if "certificate" in str(exc) or "hours" in str(exc) else "Use whole numbers."
        )
        return await _cohort_page(request, 400, f"Certificate requirements not saved: {message}")
    await request.app.state.db.run(cohorts.save_certificate_rule, cohort_id, rules.__dict__)
    return RedirectResponse(f"/cohorts/{cohort_id}#rules", status_code=303)


ROUTES = [
    Route("/cohorts", create_cohort, methods=["POST"]),
    Route("/cohorts/{cohort_id:int}", cohort_page, methods=["GET"]),
    Route("/cohorts/{cohort_id:int}/rules", save_rules, methods=["POST"]),
]
