"""Staff create cohorts and see who is in each and what is scheduled."""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from coaching.certificate import CertificateRules
from simulator import case_store, cohorts, connection_checks
from simulator.errors import BadRequest
from simulator.models import BreakoutStatus
from simulator.rubric_store import DEFAULT_RUBRIC
from simulator.timeutil import utcnow
from web.auth import staff_only
from web.rendering import render
from web.routes.dashboard import staff_dashboard
from web.routes.progress import rules_for


@staff_only
async def create_cohort(request: Request) -> Response:
    form = await request.form()
    raw = {
        "name": str(form.get("name", "")),
        "group_size": str(form.get("group_size", "")),
        "rubric_id": str(form.get("rubric_id", "")) or DEFAULT_RUBRIC,
    }
    try:
        name, size = cohorts.validate_cohort_form(raw["name"], raw["group_size"])
        cohort = await request.app.state.db.run(cohorts.create_cohort, name, size, raw["rubric_id"])
    except BadRequest as exc:
        return await staff_dashboard(request, 400, error=exc.message, form=raw)
    return RedirectResponse(f"/cohorts/{cohort.id}", status_code=303)


async def cohort_page_response(
    request: Request, status: int = 200, error: str | None = None, **context: object
) -> Response:
    """The cohort page; forms that fail render it again with their problems in `context`."""
    cohort_id = request.path_params["cohort_id"]
    db = request.app.state.db
    detail = await db.run(cohorts.cohort_detail, cohort_id)
    rules = await db.run(rules_for, cohort_id)
    versions = await db.run(case_store.latest_versions)
    checks = await db.run(
        connection_checks.latest_by_person, [person.id for _, person in detail.members]
    )
    imported = request.query_params.get("imported", "")
    return render(
        request,
        "cohort.html",
        status,
        detail=detail,
        rules=rules,
        error=error,
        cases=versions,
        checks=checks,
        drafts=sum(1 for s in detail.sessions if s.status == BreakoutStatus.DRAFT),
        imported=int(imported) if imported.isdigit() else None,
        generate=context.pop("generate", None) or default_generate_form(),
        **context,
    )


def default_generate_form() -> dict[str, object]:
    """The generate form's starting values: one round next Monday at 18:00, five seconds."""
    today = utcnow().date()
    monday = today + timedelta(days=7 - today.weekday())
    return {
        "rounds": "1",
        "first_start": f"{monday.isoformat()}T18:00",
        "duration_minutes": "90",
        "seed": "1",
        "time_limit": "5",
        "cases": [],
    }


@staff_only
async def cohort_page(request: Request) -> Response:
    return await cohort_page_response(request)


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
        return await cohort_page_response(
            request, 400, f"Certificate requirements not saved: {message}"
        )
    await request.app.state.db.run(cohorts.save_certificate_rule, cohort_id, rules.__dict__)
    return RedirectResponse(f"/cohorts/{cohort_id}#rules", status_code=303)


ROUTES = [
    Route("/cohorts", create_cohort, methods=["POST"]),
    Route("/cohorts/{cohort_id:int}", cohort_page, methods=["GET"]),
    Route("/cohorts/{cohort_id:int}/rules", save_rules, methods=["POST"]),
]
