"""Staff generate a cohort's rounds with the scenario engine, review the drafts and publish them."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from html import escape
from urllib.parse import urlencode

import anyio.to_thread
from sqlmodel import Session
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from simulator import cohort_schedule
from simulator.errors import BadRequest
from simulator.schedule_review import schedule_review
from simulator.scheduling import Schedule, Slot, build_schedule
from simulator.scheduling.csvtable import CsvError
from simulator.scheduling.engine import Progress
from simulator.scheduling.slots import parse_slots
from simulator.timeutil import zone
from web.auth import staff_only
from web.rendering import render
from web.routes.cohorts import cohort_page_response

log = logging.getLogger(__name__)
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


MARKER = b"<!--progress-->"
_RUNNING: set[asyncio.Task] = set()  # generations under way, kept from garbage collection


async def _generation_stream(
    request: Request,
    cohort_id: int,
    run: Callable[[Progress], Schedule],
    save: Callable[[Session, Schedule], int],
) -> Response:
    """Run the engine while the page shows its progress, then link to the review.

    One streamed response (no job table, no polling) works with any number of workers and
    without JavaScript: each step is a new <progress>, drawn over the one before (CSS).
    """
    page = render(request, "generating.html", cohort_id=cohort_id).body
    head, _, tail = bytes(page).partition(MARKER)
    loop = asyncio.get_running_loop()
    steps: asyncio.Queue[tuple[float, str]] = asyncio.Queue()
    shown = [-1.0, ""]

    def progress(fraction: float, message: str) -> None:
        if fraction - shown[0] >= 0.02 or message != shown[1]:
            shown[:] = [fraction, message]
            loop.call_soon_threadsafe(steps.put_nowait, (fraction, message))

    counters = request.app.state.metrics.counters

    async def work() -> tuple[int, Schedule]:
        started = time.monotonic()
        try:
            schedule = await anyio.to_thread.run_sync(run, progress)
            count = await request.app.state.db.run(save, schedule)
        except Exception:
            counters.inc("mediation_schedule_runs_total", result="error")
            raise
        finally:
            counters.inc("mediation_schedule_seconds_total", time.monotonic() - started)
        counters.inc("mediation_schedule_runs_total", result="ok")
        log.info("schedule made: %d sessions, %s", count, schedule.metrics)
        return count, schedule

    # The work is its own task: a person who closes the page still gets their drafts saved.
    task = asyncio.ensure_future(work())
    _RUNNING.add(task)
    task.add_done_callback(_finished)

    async def body() -> AsyncIterator[bytes]:
        yield head
        while not task.done():
            getter = asyncio.ensure_future(steps.get())
            await asyncio.wait({task, getter}, return_when=asyncio.FIRST_COMPLETED)
            if getter.done():
                yield _step(*getter.result())
            else:
                getter.cancel()
        try:
            count, schedule = task.result()
        except (ValueError, BadRequest) as exc:
            message = (
                exc.message
                if isinstance(exc, BadRequest)
                else f"The engine cannot schedule this: {exc}."
            )
            yield _ending(cohort_id, None, message)
        except Exception:  # logged by _finished; the page must still end properly
            yield _ending(cohort_id, None, "something went wrong on our side; please try again.")
        else:
            yield _ending(cohort_id, (count, schedule), None)
        yield tail

    headers = {"X-Accel-Buffering": "no", "Cache-Control": "no-store"}
    return StreamingResponse(body(), media_type="text/html; charset=utf-8", headers=headers)


def _finished(task: asyncio.Task) -> None:
    _RUNNING.discard(task)
    if not task.cancelled() and (error := task.exception()) is not None:
        if isinstance(error, ValueError | BadRequest):
            log.info("schedule generation ended without drafts: %s", error)
        else:
            log.error("schedule generation failed", exc_info=error)


def _step(fraction: float, message: str) -> bytes:
    percent = round(fraction * 100)
    return (
        f'<p class="step"><progress max="100" value="{percent}">{percent}%</progress> '
        f"{escape(message)} ({percent}%)</p>\n"
    ).encode()


def _ending(cohort_id: int, done: tuple[int, Schedule] | None, error: str | None) -> bytes:
    back = f"/cohorts/{cohort_id}"
    if done is None:
        return (
            f'<div class="notice error" role="alert"><p>Nothing was generated: {escape(error or "")}</p>'
            f'<p><a href="{back}#generate">Back to the cohort</a></p></div>'
        ).encode()
    count, schedule = done
    review = f"/cohorts/{cohort_id}/schedule"
    figures = schedule.metrics
    return (
        f'<div class="notice ok" role="status" data-testid="generated"><p>Made {count} draft '
        f"session{'s' if count != 1 else ''} in {figures.get('seconds', 0):.1f} s: "
        f"{figures.get('repeat_pairs', 0)} repeat pairs, {figures.get('unassigned', 0)} "
        f'unseated.</p><p><a href="{review}">Review the schedule</a></p></div>'
        f'<meta http-equiv="refresh" content="2;url={review}">'
    ).encode()


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
    except BadRequest as exc:
        return await cohort_page_response(
            request, 400, schedule_errors=[exc.message], generate=values
        )

    def run(progress: Progress) -> Schedule:
        result = build_schedule(
            [m.engine for m in inputs.members],
            slots if slots is not None else rounds,
            inputs.cases,
            group_size=inputs.cohort.group_size,
            seed=seed,
            time_limit=limit,
            history=inputs.history,
            first_start=first,
            progress=progress,
        )
        return cohort_schedule.renumbered(result, inputs.last_round)

    def save(session: Session, schedule: Schedule) -> int:
        length = None if slots is not None else minutes
        return cohort_schedule.save_drafts(session, inputs, schedule, length)

    return await _generation_stream(request, cohort_id, run, save)


@staff_only
async def rerun(request: Request) -> Response:
    """Generate the draft rounds again around the seats staff locked, at the drafts' times."""
    cohort_id = request.path_params["cohort_id"]
    form = await request.form()
    db = request.app.state.db
    try:
        seed = int(_number(form, "seed", 0, 2**31 - 1, "The seed"))
        limit = _number(form, "time_limit", 0.5, MAX_SECONDS, "The time limit", float)
        plan = await db.run(cohort_schedule.rerun_inputs, cohort_id)
    except BadRequest as exc:
        return await _review_response(request, 400, errors=[exc.message])
    respect = form.get("respect_availability") == "yes"

    def run(progress: Progress) -> Schedule:
        return build_schedule(
            [m.engine for m in plan.inputs.members],
            plan.slots,
            plan.inputs.cases,
            group_size=plan.inputs.cohort.group_size,
            seed=seed,
            time_limit=limit,
            history=plan.inputs.history,
            locks=plan.locks,
            progress=progress,
            anytime=not respect,
        )

    def save(session: Session, schedule: Schedule) -> int:
        count = cohort_schedule.save_drafts(session, plan.inputs, schedule)
        cohort_schedule.relock(session, cohort_id, plan.locks)
        return count

    return await _generation_stream(request, cohort_id, run, save)


