"""Hubs: where room state lives and how messages reach the sockets of a room.

A hub keeps the sockets connected to this worker and delivers envelopes to them. `MemoryHub`
serves one process and keeps each room's state in the database, so a restart loses nothing.
`RedisHub` (redis_hub.py) keeps state in Redis and routes envelopes between workers, so the people
of one room may sit on different workers.

Envelopes are plain dicts:
    {"kind": "state", "room": id}                    every local member gets their own view
    {"kind": "to", "room": id, "to": [ids], "frame": str}   a ready frame for some people
    {"kind": "chat", "room": id, "audience": [ids] | None, "frame": str}
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from simulator.rooms.protocol import frame
from simulator.rooms.state import RECORDER_ID, RoomState, view_for

log = logging.getLogger("simulator.rooms")
T = TypeVar("T")
OUTBOX_LIMIT = 512


@dataclass(eq=False)
class Connection:
    """One socket on this worker; frames queue here so a slow reader never holds up the room."""

    room: int
    person_id: int
    send_text: Callable[[str], Awaitable[None]]
    close: Callable[[int, str], Awaitable[None]]
    conn_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    outbox: asyncio.Queue[str | None] = field(default_factory=lambda: asyncio.Queue(OUTBOX_LIMIT))
    writer: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.writer = asyncio.create_task(self._write(), name=f"ws-writer-{self.conn_id[:6]}")

    def push(self, text: str) -> bool:
        """Queue a frame; False if the client is too far behind to keep."""
        try:
            self.outbox.put_nowait(text)
        except asyncio.QueueFull:
            return False
        return True

    async def _write(self) -> None:
        while (text := await self.outbox.get()) is not None:
            try:
                await self.send_text(text)
            except Exception:  # the socket went away; the reader side cleans up
                return

    async def stop(self) -> None:
        if self.writer is not None:
            with contextlib.suppress(asyncio.QueueFull):
                self.outbox.put_nowait(None)
            with contextlib.suppress(asyncio.CancelledError, asyncio.TimeoutError):
                await asyncio.wait_for(self.writer, timeout=2)


class Hub(ABC):
    """Shared behaviour: the local socket registry and delivery of envelopes to it."""

    def __init__(self, worker_id: str | None = None) -> None:
        self.worker_id = worker_id or uuid.uuid4().hex[:12]
        self.local: dict[int, dict[int, Connection]] = {}
        self.cache: dict[int, RoomState] = {}
        # Called with every new room state this worker sees (the recorder manager listens here).
        self.state_listeners: list[Callable[[RoomState], None]] = []

    # --- storage, implemented by each hub -------------------------------------------------

    @abstractmethod
    async def load(self, room: int) -> RoomState | None: ...

    @abstractmethod
    async def mutate(
        self,
        room: int,
        change: Callable[[RoomState], T],
        create: Callable[[], Awaitable[RoomState]],
    ) -> tuple[RoomState, T]:
        """Apply `change` atomically to the room's state (made by `create` if new); save it."""

    @abstractmethod
    async def route(self, envelope: dict[str, Any], workers: set[str]) -> None:
        """Hand an envelope to the given workers (this one included) for local delivery."""

    @abstractmethod
    async def live_workers(self) -> set[str]: ...

    @abstractmethod
    async def rooms(self) -> list[int]:
        """Rooms that have state (live or recently live)."""

    async def start(self) -> None:  # noqa: B027 (an optional hook)
        """Open connections and background tasks."""

    async def stop(self) -> None:  # noqa: B027 (an optional hook)
        """Close everything started."""

    # --- local sockets ---------------------------------------------------------------------

    def attach(self, connection: Connection) -> None:
        self.local.setdefault(connection.room, {})[connection.person_id] = connection
        connection.start()

    def detach(self, connection: Connection) -> None:
        room = self.local.get(connection.room, {})
        if room.get(connection.person_id) is connection:
            del room[connection.person_id]
        if not room:
            self.local.pop(connection.room, None)

    def local_count(self) -> int:
        return sum(len(people) for people in self.local.values())

    # --- publishing ------------------------------------------------------------------------

    async def publish(self, state: RoomState, envelope: dict[str, Any]) -> None:
        """Send an envelope to every worker holding someone of this room."""
        cached = self.cache.get(state.session_id)
        if cached is None or state.version >= cached.version:
            self.cache[state.session_id] = state
        workers = {p.worker for p in state.presence.values()} | {self.worker_id}
        await self.route(envelope, workers)

    async def publish_state(self, state: RoomState) -> None:
        """Send everyone their view, unless a newer state already went out (never go backwards)."""
        cached = self.cache.get(state.session_id)
        if cached is not None and cached.version > state.version:
            return
        await self.publish(
            state, {"kind": "state", "room": state.session_id, "state": state.to_dict()}
        )

    async def send_to(self, room: int, person_id: int, text: str) -> bool:
        """Send a frame to one person of a room, wherever their socket is; False if absent."""
        state = self.cache.get(room)
        presence = state.presence.get(person_id) if state else None
        if presence is None:  # this worker may not have heard of a join yet: ask the store
            state = await self.load(room)
            presence = state.presence.get(person_id) if state else None
            if presence is None:
                return False
        await self.route(
            {"kind": "to", "room": room, "to": [person_id], "frame": text}, {presence.worker}
        )
        return True

    # --- delivery on this worker -----------------------------------------------------------

    async def deliver(self, envelope: dict[str, Any]) -> None:
        room = envelope["room"]
        people = self.local.get(room)
        if envelope["kind"] == "state":
            state = RoomState.from_dict(envelope["state"])
            cached = self.cache.get(room)
            if cached is not None and cached.version > state.version:
                return  # an older state overtaken by a newer one: showing it would go backwards
            self.cache[room] = state
            for listener in self.state_listeners:
                listener(state)
        if not people:
            return
        if envelope["kind"] == "state":
            live = await self.live_workers()
            for person_id, connection in list(people.items()):
                presence = state.presence.get(person_id)
                if presence is not None and presence.conn != connection.conn_id:
                    await self._replace(connection)
                    continue
                self._push(connection, frame("state", state=view_for(state, person_id, live)))
        elif envelope["kind"] == "to":
            for person_id in envelope["to"]:
                if (connection := people.get(person_id)) is not None:
                    self._push(connection, envelope["frame"])
        elif envelope["kind"] == "chat":
            audience = envelope["audience"]
            state = self.cache.get(room)
            for person_id, connection in list(people.items()):
                if person_id == RECORDER_ID:
                    continue  # the recorder (a server peer) reads no chat
                guide = state is not None and state.is_guide(person_id)
                if audience is None or person_id in audience or guide:
                    self._push(connection, envelope["frame"])

    def _push(self, connection: Connection, text: str) -> None:
        if not connection.push(text):
            log.warning("room %s: dropping slow client %s", connection.room, connection.person_id)
            asyncio.create_task(connection.close(4008, "Too far behind; reconnecting."))

    async def _replace(self, connection: Connection) -> None:
        self.detach(connection)
        connection.push(
            frame(
                "error", code="replaced", message="You joined this room in another tab or window."
            )
        )
        await connection.stop()
        await connection.close(4409, "Joined elsewhere")


