"""Calibration: several coaches score the same session; staff see how far they agree."""

from __future__ import annotations

from sqlmodel import Session, select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from coaching.agreement import (
    Rating,
    agreement_by_coach_pair,
    agreement_by_criterion,
    coach_positions,
    describe_offset,
)
from simulator import scoring
from simulator.breakouts import session_views
from simulator.models import Person, Role
from web.auth import requires, staff_only
from web.rendering import render
from web.rubric_library import rubrics_of


def _ratings(rows: list[scoring.CalibrationScore]) -> list[Rating]:
    return [
        Rating(r.coach, str(r.trainee_id), str(r.session_id), r.criterion_id, float(r.level))
        for r in rows
    ]


def _overview(session: Session):  # noqa: ANN202
    marked = scoring.calibration_sessions(session)
    views = {v.id: v for v in session_views(session, [b for b, _, _ in marked])}
    coaches = list(
        session.exec(select(Person).where(Person.role == Role.COACH).order_by(Person.name))
    )
    names = {c.id: c.name for c in coaches}
    sessions = [(views[b.id], [names.get(c, "?") for c in ids], done) for b, ids, done in marked]
    return sessions, scoring.calibration_scores(session), coaches


async def _criteria_names(request: Request) -> dict[str, str]:
    rubrics = await rubrics_of(request)
    return {c.id: c.name for rubric in rubrics.values() for c in rubric.criteria}


@staff_only
async def calibration_page(request: Request) -> Response:
    sessions, rows, coaches = await request.app.state.db.run(_overview)
    ratings = _ratings(rows)
    return render(
        request,
        "calibration.html",
        sessions=sessions,
        coaches=coaches,
        by_criterion=agreement_by_criterion(ratings),
        by_pair=agreement_by_coach_pair(ratings),
        names=await _criteria_names(request),
        positions=coach_positions(ratings),
    )


@requires(Role.COACH)
async def my_calibration(request: Request) -> Response:
    """Where this coach sits relative to colleagues on double-scored sessions."""
    _, rows, _ = await request.app.state.db.run(_overview)
    position = coach_positions(_ratings(rows)).get(request.state.user.name)
    names = await _criteria_names(request)
    lines = []
    if position is not None:
        lines.append(describe_offset(position.overall))
        lines += [
            describe_offset(offset, names.get(c, c))
            for c, offset in sorted(position.by_criterion.items())
        ]
    return render(request, "calibration_me.html", lines=lines, position=position)


@staff_only
async def mark(request: Request) -> Response:
    form = await request.form()
    coach_ids = [int(v) for v in form.getlist("coach") if str(v).isdigit()]
    breakout_id = request.path_params["session_id"]
    await request.app.state.db.run(scoring.mark_for_calibration, breakout_id, coach_ids)
    return RedirectResponse(f"/sessions/{breakout_id}?calibration=1", status_code=303)


ROUTES = [
    Route("/calibration", calibration_page, methods=["GET"]),
    Route("/calibration/me", my_calibration, methods=["GET"]),
    Route("/sessions/{session_id:int}/calibration", mark, methods=["POST"]),
]
