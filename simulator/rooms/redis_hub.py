"""Rooms shared between server processes through Redis.

State: one JSON value per room (`msim:room:<id>`), changed with optimistic transactions (WATCH),
so two workers never lose each other's changes. Routing: every worker listens on its own channel
(`msim:worker:<id>`); an envelope goes only to the workers that hold someone of the room, and
never through Redis to this worker itself. Envelopes for other workers are queued and sent by one
publisher task: everything queued while the previous batch was on its way goes in one pipeline,
one PUBLISH per worker carrying its envelopes in the order they were routed, one a line (see
`encode_envelope`: a frame travels as the text it is, not as a JSON string inside JSON). Under
light load a batch is one envelope, sent at the next turn of the event loop; under heavy load the
per-message cost of a Redis round trip and of the subscriber is shared by many envelopes.
Liveness: each worker refreshes `msim:alive:<id>` every few seconds; a worker that dies stops
refreshing, and the others drop its people from their rooms.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import redis.asyncio as aioredis
from redis.exceptions import WatchError

from simulator.rooms.hub import Hub
from simulator.rooms.state import RoomState

log = logging.getLogger("simulator.rooms")
T = TypeVar("T")
PREFIX = "msim"
ALIVE_TTL = 10
HEARTBEAT = 3.0
ROOM_TTL = 7 * 24 * 3600
BATCH_MAX = 256  # envelopes in one PUBLISH
YIELD_AFTER = 32  # a batch this big: let other tasks run before reading the next
LINGER = 0.001  # seconds between batches under load: one PUBLISH then carries many envelopes
QUEUE_MAX = 20_000  # envelopes queued for other workers before route() waits for the publisher
BATCH_V2 = "msim2\n"  # starts a batch of line-encoded envelopes (older workers sent JSON)


def encode_envelope(envelope: dict[str, Any]) -> str:
    """One line: the envelope without its frame as JSON, then a tab and the frame's own text.

    Frames are JSON made by `protocol.frame`, which never holds a raw newline (and the head has
    no raw tab), so the line needs no escaping: the receiver hands the frame on unparsed."""
    text = envelope.get("frame")
    head = json.dumps(
        {key: value for key, value in envelope.items() if key != "frame"}, separators=(",", ":")
    )
    if text is None:
        return head
    if "\n" in text:
        raise ValueError("a frame with a raw newline cannot travel between workers")
    return f"{head}\t{text}"


def decode_batch(data: str) -> list[dict[str, Any]]:
    """The envelopes of one PUBLISH; also reads what older workers sent (a JSON list, or one)."""
    if not data.startswith(BATCH_V2):
        batch = json.loads(data)
        return batch if isinstance(batch, list) else [batch]
    envelopes = []
    for line in data[len(BATCH_V2) :].split("\n"):
        head, tab, text = line.partition("\t")
        envelope = json.loads(head)
        if tab:
            envelope["frame"] = text
        envelopes.append(envelope)
    return envelopes


class RedisHub(Hub):
    def __init__(self, url: str, worker_id: str | None = None) -> None:
        super().__init__(worker_id)
        self.url = url
        # A blocking pool waits for a free connection under bursts instead of failing at once.
        pool = aioredis.BlockingConnectionPool.from_url(
            url, decode_responses=True, max_connections=200, timeout=10
        )
        self._pool = pool
        self.redis: aioredis.Redis = aioredis.Redis(connection_pool=pool)
        self._tasks: list[asyncio.Task[None]] = []
        self._live: tuple[float, set[str]] = (0.0, set())
        # Encoded envelopes waiting for the publisher, per worker, in routing order.
        self._outgoing: dict[str, list[str]] = {}
        self._queued = 0
        self._wake = asyncio.Event()
        self._drained = asyncio.Event()
        self._drained.set()
        self._publisher: asyncio.Task[None] | None = None
        self._sending = False

    def _room_key(self, room: int) -> str:
        return f"{PREFIX}:room:{room}"

    async def start(self) -> None:
        await self.redis.ping()
        await self._beat()
        self._tasks = [
            asyncio.create_task(self._listen(), name="redis-listen"),
            asyncio.create_task(self._heartbeat(), name="redis-heartbeat"),
        ]
        self._publisher = asyncio.create_task(self._publish_forever(), name="redis-publish")

    async def stop(self) -> None:
        if self._publisher is not None:  # send what is queued (the goodbye states) first
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._flushed(), timeout=5)
            self._publisher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._publisher
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        with contextlib.suppress(Exception):
            await self.redis.delete(f"{PREFIX}:alive:{self.worker_id}")
        await self.redis.aclose()
        await self._pool.disconnect()

    async def load(self, room: int) -> RoomState | None:
        raw = await self.redis.get(self._room_key(room))
        return RoomState.from_dict(json.loads(raw)) if raw else None

    async def mutate(
        self,
        room: int,
        change: Callable[[RoomState], T],
        create: Callable[[], Awaitable[RoomState]],
    ) -> tuple[RoomState, T]:
        key = self._room_key(room)
        fresh: RoomState | None = None
        while True:
            async with self.redis.pipeline(transaction=True) as pipe:
                try:
                    await pipe.watch(key)
                    raw = await pipe.get(key)
                    if raw:
                        state = RoomState.from_dict(json.loads(raw))
                    else:
                        fresh = fresh or await create()
                        state = RoomState.from_dict(fresh.to_dict())
                    result = change(state)
                    state.version += 1
                    pipe.multi()
                    pipe.set(key, json.dumps(state.to_dict()), ex=ROOM_TTL)
                    pipe.sadd(f"{PREFIX}:rooms", room)
                    await pipe.execute()
                    return state, result
                except WatchError:
                    continue

    async def route(self, envelope: dict[str, Any], workers: set[str]) -> None:
        """Queue the envelope for the other workers (encoded once) and deliver it here now."""
        here = False
        text = ""
        for worker in workers:
            if worker == self.worker_id:
                here = True
                continue
            if not text:
                text = encode_envelope(envelope)
            self._outgoing.setdefault(worker, []).append(text)
        if text:
            self._queued += 1
            self._wake.set()
        if here:
            await self.deliver(envelope)
        if self._queued >= QUEUE_MAX:  # Redis is not keeping up: hold this sender back
            self._drained.clear()
            await self._drained.wait()

    async def _flushed(self) -> None:
        """Wait until everything queued so far has been handed to Redis."""
        while self._queued or self._sending:
            await asyncio.sleep(0.01)

    async def _publish_forever(self) -> None:
        """Send queued envelopes: one pipeline per batch, one PUBLISH per worker and chunk."""
        loop = asyncio.get_running_loop()
        last = 0.0
        while True:
            await self._wake.wait()
            if (wait := last + LINGER - loop.time()) > 0:  # busy: let the batch fill up
                await asyncio.sleep(wait)
            self._wake.clear()
            last = loop.time()
            outgoing, self._outgoing, self._queued = self._outgoing, {}, 0
            self._sending = True
            try:
                async with self.redis.pipeline(transaction=False) as pipe:
                    for worker, texts in outgoing.items():
                        channel = f"{PREFIX}:worker:{worker}"
                        for first in range(0, len(texts), BATCH_MAX):
                            pipe.publish(
                                channel, BATCH_V2 + "\n".join(texts[first : first + BATCH_MAX])
                            )
                    await pipe.execute()
            except asyncio.CancelledError:
                raise
            except Exception:  # Redis unreachable: lost, as with a failed PUBLISH before
                log.exception("could not publish %d envelopes", sum(map(len, outgoing.values())))
            finally:
                self._sending = False
                self._drained.set()

    async def live_workers(self) -> set[str]:
        stamp, live = self._live
        if time.monotonic() - stamp < 1.0:
            return live
        keys = [key async for key in self.redis.scan_iter(f"{PREFIX}:alive:*", count=500)]
        live = {key.rsplit(":", 1)[1] for key in keys} | {self.worker_id}
        self._live = (time.monotonic(), live)
        return live

    async def rooms(self) -> list[int]:
        return sorted(int(r) for r in await self.redis.smembers(f"{PREFIX}:rooms"))

    async def _beat(self) -> None:
        await self.redis.set(f"{PREFIX}:alive:{self.worker_id}", "1", ex=ALIVE_TTL)

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT)
            try:
                await self._beat()
            except Exception:
                log.exception("redis heartbeat failed")

    async def _listen(self) -> None:
        """Deliver envelopes other workers address to this one; resubscribe after a drop."""
        while True:
            try:
                async with self.redis.pubsub() as pubsub:
                    await pubsub.subscribe(f"{PREFIX}:worker:{self.worker_id}")
                    async for message in pubsub.listen():
                        if message["type"] != "message":
                            continue
                        try:
                            batch = decode_batch(message["data"])
                        except ValueError:
                            log.exception("could not read an envelope")
                            continue
                        for envelope in batch:
                            try:
                                await self.deliver(envelope)
                            except Exception:
                                log.exception("could not deliver an envelope")
                        if len(batch) >= YIELD_AFTER:  # let socket writers drain their outboxes
                            await asyncio.sleep(0)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("redis subscription dropped; retrying")
                await asyncio.sleep(1)
