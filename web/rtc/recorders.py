"""Running the recorders of rooms: which process records which room, and the database rows.

The room rules (simulator/rooms/recording.py) decide when a recording runs and write into the room
state which server process runs its recorder; `RecorderManager` listens to the room states this
process sees and starts or stops a `RoomRecorder` (web/rtc/recorder.py) to match, booking each
recording in the database: its row, its end, its size and why it stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator import recordings
from simulator.db import Database
from simulator.errors import DomainError
from simulator.rooms.hub import Connection
from simulator.rooms.ice import ice_servers
from simulator.rooms.service import RoomService
from simulator.rooms.state import RECORDER_ID, RoomState
from simulator.settings import Settings
from simulator.timeutil import utcnow
from web.rtc.recorder import RoomRecorder

log = logging.getLogger("web.rtc.recorders")


@dataclass(eq=False)
class _Running:
    number: int
    row_id: int
    recorder: RoomRecorder
    connection: Connection


class RecorderManager:
    """Starts and stops the recorders of rooms whose state names this worker, and books each
    recording in the database (the row, its end, its size and why it stopped).

    With several workers (Redis), the rule that starts a recording writes the worker applying it
    into the room state atomically, so exactly one process records a room; if that process dies,
    the room sweep on a living worker starts a new recording there.
    """

    def __init__(
        self,
        rooms: RoomService,
        db: Database,
        storage: Path,
        ice_servers: Callable[[], list[dict[str, Any]]],
    ) -> None:
        self.rooms, self.db, self.storage, self.ice_servers = rooms, db, storage, ice_servers
        self.active: dict[int, _Running] = {}
        self._latest: dict[int, RoomState] = {}
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._done: set[tuple[int, int]] = set()
        self._closing = False

    @property
    def worker_id(self) -> str:
        return self.rooms.hub.worker_id

    def start(self) -> None:
        self.rooms.hub.state_listeners.append(self.notice)

    async def stop(self) -> None:
        """Finish every recording this worker runs (the server is stopping)."""
        self._closing = True
        for task in list(self._tasks.values()):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for room in list(self.active):
            await self._finish(room, "server restarting")
        with contextlib.suppress(ValueError):
            self.rooms.hub.state_listeners.remove(self.notice)

    def notice(self, state: RoomState) -> None:
        """A new state of some room (called by the hub; must not block)."""
        room, recording = state.session_id, state.recording
        busy = room in self.active or (room in self._tasks and not self._tasks[room].done())
        mine = recording is not None and recording.running and recording.worker == self.worker_id
        if self._closing or not (busy or mine):
            return
        self._latest[room] = state
        if room not in self._tasks or self._tasks[room].done():
            self._tasks[room] = asyncio.create_task(self._follow(room), name=f"recorder-{room}")

    async def _follow(self, room: int) -> None:
        while (state := self._latest.pop(room, None)) is not None:
            try:
                await self._apply(state)
            except Exception:
                log.exception("room %s: recorder change failed", room)

    async def _apply(self, state: RoomState) -> None:
        room, recording = state.session_id, state.recording
        mine = recording is not None and recording.running and recording.worker == self.worker_id
        running = self.active.get(room)
        if running is not None and (
            not mine or recording is None or running.number != recording.number
        ):
            stop = state.recording_stop
            reason = stop["reason"] if stop and stop["number"] == running.number else "stopped"
            await self._finish(room, reason)
        if mine and recording is not None and (room, recording.number) not in self._done:
            try:
                await self._begin(room, recording.number)
            except Exception:
                log.exception("room %s: the recorder could not start", room)
                await self.rooms.recorder_failed(room, recording.number)

    async def _begin(self, room: int, number: int) -> None:
        self._done.add((room, number))
        row = await self.db.run(recordings.begin, self.storage, room, number, utcnow())
        recorder = RoomRecorder(
            recordings.file_path(self.storage, row),
            ice_servers=self.ice_servers(),
            send_signal=lambda to, payload: self.rooms.signal_from_recorder(room, to, payload),
            on_failure=lambda: self.rooms.recorder_failed(room, number),
        )
        try:
            await recorder.start()
            connection = await self.rooms.attach_recorder(room, number, recorder.on_text)
        except BaseException as exc:  # nothing was recorded: leave no row behind
            await recorder.stop()
            await self.db.run(recordings.discard, self.storage, row.id)
            if isinstance(exc, DomainError):  # the room stopped it before it began
                return
            raise
        self.active[room] = _Running(number, row.id or 0, recorder, connection)
        log.info("room %s: recording %s started in %s", room, number, row.filename)

    async def _finish(self, room: int, reason: str) -> None:
        running = self.active.pop(room)
        size = await running.recorder.stop()
        with contextlib.suppress(Exception):
            await self.rooms.detach_recorder(running.connection)
        await self.db.run(recordings.finish, running.row_id, utcnow(), size, reason)
        log.info("room %s: recording %s stopped (%s), %d bytes", room, running.number, reason, size)


def recorder_manager(settings: Settings, rooms: RoomService, db: Database) -> RecorderManager:
    """The manager for this server process, with TURN credentials minted for the recorder."""
    return RecorderManager(
        rooms,
        db,
        settings.recordings_dir,
        lambda: ice_servers(
            settings.ice_servers, settings.turn_secret, RECORDER_ID, settings.turn_ttl_seconds
        ),
    )