@staff_only
async def lock(request: Request) -> Response:
    cohort_id = request.path_params["cohort_id"]
    form = await request.form()
    raw = str(form.get("seat", ""))
    if not raw.isdigit():
        return await _review_response(request, 400, errors=["Choose a seat to lock or unlock."])
    locked = form.get("lock") == "yes"
    try:
        name = await request.app.state.db.run(cohort_schedule.set_lock, cohort_id, int(raw), locked)
    except BadRequest as exc:
        return await _review_response(request, 400, errors=[exc.message])
    word = "locked" if locked else "unlocked"
    return RedirectResponse(
        f"/cohorts/{cohort_id}/schedule?{urlencode({'done': f'{name}: seat {word}.'})}#seat-{raw}",
        status_code=303,
    )


@staff_only
async def swap(request: Request) -> Response:
    cohort_id = request.path_params["cohort_id"]
    form = await request.form()
    fields = [str(form.get(k, "")) for k in ("round", "first", "second")]
    if not all(f.isdigit() for f in fields):
        return await _review_response(
            request, 400, errors=["Choose the round and two trainees to swap."]
        )
    round_no, first, second = (int(f) for f in fields)
    try:
        result = await request.app.state.db.run(
            cohort_schedule.swap, cohort_id, round_no, first, second
        )
    except BadRequest as exc:
        return await _review_response(request, 400, errors=[exc.message])
    said = f"Swapped {result.names[0]} and {result.names[1]} in round {round_no}; both seats are locked."
    query = urlencode({"done": " ".join([said, *result.warnings])})
    return RedirectResponse(
        f"/cohorts/{cohort_id}/schedule?{query}#round-{round_no}", status_code=303
    )


async def _review_response(
    request: Request, status: int = 200, errors: list[str] | None = None
) -> Response:
    cohort_id = request.path_params["cohort_id"]
    data = await request.app.state.db.run(schedule_review, cohort_id)
    published = request.query_params.get("published", "")
    return render(
        request,
        "schedule.html",
        status,
        review=data,
        errors=errors or [],
        done=request.query_params.get("done", "")[:500],
        published=int(published) if published.isdigit() else None,
    )


@staff_only
async def review(request: Request) -> Response:
    return await _review_response(request)


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
    Route("/cohorts/{cohort_id:int}/rerun", rerun, methods=["POST"]),
    Route("/cohorts/{cohort_id:int}/locks", lock, methods=["POST"]),
    Route("/cohorts/{cohort_id:int}/swap", swap, methods=["POST"]),
]
