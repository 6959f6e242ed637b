"""The ceiling for signaling: a bare Starlette relay that forwards each frame to the named room-mate.

No auth, no validation, no room state beyond who is connected: `/ws?room=R&id=I` joins, every
text frame is a JSON object whose `to` names the room-mate it is forwarded to unchanged. It runs
on the same uvicorn and websocket implementation as `mediation-sim serve`.

    python bench/_relay.py --port 8765
"""

from __future__ import annotations

import argparse
import contextlib
import json

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect


def make_app() -> Starlette:
    rooms: dict[str, dict[int, WebSocket]] = {}

    async def relay(websocket: WebSocket) -> None:
        room_id, me = websocket.query_params["room"], int(websocket.query_params["id"])
        await websocket.accept()
        room = rooms.setdefault(room_id, {})
        room[me] = websocket
        await websocket.send_text('{"type":"welcome"}')
        try:
            while True:
                text = await websocket.receive_text()
                target = room.get(json.loads(text)["to"])
                if target is not None:
                    with contextlib.suppress(Exception):
                        await target.send_text(text)
        except WebSocketDisconnect:
            pass
        finally:
            if room.get(me) is websocket:
                del room[me]

    async def health(_request: object) -> PlainTextResponse:
        return PlainTextResponse("ok")

    return Starlette(routes=[Route("/healthz", health), WebSocketRoute("/ws", relay)])


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(
        make_app(), host="127.0.0.1", port=args.port, log_level="warning", ws="websockets-sansio"
    )


if __name__ == "__main__":
    main()
