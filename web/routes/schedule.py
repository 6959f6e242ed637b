"""Staff generate a cohort's rounds with the scenario engine, review the drafts and publish them."""

from __future__ import annotations

from datetime import UTC, datetime

import anyio.to_thread
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from simulator import cohort_schedule
from simulator.errors import BadRequest
from simulator.schedule_review import schedule_review
from simulator.scheduling import Schedule, Slot, build_schedule
from simulator.scheduling.csvtable import CsvError
from simulator.scheduling.slots import parse_slots
from simulator.timeutil import zone
from web.auth import staff_only
from web.rendering import render
from web.routes.cohorts import cohort_page_response

MAX_SLOTS = 1024 * 1024
MAX_ROUNDS = 52
MAX_SECONDS = 60.0


def _number(
    form: FormData, name: str, low: float, high: float, label: str, cast: type = int
) -> float:
    """A number field within bounds, or BadRequest saying what is allowed."""
    raw = str(form.get(name, "")).strip()
    try:
        value = cast(raw)
    except ValueError:
        raise BadRequest(f"{label} must be a number from {low:g} to {high:g}.") from None
    if not low <= value <= high:
        raise BadRequest(f"{label} must be a number from {low:g} to {high:g}.")
    return value


def _first_start(text: str, tz_name: str) -> datetime:
    """The form's local date and time, in the staff member's zone, as UTC."""
    try:
        naive = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadRequest(
            "Give the first start as a date and time, like 2026-03-02T18:00."
        ) from None
    aware = naive.replace(tzinfo=zone(tz_name)) if naive.tzinfo is None else naive
    return aware.astimezone(UTC)


def _slots(data: bytes, rounds: int) -> list[Slot]:
    """The uploaded slots of rounds 1..rounds; every one of those rounds needs a slot."""
    slots = [s for s in parse_slots(data) if s.round <= rounds]
    missing = sorted(set(range(1, rounds + 1)) - {s.round for s in slots})
    if missing:
        listed = ", ".join(str(r) for r in missing)
        raise CsvError([f"round(s) {listed} have no slot; add rows for them"])
    return slots


@staff_only
async def generate(request: Request) -> Response:
    cohort_id = request.path_params["cohort_id"]
    async with request.form(max_part_size=MAX_SLOTS) as form:
        upload = form.get("slots")
        slots_data = await upload.read() if isinstance(upload, UploadFile) else b""
        values = {k: str(form.get(k, "")) for k in ("rounds", "first_start", "duration_minutes")}
        values |= {k: str(form.get(k, "")) for k in ("seed", "time_limit")}
        values["cases"] = [str(c) for c in form.getlist("cases")]
        try:
            rounds = int(_number(form, "rounds", 1, MAX_ROUNDS, "Rounds"))
            seed = int(_number(form, "seed", 0, 2**31 - 1, "The seed"))
            limit = _number(form, "time_limit", 0.5, MAX_SECONDS, "The time limit", float)
            minutes = int(_number(form, "duration_minutes", 10, 480, "The session length"))
            first = _first_start(values["first_start"], request.state.user.timezone)
            slots = _slots(slots_data, rounds) if slots_data else None
        except BadRequest as exc:
            return await cohort_page_response(
                request, 400, schedule_errors=[exc.message], generate=values
            )
        except CsvError as exc:
            errors = [f"slots file: {e}" for e in exc.errors]
            return await cohort_page_response(request, 400, schedule_errors=errors, generate=values)
    db = request.app.state.db
    try:
        inputs = await db.run(cohort_schedule.engine_inputs, cohort_id, values["cases"] or None)

        def run() -> Schedule:
            return build_schedule(
                [m.engine for m in inputs.members],
                slots if slots is not None else rounds,
                inputs.cases,
                group_size=inputs.cohort.group_size,
                seed=seed,
                time_limit=limit,
                history=inputs.history,
                first_start=first,
            )

        try:
            result = await anyio.to_thread.run_sync(run)
        except ValueError as exc:
            raise BadRequest(f"The engine cannot schedule this: {exc}.") from None
        schedule = cohort_schedule.renumbered(result, inputs.last_round)
        await db.run(
            cohort_schedule.save_drafts, inputs, schedule, None if slots is not None else minutes
        )
    except BadRequest as exc:
        return await cohort_page_response(
            request, 400, schedule_errors=[exc.message], generate=values
        )
    return RedirectResponse(f"/cohorts/{cohort_id}/schedule", status_code=303)


@staff_only
async def review(request: Request) -> Response:
    cohort_id = request.path_params["cohort_id"]
    data = await request.app.state.db.run(schedule_review, cohort_id)
    published = request.query_params.get("published", "")
    return render(
        request,
        "schedule.html",
        review=data,
        published=int(published) if published.isdigit() else None,
    )


@staff_only
async def publish(request: Request) -> Response:
    cohort_id = request.path_params["cohort_id"]
    form = await request.form()
    db = request.app.state.db
    if form.get("confirm") != "yes":
        summary = await db.run(cohort_schedule.draft_summary, cohort_id)
        return render(request, "publish.html", summary=summary)
    count = await db.run(cohort_schedule.publish, cohort_id)
    return RedirectResponse(f"/cohorts/{cohort_id}/schedule?published={count}", status_code=303)


ROUTES = [
    Route("/cohorts/{cohort_id:int}/schedule", review, methods=["GET"]),
    Route("/cohorts/{cohort_id:int}/schedule", generate, methods=["POST"]),
    Route("/cohorts/{cohort_id:int}/publish", publish, methods=["POST"]),
]
