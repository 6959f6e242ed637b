"""Trainees assess themselves, then read their coaches' feedback beside their own view."""

from __future__ import annotations

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from coaching.comparison import compare
from simulator import scoring
from simulator.breakouts import SessionView, session_for
from simulator.errors import BadRequest
from simulator.models import Breakout, Person, Role
from web.auth import requires
from web.coaching_context import rubric_id_for, shape_of
from web.rendering import render
from web.rubric_library import rubric_for

trainees_only = requires(Role.TRAINEE)


def _load(
    session: Session, person: Person, breakout_id: int
) -> tuple[SessionView, str, dict, list, list, dict[int, str]]:
    view = session_for(session, person, breakout_id)
    breakout = session.get(Breakout, breakout_id)
    assert breakout is not None
    mine = scoring.self_assessment(session, breakout_id, person.id or 0)
    scores, feedback = scoring.published_for(session, breakout_id, person.id or 0)
    coach_names = {
        p.id: p.name
        for p in (
            session.get(Person, c)
            for c in {f.coach_id for f in feedback} | {s.coach_id for s in scores}
        )
        if p
    }
    return view, rubric_id_for(session, breakout), mine, scores, feedback, coach_names


@trainees_only
async def self_page(request: Request) -> Response:
    user = request.state.user
    breakout_id = request.path_params["session_id"]
    view, rubric_id, mine, *_ = await request.app.state.db.run(_load, user, breakout_id)
    rubric = await rubric_for(request, rubric_id)
    if not view.is_live() and not view.has_ended():
        raise BadRequest("You can assess yourself once the session has started.")
    submitted = any(row.submitted_at for row in mine.values())
    return render(request, "self.html", s=view, rubric=rubric, mine=mine, submitted=submitted)


@trainees_only
async def save_self(request: Request) -> Response:
    user = request.state.user
    breakout_id = request.path_params["session_id"]
    view, rubric_id, *_ = await request.app.state.db.run(_load, user, breakout_id)
    rubric = await rubric_for(request, rubric_id)
    form = await request.form()
    levels: dict[str, int | None] = {}
    comments: dict[str, str] = {}
    for criterion in [*(c.id for c in rubric.criteria), ""]:
        raw = str(form.get(f"level:{criterion}", ""))
        levels[criterion] = int(raw) if raw.isdigit() else None
        comments[criterion] = str(form.get(f"comment:{criterion}", ""))
    submit = form.get("action") == "submit"
    try:
        await request.app.state.db.run(
            lambda s: scoring.save_self_assessment(
                s, breakout_id, user, levels, comments, shape_of(rubric), submit=submit
            )
        )
    except BadRequest as exc:
        mine = {
            c: type("Draft", (), {"level": levels[c], "comment": comments[c]})() for c in levels
        }
        return render(
            request,
            "self.html",
            400,
            s=view,
            rubric=rubric,
            mine=mine,
            submitted=False,
            error=exc.message,
        )
    if submit:
        return RedirectResponse(f"/sessions/{breakout_id}/feedback", status_code=303)
    return RedirectResponse(f"/sessions/{breakout_id}/self?saved=1", status_code=303)


@trainees_only
async def feedback_page(request: Request) -> Response:
    """The coach's published feedback, shown only after the trainee's own assessment."""
    user = request.state.user
    breakout_id = request.path_params["session_id"]
    view, rubric_id, mine, scores, feedback, coach_names = await request.app.state.db.run(
        _load, user, breakout_id
    )
    rubric = await rubric_for(request, rubric_id)
    if not any(row.submitted_at for row in mine.values()):
        return render(request, "feedback.html", s=view, locked=True)
    names = {c.id: c.name for c in rubric.criteria}
    by_coach: dict[str, dict[str, float | None]] = {}
    comments: dict[str, list[tuple[str, str]]] = {}
    for score in scores:
        coach = coach_names.get(score.coach_id, "Coach")
        by_coach.setdefault(coach, {})[score.criterion_id] = score.level
        if score.comment:
            comments.setdefault(score.criterion_id, []).append((coach, score.comment))
    comparison = compare(
        names,
        {c: (row.level if row else None) for c, row in ((c, mine.get(c)) for c in names)},
        by_coach,
        flag_gap=2,
    )
    overall = [(coach_names.get(f.coach_id, "Coach"), f.text) for f in feedback if f.text]
    own = {c: row.comment for c, row in mine.items() if row.comment}
    return render(
        request,
        "feedback.html",
        s=view,
        locked=False,
        rubric=rubric,
        comparison=comparison,
        comments=comments,
        overall=overall,
        own=own,
        published=bool(feedback),
    )


ROUTES = [
    Route("/sessions/{session_id:int}/self", self_page, methods=["GET"]),
    Route("/sessions/{session_id:int}/self", save_self, methods=["POST"]),
    Route("/sessions/{session_id:int}/feedback", feedback_page, methods=["GET"]),
]
