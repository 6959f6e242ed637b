"""The room service: joining, leaving, and acting on each client message, whatever the hub."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from simulator.db import Database
from simulator.errors import DomainError, NotFound
from simulator.models import Person
from simulator.rooms import persistence, protocol, recording
from simulator.rooms import state as rules
from simulator.rooms.control import RoomRow, summarise
from simulator.rooms.hub import Connection, Hub
from simulator.rooms.protocol import ProtocolError, frame
from simulator.rooms.state import RECORDER_ID, Member, RoomState
from simulator.telemetry import Counters

log = logging.getLogger("simulator.rooms")
T = TypeVar("T")
SWEEP_SECONDS = 5.0


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class RateLimit:
    """A token bucket: bursts of negotiation are fine, a flood is not."""

    capacity: float = 300
    per_second: float = 60
    tokens: float = 300
    stamp: float = field(default_factory=time.monotonic)

    def allow(self) -> bool:
        moment = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (moment - self.stamp) * self.per_second)
        self.stamp = moment
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


@dataclass(eq=False)
class Client:
    """A connected person as the service sees them."""

    connection: Connection
    member: Member
    attendance_id: int = 0  # the attendance row, once written
    limit: RateLimit = field(default_factory=RateLimit)


class RoomService:
    """Joins people to rooms and applies their messages through the hub."""

    def __init__(
        self, hub: Hub, db: Database, ice_servers: Callable[[Person], list[dict[str, Any]]]
    ) -> None:
        self.hub, self.db, self.ice_servers = hub, db, ice_servers
        self._sweeper: asyncio.Task[None] | None = None
        self.clients: set[Client] = set()
        self.metrics = Counters()  # the app hands in the one its /metrics endpoint reads

    async def start(self) -> None:
        await self.hub.start()
        self._sweeper = asyncio.create_task(self._sweep_forever(), name="room-sweeper")

    async def stop(self) -> None:
        """Tell every client to reconnect (to another worker, or to this one once it is back)."""
        if self._sweeper:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        for client in list(self.clients):
            client.connection.push(frame("reconnect", reason="The server is restarting."))
            await client.connection.stop()
            with contextlib.suppress(Exception):
                await client.connection.close(1012, "Server restarting")
        await self.hub.stop()

    # --- joining and leaving ------------------------------------------------------------------

    async def _create(self, session_id: int) -> RoomState:
        info = await self.db.run(persistence.room_info, session_id)
        state = RoomState.open(info.session_id, info.duration_minutes, info.members, now_ms())
        state.consent = await self.db.run(persistence.consents_of, session_id)
        return state

    def _settled(self, change: Callable[[RoomState], T]) -> Callable[[RoomState], T]:
        """A change followed by the recording rule, so no change can leave a recording running
        that the room no longer allows (a newcomer without consent, a caucus, the end)."""

        def run(state: RoomState) -> T:
            result = change(state)
            recording.settle_recording(state, now_ms(), self.hub.worker_id)
            return result

        return run

    async def connect(
        self,
        session_id: int,
        person: Person,
        send_text: Callable[[str], Awaitable[None]],
        close: Callable[[int, str], Awaitable[None]],
        tab: str = "",
    ) -> Client:
        """Admit a person (DomainError if they may not enter) and send them the room as it is."""
        member = await self.db.run(persistence.check_entry, session_id, person)
        connection = Connection(session_id, member.person_id, send_text, close)

        def enter(state: RoomState) -> None:
            if member.person_id not in state.members:  # staff dropping in, or a late seat change
                state.members[member.person_id] = member
            rules.join(
                state, member.person_id, self.hub.worker_id, connection.conn_id, now_ms(), tab[:64]
            )

        state, _ = await self.hub.mutate(
            session_id, self._settled(enter), lambda: self._create(session_id)
        )
        client = Client(connection, member)
        self.metrics.inc("mediation_websocket_connections_total")
        log.info("entered the room as %s", member.kind)
        self.clients.add(client)
        self.hub.attach(connection)
        live = await self.hub.live_workers()
        view = rules.view_for(state, member.person_id, live)
        connection.push(
            frame(
                "welcome",
                you={
                    "id": member.person_id,
                    "name": member.name,
                    "kind": member.kind,
                    "role": member.role_id,
                },
                state=view,
                ice_servers=self.ice_servers(person),
                server_time=now_ms(),
            )
        )
        await self.hub.publish_state(state)
        # Attendance is written after the welcome: the database is not on the way into the room.
        try:
            client.attendance_id = await self.db.run(
                persistence.record_join, session_id, member.person_id
            )
        except Exception:
            await self.disconnect(client)
            raise
        return client

    async def disconnect(self, client: Client) -> None:
        log.info("left the room")
        self.clients.discard(client)
        self.hub.detach(client.connection)
        await client.connection.stop()
        conn = client.connection.conn_id
        with contextlib.suppress(DomainError):
            state, left = await self._mutate(
                client.connection.room, lambda st: rules.leave(st, client.member.person_id, conn)
            )
            if left:
                await self.hub.publish_state(state)
        await self.db.run(persistence.record_leave, client.attendance_id)

    # --- messages -----------------------------------------------------------------------------

    async def receive(self, client: Client, text: str | bytes) -> None:
        """Act on one frame; every problem is answered with an error frame and the room goes on."""
        self.metrics.inc("mediation_websocket_messages_total")
        if not client.limit.allow():
            self._error(client, "rate_limited", "Too many messages; slow down.")
            return
        try:
            message = protocol.parse(text)
            await self._act(client, message)
        except ProtocolError as exc:
            self._error(client, exc.code, exc.message)
        except DomainError as exc:
            self._error(client, "refused", exc.message)
        except Exception:  # a fault on our side (e.g. Redis busy): answer it, keep the socket
            self.metrics.inc("mediation_errors_total", kind="ws_internal")
            log.exception("room %s: could not handle a message", client.connection.room)
            self._error(
                client, "server_error", "The server could not handle that; please try again."
            )

    def _error(self, client: Client, code: str, message: str) -> None:
        if code != "server_error":
            self.metrics.inc("mediation_errors_total", kind="ws_rejected")
        client.connection.push(frame("error", code=code, message=message))

    async def _act(self, client: Client, message: Any) -> None:
        room, me = client.connection.room, client.member.person_id
        kind = message.type
        if kind == "ping":
            client.connection.push(frame("pong", t=message.t, server_time=now_ms()))
            return
        if kind == "signal":
            payload = message.model_dump(exclude_none=True, exclude={"type", "to"})
            if message.to == me or not await self.hub.send_to(
                room, message.to, frame("signal", **{"from": me}, **payload)
            ):
                raise ProtocolError("not_present", "That person is not in the room.")
            return
        now = now_ms()
        if kind == "chat.send":
            state, chat = await self._mutate(
                room, lambda st: rules.add_chat(st, me, message.text, now)
            )
            await self.hub.publish(
                state,
                {
                    "kind": "chat",
                    "room": room,
                    "audience": chat.audience,
                    "frame": frame("chat", message=chat.__dict__),
                },
            )
            return
        if kind == "quality.report":
            before = (self.hub.cache.get(room) or RoomState(0, 0, {})).presence.get(me)
            state, _ = await self._mutate(
                room,
                lambda st: rules.report_quality(
                    st, me, rtt_ms=message.rtt_ms, loss_pct=message.loss_pct
                ),
            )
            after = state.presence.get(me)
            if before is None or after is None or before.quality != after.quality:
                await self.hub.publish_state(state)
            return
        if kind in ("recording.request", "recording.consent"):
            given = kind == "recording.request" or message.given
            worker = self.hub.worker_id
            if kind == "recording.request":
                state, _ = await self._mutate(
                    room, lambda st: recording.request_recording(st, me, now, worker)
                )
            else:
                state, _ = await self._mutate(
                    room, lambda st: recording.set_consent(st, me, given, now, worker)
                )
            await self.hub.publish_state(state)
            await self.db.run(persistence.save_consent, room, me, given)
            return
        change = self._state_change(message, me, now)
        state, _ = await self._mutate(room, change)
        await self.hub.publish_state(state)

    def _state_change(self, message: Any, me: int, now: int) -> Callable[[RoomState], object]:
        kind = message.type
        if kind == "phase.advance":
            return lambda st: rules.advance_phase(st, me, now, message.to)
        if kind == "phase.extend":
            return lambda st: rules.extend_phase(st, me, message.minutes)
        if kind == "caucus.open":
            return lambda st: rules.open_caucus(st, me, list(message.with_), now)
        if kind == "caucus.close":
            return lambda st: rules.close_caucus(st, me)
        if kind == "help.request":
            return lambda st: rules.request_help(st, me, message.text, now)
        if kind == "help.resolve":
            return lambda st: rules.resolve_help(st, me, message.id)
        if kind == "media.state":
            return lambda st: rules.set_media(
                st, me, audio=message.audio, video=message.video, audio_only=message.audio_only
            )
        if kind == "recording.stop":
            return lambda st: recording.stop_recording(st, me, now)
        raise ProtocolError("unknown_type", f"Unknown message type {kind!r}.")

    async def _mutate(self, room: int, change: Callable[[RoomState], T]) -> tuple[RoomState, T]:
        return await self.hub.mutate(room, self._settled(change), lambda: self._create(room))

    # --- server-side peers (the recorder) -----------------------------------------------------

    async def attach_recorder(
        self, room: int, number: int, send_text: Callable[[str], Awaitable[None]]
    ) -> Connection:
        """Seat the hidden recorder of recording `number`: it gets its view and its signals
        through `send_text`, as a browser gets them through its socket. DomainError if that
        recording is no longer running."""

        async def ignore_close(code: int, reason: str) -> None:
            return None

        connection = Connection(room, RECORDER_ID, send_text, ignore_close)
        self.hub.attach(connection)
        worker = self.hub.worker_id
        try:
            state, _ = await self._mutate(
                room,
                lambda st: recording.join_recorder(
                    st, number, worker, connection.conn_id, now_ms()
                ),
            )
        except Exception:
            self.hub.detach(connection)
            await connection.stop()
            raise
        await self.hub.publish_state(state)
        return connection

    async def detach_recorder(self, connection: Connection) -> None:
        self.hub.detach(connection)
        await connection.stop()
        conn = connection.conn_id
        state, left = await self._mutate(
            connection.room, lambda st: rules.leave(st, RECORDER_ID, conn)
        )
        if left:
            await self.hub.publish_state(state)

    async def recorder_failed(self, room: int, number: int) -> None:
        """Stop recording `number` in the room: its recorder could not do its work."""
        state, changed = await self._mutate(
            room, lambda st: recording.recorder_failed(st, number, now_ms())
        )
        if changed:
            await self.hub.publish_state(state)

    async def signal_from_recorder(self, room: int, to: int, payload: dict[str, Any]) -> bool:
        """Relay the recorder's answer to one person; False if they are gone."""
        return await self.hub.send_to(room, to, frame("signal", **{"from": RECORDER_ID}, **payload))

    # --- staff actions across rooms -----------------------------------------------------------

    async def broadcast(self, text: str, sender: str) -> int:
        """Post a notice in every live room; returns how many rooms got it."""
        now = now_ms()
        return await self.for_each_live_room(lambda st: rules.add_notice(st, text, sender, now))

    async def for_each_live_room(self, change: Callable[[RoomState], object]) -> int:
        """Apply a change to every room that has not ended; returns how many there were."""
        count = 0
        for room in await self.hub.rooms():
            state = await self.hub.load(room)
            if state is None or state.phase == "ended":
                continue
            state, _ = await self._mutate(room, change)
            await self.hub.publish_state(state)
            count += 1
        return count

    async def present(self, session_ids: list[int]) -> dict[int, set[int]]:
        """Who is connected now in each of these rooms (empty for a room nobody opened)."""
        live = await self.hub.live_workers()
        out: dict[int, set[int]] = {}
        for session_id in session_ids:
            state = await self.hub.load(session_id)
            out[session_id] = set(state.connected_ids(live)) if state is not None else set()
        return out

    async def reseat(self, session_id: int, text: str, sender: str) -> None:
        """Take the session's seats from the database again (after no-show recovery) and say
        what changed; a cancelled session only gets the notice, telling people where to go."""
        state = await self.hub.load(session_id)
        if state is None:
            return
        try:
            info = await self.db.run(persistence.room_info, session_id)
            members: dict[int, Any] | None = {m.person_id: m for m in info.members}
        except NotFound:
            members = None
        now = now_ms()

        def change(st: RoomState) -> None:
            if members is not None:
                st.members = {
                    **members,
                    **{p: m for p, m in st.members.items() if m.kind == "staff"},
                }
            rules.add_notice(st, text, sender, now)

        state, _ = await self._mutate(session_id, change)
        await self.hub.publish_state(state)

    async def live_rows(self) -> list[RoomRow]:
        """The control room's view: every room that has not ended."""
        live = await self.hub.live_workers()
        rows = []
        for room in await self.hub.rooms():
            state = await self.hub.load(room)
            if state is not None and state.phase != "ended":
                rows.append(summarise(state, live))
        return rows

    # --- housekeeping -------------------------------------------------------------------------

    async def sweep(self) -> None:
        """Drop presences held by workers that died, and end their attendance; a recording whose
        recorder ran on a dead worker starts again here."""
        live = await self.hub.live_workers()
        worker = self.hub.worker_id
        for room in await self.hub.rooms():
            state = await self.hub.load(room)
            if state is None or not _has_dead_parts(state, live):
                continue

            def change(st: RoomState) -> tuple[list[int], bool]:
                dropped = rules.drop_dead_workers(st, live)
                return dropped, recording.recorder_lost(st, live, now_ms(), worker)

            state, (dropped, moved) = await self._mutate(room, change)
            if dropped or moved:
                await self.hub.publish_state(state)
            people = [pid for pid in dropped if pid != RECORDER_ID]
            if people:
                await self.db.run(persistence.close_open_attendance, room, people)

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            try:
                await self.sweep()
            except Exception:
                log.exception("room sweep failed")


def _has_dead_parts(state: RoomState, live: set[str]) -> bool:
    """People, or the recorder, held by a worker that is no longer alive."""
    lost_recorder = (
        state.recording is not None
        and state.recording.running
        and state.recording.worker not in live
    )
    return lost_recorder or any(p.worker not in live for p in state.presence.values())
