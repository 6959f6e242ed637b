"""Coaches score a session: levels and comments per trainee and criterion, autosaved; publish."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from simulator import scoring
from simulator.breakouts import SessionView, session_for
from simulator.errors import BadRequest, NotFound
from simulator.models import Breakout, Person, Role
from simulator.rooms.state import PHASES
from simulator.timeutil import as_utc, utcnow
from web.auth import requires
from web.coaching_context import rubric_id_for, shape_of
from web.json_body import json_object
from web.rendering import render
from web.rubric_library import rubric_for

coaches_and_staff = requires(Role.COACH, Role.STAFF)


def _context(
    session: Session, person: Person, breakout_id: int
) -> tuple[SessionView, Breakout, str, scoring.Sheet, list[int]]:
    view = session_for(session, person, breakout_id)
    breakout = session.get(Breakout, breakout_id)
    assert breakout is not None
    coaches = scoring.scorers(session, breakout)
    if person.role == Role.COACH and person.id not in coaches:
        raise NotFound("There is no such session.")
    sheet = scoring.sheet(session, breakout, person.id or 0)
    return view, breakout, rubric_id_for(session, breakout), sheet, coaches


@coaches_and_staff
async def score_page(request: Request) -> Response:
    user = request.state.user
    breakout_id = request.path_params["session_id"]
    view, breakout, rubric_id, sheet, coaches = await request.app.state.db.run(
        _context, user, breakout_id
    )
    rubric = await rubric_for(request, rubric_id)
    trainees = [seat for seat in view.seats]
    return render(
        request,
        "score.html",
        s=view,
        rubric=rubric,
        sheet=sheet,
        trainees=trainees,
        editable=user.role == Role.COACH,
        calibration=breakout.calibration,
        saved=request.query_params.get("saved"),
        coaches=coaches,
    )


def _level(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BadRequest("A level is a whole number from the rubric's scale.") from None


async def _shape(request: Request, breakout_id: int) -> scoring.RubricShape:
    def rubric_of(session: Session) -> str:
        breakout = session.get(Breakout, breakout_id)
        if breakout is None:
            raise NotFound("There is no such session.")
        return rubric_id_for(session, breakout)

    return shape_of(await rubric_for(request, await request.app.state.db.run(rubric_of)))


def _int(body: dict[str, Any], key: str) -> int:
    value = body.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadRequest(f"{key} must be a person id.")
    return value


@requires(Role.COACH)
async def autosave_score(request: Request) -> Response:
    """One field of the scoring form, saved as the coach types (drafts survive anything)."""
    breakout_id = request.path_params["session_id"]
    body = await json_object(request)
    shape = await _shape(request, breakout_id)
    user = request.state.user
    trainee = _int(body, "trainee")
    if body.get("criterion") in (None, ""):
        row = await request.app.state.db.run(
            scoring.save_feedback, breakout_id, user, trainee, str(body.get("text", "")), shape
        )
        return JSONResponse({"saved": True, "status": row.status})
    level = _level(body.get("level"))
    score = await request.app.state.db.run(
        scoring.save_score,
        breakout_id,
        user,
        trainee,
        str(body["criterion"]),
        level,
        str(body.get("comment", "")),
        shape,
    )
    return JSONResponse({"saved": True, "status": score.status})


@requires(Role.COACH)
async def save_form(request: Request) -> Response:
    """The whole form at once: the same result without JavaScript."""
    breakout_id = request.path_params["session_id"]
    shape = await _shape(request, breakout_id)
    form = await request.form()
    user = request.state.user

    def save_all(session: Session) -> None:
        for trainee in scoring.trainees_of(session, breakout_id):
            for criterion in shape.criteria:
                key = f"{trainee}:{criterion}"
                if f"level:{key}" in form or f"comment:{key}" in form:
                    scoring.save_score(
                        session,
                        breakout_id,
                        user,
                        trainee,
                        criterion,
                        _level(form.get(f"level:{key}")),
                        str(form.get(f"comment:{key}", "")),
                        shape,
                    )
            if f"feedback:{trainee}" in form:
                scoring.save_feedback(
                    session, breakout_id, user, trainee, str(form[f"feedback:{trainee}"]), shape
                )

    await request.app.state.db.run(save_all)
    action = str(form.get("action", ""))
    if action.startswith("publish:") and action[8:].isdigit():
        await request.app.state.db.run(scoring.publish, breakout_id, user, [int(action[8:])])
        return RedirectResponse(f"/sessions/{breakout_id}/score?saved=published", status_code=303)
    if action == "publish":
        await request.app.state.db.run(
            lambda s: scoring.publish(s, breakout_id, user, scoring.trainees_of(s, breakout_id))
        )
        return RedirectResponse(f"/sessions/{breakout_id}/score?saved=published", status_code=303)
    if action == "submit":
        await request.app.state.db.run(scoring.submit_for_calibration, breakout_id, user)
        return RedirectResponse(f"/sessions/{breakout_id}/score?saved=submitted", status_code=303)
    return RedirectResponse(f"/sessions/{breakout_id}/score?saved=draft", status_code=303)


@requires(Role.COACH)
async def add_note(request: Request) -> Response:
    """A live note, stamped with the session clock and the room's current phase."""
    breakout_id = request.path_params["session_id"]
    body = await json_object(request)
    shape = await _shape(request, breakout_id)
    state = await request.app.state.rooms.hub.load(breakout_id)
    phase = state.phase if state is not None else str(body.get("phase") or "")
    if phase and phase not in PHASES:
        phase = ""

    def start_of(session: Session) -> int:
        breakout = session.get(Breakout, breakout_id)
        if breakout is None:
            raise NotFound("There is no such session.")
        return int((utcnow() - as_utc(breakout.start)).total_seconds())

    at_seconds = await request.app.state.db.run(start_of)
    trainee = body.get("trainee")
    note = await request.app.state.db.run(
        lambda s: scoring.add_note(
            s,
            breakout_id,
            request.state.user,
            str(body.get("text", "")),
            at_seconds=at_seconds,
            phase=phase,
            criterion_id=str(body["criterion"]) if body.get("criterion") else None,
            trainee_id=trainee
            if isinstance(trainee, int) and not isinstance(trainee, bool)
            else None,
            shape=shape,
        )
    )
    return JSONResponse(
        {
            "id": note.id,
            "at_seconds": note.at_seconds,
            "phase": note.phase,
            "text": note.text,
            "criterion": note.criterion_id,
            "trainee": note.trainee_id,
        },
        status_code=201,
    )


ROUTES = [
    Route("/sessions/{session_id:int}/score", score_page, methods=["GET"]),
    Route("/sessions/{session_id:int}/score", save_form, methods=["POST"]),
    Route("/api/sessions/{session_id:int}/scores", autosave_score, methods=["POST"]),
    Route("/api/sessions/{session_id:int}/notes", add_note, methods=["POST"]),
]