class MemoryHub(Hub):
    """One process: state in memory, written through to the database so restarts lose nothing.

    A change returns only once its state (or a newer one) is in the database, but the room is not
    locked while the database writes: one writer per room saves the newest state, so changes
    made meanwhile (four people joining at once) share the next write instead of queueing.
    """

    def __init__(
        self,
        save: Callable[[RoomState], Awaitable[None]],
        restore: Callable[[int], Awaitable[RoomState | None]],
        list_rooms: Callable[[], Awaitable[list[int]]],
        worker_id: str | None = None,
    ) -> None:
        super().__init__(worker_id)
        self._save, self._restore, self._list_rooms = save, restore, list_rooms
        self._states: dict[int, RoomState] = {}
        self._locks: dict[int, asyncio.Lock] = {}
        self._unsaved: dict[int, list[asyncio.Future[None]]] = {}  # waiting for the next write
        self._writers: dict[int, asyncio.Task[None]] = {}

    async def load(self, room: int) -> RoomState | None:
        if room not in self._states:
            restored = await self._restore(room)
            if restored is None:
                return None
            # A change may have installed a newer state while the database was read (the
            # sweeper loads rooms as people join them): never put an older one over it.
            self._states.setdefault(room, restored)
        return self._states[room]

    async def mutate(
        self,
        room: int,
        change: Callable[[RoomState], T],
        create: Callable[[], Awaitable[RoomState]],
    ) -> tuple[RoomState, T]:
        async with self._locks.setdefault(room, asyncio.Lock()):
            state = await self.load(room) or await create()
            working = RoomState.from_dict(state.to_dict())  # a failed change leaves no trace
            result = change(working)
            working.version += 1
            self._states[room] = working  # never changed in place from here on
        await self._saved(room)
        return working, result

    async def _saved(self, room: int) -> None:
        """Wait for a write of the room's newest state that starts after this call."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._unsaved.setdefault(room, []).append(done)
        if room not in self._writers:
            self._writers[room] = asyncio.create_task(self._write(room), name=f"save-room-{room}")
        await done

    async def _write(self, room: int) -> None:
        try:
            while waiting := self._unsaved.pop(room, None):
                try:
                    await self._save(self._states[room])
                except Exception as exc:  # each waiting change reports it; the next write retries
                    for future in waiting:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for future in waiting:
                    if not future.done():
                        future.set_result(None)
        finally:
            del self._writers[room]

    async def route(self, envelope: dict[str, Any], workers: set[str]) -> None:
        await self.deliver(envelope)

    async def live_workers(self) -> set[str]:
        return {self.worker_id}

    async def rooms(self) -> list[int]:
        return sorted(set(await self._list_rooms()) | set(self._states))
