"""The staff control room: every live room at a glance, and actions across all of them."""

from __future__ import annotations

from sqlmodel import Session, col, select
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from simulator import recovery
from simulator.breakouts import SessionView, session_views
from simulator.errors import BadRequest, Conflict, NotFound
from simulator.models import Breakout
from simulator.noshow import Group, Proposal
from simulator.rooms import state as rules
from simulator.rooms.service import now_ms
from simulator.timeutil import utcnow
from web.auth import staff_only
from web.rendering import render


def _sessions(session: Session, ids: list[int]) -> dict[int, SessionView]:
    breakouts = list(session.exec(select(Breakout).where(col(Breakout.id).in_(ids))))
    return {view.id: view for view in session_views(session, breakouts)}


async def _rows(request: Request) -> list[dict[str, object]]:
    rows = await request.app.state.rooms.live_rows()
    views = await request.app.state.db.run(_sessions, [r.session_id for r in rows])
    now = now_ms()
    out = []
    for row in rows:
        view = views.get(row.session_id)
        if view is None:
            continue
        out.append(
            {
                **row.to_json(),
                "title": view.case_title,
                "cohort": view.cohort_name,
                "round": view.round,
                "coach": view.coach_name,
                "seconds_left": (row.deadline - now) // 1000,
                "room_url": f"/sessions/{row.session_id}/room",
            }
        )
    return sorted(out, key=lambda r: (-int(r["open_help"]), str(r["title"])))


async def _recoveries(request: Request) -> list[tuple[Group, Proposal]]:
    """Live sessions with someone missing, each with its recovery plan."""
    db = request.app.state.db
    now = utcnow()
    live = await db.run(recovery.live_breakouts, now)
    present = await request.app.state.rooms.present([b.id for b in live])
    return await db.run(recovery.proposals, now, present)


async def _page(request: Request, status: int = 200, **context: object) -> Response:
    rows = await _rows(request)
    return render(
        request, "control.html", status, rows=rows, recoveries=await _recoveries(request), **context
    )


@staff_only
async def control_page(request: Request) -> Response:
    return await _page(request, done=request.query_params.get("done", ""))


@staff_only
async def recover(request: Request) -> Response:
    """Apply a no-show plan in one click; the rooms concerned hear of it at once."""
    form = await request.form()
    raw = str(form.get("session", ""))
    if not raw.isdigit():
        return await _page(request, 400, error="Choose a session to recover.")
    db = request.app.state.db
    session_id = int(raw)
    now = utcnow()
    live = await db.run(recovery.live_breakouts, now)
    present = await request.app.state.rooms.present([b.id for b in live])
    try:
        applied = await db.run(recovery.apply, session_id, str(form.get("key", "")), now, present)
    except (Conflict, NotFound, BadRequest) as exc:
        return await _page(request, exc.status_code, error=exc.message)
    rooms = request.app.state.rooms
    sender = request.state.user.name
    await rooms.reseat(
        session_id, f"Seats changed: {applied.summary} Reload to read your brief.", sender
    )
    if applied.cancelled:
        await rooms.reseat(
            applied.cancelled,
            f"This group joins another session: go to /sessions/{session_id}/room.",
            sender,
        )
    told = len(applied.told)
    return RedirectResponse(f"/control?done=Recovery+applied;+{told}+people+told", status_code=303)


@staff_only
async def control_rooms(request: Request) -> Response:
    return JSONResponse(await _rows(request))


@staff_only
async def broadcast(request: Request) -> Response:
    form = await request.form()
    text = str(form.get("text", "")).strip()
    if not text or len(text) > 500:
        return await _page(request, 400, error="Write a message of up to 500 characters.")
    count = await request.app.state.rooms.broadcast(text, request.state.user.name)
    return RedirectResponse(f"/control?done=Message+sent+to+{count}+rooms", status_code=303)


@staff_only
async def extend_all(request: Request) -> Response:
    form = await request.form()
    minutes = int(str(form.get("minutes", "5"))) if str(form.get("minutes", "5")).isdigit() else 0
    if not 1 <= minutes <= 60:
        return await _page(request, 400, error="Extend by 1 to 60 minutes.")
    count = await request.app.state.rooms.for_each_live_room(
        lambda st: rules.staff_extend(st, minutes)
    )
    return RedirectResponse(
        f"/control?done={minutes}+minutes+added+in+{count}+rooms", status_code=303
    )


@staff_only
async def close_all(request: Request) -> Response:
    form = await request.form()
    if form.get("confirm") != "yes":
        return await _page(
            request,
            400,
            error="Tick the box to confirm: closing ends the role play in every live room.",
        )
    now = now_ms()
    count = await request.app.state.rooms.for_each_live_room(lambda st: rules.staff_close(st, now))
    return RedirectResponse(f"/control?done={count}+rooms+closed", status_code=303)


ROUTES = [
    Route("/control", control_page, methods=["GET"]),
    Route("/api/control/rooms", control_rooms, methods=["GET"]),
    Route("/control/broadcast", broadcast, methods=["POST"]),
    Route("/control/extend", extend_all, methods=["POST"]),
    Route("/control/close", close_all, methods=["POST"]),
    Route("/control/recover", recover, methods=["POST"]),
]
