"""The live room: its page and its signaling websocket."""

from __future__ import annotations

import contextlib
import json
import logging
from urllib.parse import urlsplit

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from simulator import logs, recordings
from simulator.breakouts import SessionView, session_for
from simulator.errors import DomainError
from simulator.models import Breakout, Person, Role
from simulator.rooms import persistence
from simulator.rooms.protocol import frame
from simulator.rooms.service import RoomService
from web.auth import current_user, signed_in
from web.coaching_context import rubric_id_for
from web.rendering import render
from web.routes.sessions import visible_case
from web.rubric_library import rubrics_of

log = logging.getLogger("web.room")


def _room_page_data(session: Session, person: Person, session_id: int):  # noqa: ANN202
    persistence.check_entry(session, session_id, person)
    view: SessionView = session_for(session, person, session_id)
    breakout = session.get(Breakout, session_id)
    assert breakout is not None
    return view, visible_case(session, person, view), rubric_id_for(session, breakout)


@signed_in
async def room_page(request: Request) -> Response:
    user = request.state.user
    session_id = request.path_params["session_id"]
    view, case, rubric_id = await request.app.state.db.run(_room_page_data, user, session_id)
    config = {"sessionId": session_id, "me": user.id, "wsPath": f"/sessions/{session_id}/ws"}
    rubric = (await rubrics_of(request)).get(rubric_id) if user.role == Role.COACH else None
    retention_days = await request.app.state.db.run(recordings.retention_days, view.cohort_id)
    return render(
        request,
        "room.html",
        s=view,
        case=case,
        my_role=view.role_of(user.id),
        config=json.dumps(config),
        rubric=rubric,
        retention_days=retention_days,
    )


def _same_origin(websocket: WebSocket) -> bool:
    """Refuse sockets opened by other sites' pages (cross-site websocket hijacking)."""
    origin = websocket.headers.get("origin")
    if origin is None:  # not a browser: cookies were still checked
        return True
    return urlsplit(origin).netloc == websocket.headers.get("host")


async def room_socket(websocket: WebSocket) -> None:
    """Authenticated by the session cookie; only the session's people, its coach and staff enter."""
    with logs.bind(session_id=websocket.path_params["session_id"]):
        await _room_socket(websocket)


async def _room_socket(websocket: WebSocket) -> None:
    await websocket.accept()
    service = websocket.app.state.rooms
    person = await current_user(websocket)
    refusal = None
    if person is None:
        refusal = ("unauthenticated", "Log in first.", 4401)
    elif not _same_origin(websocket):
        refusal = ("forbidden", "This room only accepts connections from its own site.", 4403)
    if refusal is not None:
        await _refuse(websocket, *refusal)
        return
    assert person is not None
    with logs.bind(person_id=person.id):
        await _take_part(websocket, service, person)


async def _take_part(websocket: WebSocket, service: RoomService, person: Person) -> None:
    try:
        client = await service.connect(
            websocket.path_params["session_id"],
            person,
            websocket.send_text,
            _closer(websocket),
            tab=websocket.query_params.get("tab", ""),
        )
    except DomainError as exc:
        await _refuse(websocket, "forbidden", exc.message, 4403 if exc.status_code == 403 else 4404)
        return
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            await service.receive(
                client,
                message.get("text")
                if message.get("text") is not None
                else message.get("bytes", b""),
            )
    except WebSocketDisconnect:
        pass
    finally:
        await service.disconnect(client)


def _closer(websocket: WebSocket):  # noqa: ANN202
    async def close(code: int, reason: str) -> None:
        with contextlib.suppress(Exception):
            await websocket.close(code, reason)

    return close


async def _refuse(websocket: WebSocket, code: str, message: str, close_code: int) -> None:
    with contextlib.suppress(Exception):
        await websocket.send_text(frame("error", code=code, message=message, fatal=True))
        await websocket.close(close_code, message[:120])


ROUTES = [
    Route("/sessions/{session_id:int}/room", room_page, methods=["GET"]),
    WebSocketRoute("/sessions/{session_id:int}/ws", room_socket),
]
