"""RedisHub routing between workers: batched publishing, ordering, stale caches, old peers."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest

from simulator.rooms.hub import Connection
from simulator.rooms.redis_hub import PREFIX, RedisHub
from simulator.rooms.state import Kind, Member, RoomState, join

pytestmark = pytest.mark.redis
ROOM = 424242


class Inbox:
    """A socket stand-in: the frames a connection was sent, and a way to wait for them."""

    def __init__(self) -> None:
        self.frames: list[str] = []
        self.changed = asyncio.Event()

    async def send_text(self, text: str) -> None:
        self.frames.append(text)
        self.changed.set()

    async def close(self, code: int, reason: str) -> None:
        return None

    async def wait_for(self, count: int, key: str = "") -> list[str]:
        """The first `count` frames (with `key` in them, if given), waiting up to 5 s."""

        def chosen() -> list[str]:
            return [f for f in self.frames if not key or key in json.loads(f)]

        async with asyncio.timeout(5):
            while len(chosen()) < count:
                self.changed.clear()
                await self.changed.wait()
        return chosen()


def _members() -> list[Member]:
    return [
        Member(person_id=p, name=f"P{p}", email=f"p{p}@x.test", kind=Kind.TRAINEE) for p in (1, 2)
    ]


async def _subscribed(hub: RedisHub) -> None:
    channel = f"{PREFIX}:worker:{hub.worker_id}"
    async with asyncio.timeout(5):
        while not (await hub.redis.pubsub_numsub(channel))[0][1]:
            await asyncio.sleep(0.01)


@pytest.fixture
async def hubs(redis_url):
    one = RedisHub(redis_url, worker_id=f"one-{uuid.uuid4().hex[:6]}")
    two = RedisHub(redis_url, worker_id=f"two-{uuid.uuid4().hex[:6]}")
    await one.start()
    await two.start()
    await _subscribed(one)
    await _subscribed(two)
    yield one, two
    await one.stop()
    await two.stop()


async def _seat(hub: RedisHub, person: int, inbox: Inbox) -> Connection:
    """Join `person` to the room on `hub` (state in Redis) with a local connection."""
    connection = Connection(ROOM, person, inbox.send_text, inbox.close)

    async def create() -> RoomState:
        return RoomState.open(ROOM, 60, _members(), 0)

    await hub.mutate(
        ROOM, lambda st: join(st, person, hub.worker_id, connection.conn_id, 0), create
    )
    hub.attach(connection)
    return connection


async def test_signals_between_workers_arrive_in_order_in_batches(hubs):
    one, two = hubs
    inbox = Inbox()
    await _seat(one, 1, Inbox())
    await _seat(two, 2, inbox)
    state = await one.load(ROOM)
    await one.publish_state(state)  # worker one learns where person 2 sits
    # Many signals in one turn of the event loop: they leave in one batch, in order.
    for n in range(300):
        assert await one.send_to(ROOM, 2, json.dumps({"type": "signal", "n": n}))
    frames = await inbox.wait_for(300, key="n")
    assert [json.loads(f)["n"] for f in frames] == list(range(300))


async def test_a_signal_reaches_a_person_this_worker_has_not_heard_of_yet(hubs):
    one, two = hubs
    await _seat(one, 1, Inbox())
    await one.publish_state(await one.load(ROOM))  # one's cache: only person 1
    inbox = Inbox()
    await _seat(two, 2, inbox)  # stored in Redis, but its state is not published to one
    assert 2 not in one.cache[ROOM].presence
    assert await one.send_to(ROOM, 2, '{"type":"signal","from":1}')
    assert await inbox.wait_for(1) == ['{"type":"signal","from":1}']
    assert not await one.send_to(ROOM, 3, '{"type":"signal","from":1}')  # nobody: not present


async def test_an_envelope_from_a_worker_that_does_not_batch_is_delivered(hubs):
    one, two = hubs
    inbox = Inbox()
    await _seat(two, 2, inbox)
    envelope = {"kind": "to", "room": ROOM, "to": [2], "frame": '{"type":"signal","from":1}'}
    await one.redis.publish(f"{PREFIX}:worker:{two.worker_id}", json.dumps(envelope))
    assert await inbox.wait_for(1) == ['{"type":"signal","from":1}']


async def test_state_published_to_the_other_worker_and_a_new_worker_finds_it(hubs, redis_url):
    one, two = hubs
    seen = Inbox()
    await _seat(one, 1, Inbox())
    await _seat(two, 2, seen)

    def advance(st: RoomState) -> None:
        st.phase = "joint"

    async def create() -> RoomState:
        raise AssertionError("the room exists")

    state, _ = await one.mutate(ROOM, advance, create)
    await one.publish_state(state)
    frames = await seen.wait_for(1)
    assert json.loads(frames[-1])["state"]["phase"] == "joint"
    await one.stop()  # worker one goes away; the room lives on in Redis
    fresh = RedisHub(redis_url, worker_id="three")
    try:
        stored = await fresh.load(ROOM)
        assert stored is not None and stored.phase == "joint" and set(stored.presence) == {1, 2}
    finally:
        await fresh.redis.aclose()
        await fresh._pool.disconnect()
    one._publisher = None  # stopped above; the fixture stops it again harmlessly


async def test_stop_sends_what_is_still_queued(hubs):
    one, two = hubs
    inbox = Inbox()
    await _seat(one, 1, Inbox())
    await _seat(two, 2, inbox)
    await one.publish_state(await one.load(ROOM))
    for n in range(20):
        await one.send_to(ROOM, 2, json.dumps({"n": n}))
    await one.stop()
    frames = await inbox.wait_for(20, key="n")
    assert [json.loads(f)["n"] for f in frames] == list(range(20))
