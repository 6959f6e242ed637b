"""MemoryHub: changes are in the database before they return, and simultaneous ones share a write."""

from __future__ import annotations

import asyncio

import pytest

from simulator.rooms.hub import MemoryHub
from simulator.rooms.state import Kind, Member, RoomState, join

ROOM = 7


class SlowStore:
    """A database stand-in whose writes take a while, so changes can pile up behind one."""

    def __init__(self, delay: float = 0.05) -> None:
        self.delay = delay
        self.saved: list[int] = []  # versions, in the order they were written
        self.rows: dict[int, RoomState] = {}
        self.fail_next = False

    async def save(self, state: RoomState) -> None:
        await asyncio.sleep(self.delay)
        if self.fail_next:
            self.fail_next = False
            raise OSError("the database went away")
        self.saved.append(state.version)
        self.rows[state.session_id] = RoomState.from_dict(state.to_dict())

    async def restore(self, room: int) -> RoomState | None:
        return self.rows.get(room)

    async def list_rooms(self) -> list[int]:
        return sorted(self.rows)


def _members(count: int) -> list[Member]:
    return [
        Member(person_id=p, name=f"P{p}", email=f"p{p}@x.test", kind=Kind.TRAINEE)
        for p in range(1, count + 1)
    ]


async def _create() -> RoomState:
    return RoomState.open(ROOM, 60, _members(8), 0)


def _hub(store: SlowStore) -> MemoryHub:
    return MemoryHub(store.save, store.restore, store.list_rooms)


def _enter(person: int):  # noqa: ANN202
    return lambda st: join(st, person, "w", f"conn-{person}", 0)


async def test_a_change_returns_once_its_state_is_stored():
    store = SlowStore()
    hub = _hub(store)
    state, _ = await hub.mutate(ROOM, _enter(1), _create)
    assert store.saved == [state.version]
    assert 1 in store.rows[ROOM].presence


async def test_simultaneous_changes_share_writes_and_none_is_lost():
    store = SlowStore(delay=0.05)
    hub = _hub(store)
    results = await asyncio.gather(*(hub.mutate(ROOM, _enter(p), _create) for p in range(1, 9)))
    versions = sorted(state.version for state, _ in results)
    assert versions == list(range(1, 9))  # every change applied once, in some order
    assert len(store.saved) <= 2  # not eight writes one after another
    assert store.saved == sorted(store.saved)  # never an older state over a newer one
    assert store.saved[-1] == 8
    assert set(store.rows[ROOM].presence) == set(range(1, 9))


async def test_every_change_waits_for_a_write_that_includes_it():
    store = SlowStore(delay=0.05)
    hub = _hub(store)
    first = asyncio.create_task(hub.mutate(ROOM, _enter(1), _create))
    await asyncio.sleep(0.01)  # the first write is under way
    second = asyncio.create_task(hub.mutate(ROOM, _enter(2), _create))
    state, _ = await first
    assert not second.done()  # its change came after the write that just ended began
    later, _ = await second
    assert store.saved == [state.version, later.version]


async def test_a_failed_write_is_reported_and_the_next_one_stores_the_change():
    store = SlowStore(delay=0.01)
    hub = _hub(store)
    await hub.mutate(ROOM, _enter(1), _create)
    store.fail_next = True
    with pytest.raises(OSError):
        await hub.mutate(ROOM, _enter(2), _create)
    await hub.mutate(ROOM, _enter(3), _create)
    assert set(store.rows[ROOM].presence) == {1, 2, 3}


async def test_a_refused_change_leaves_no_trace():
    store = SlowStore(delay=0.01)
    hub = _hub(store)
    await hub.mutate(ROOM, _enter(1), _create)

    def refuse(state: RoomState) -> None:
        state.phase = "debrief"
        raise ValueError("not allowed")

    with pytest.raises(ValueError):
        await hub.mutate(ROOM, refuse, _create)
    assert (await hub.load(ROOM)).phase == "preparation"
    assert store.saved == [1]


async def test_reading_a_stored_room_never_puts_an_older_state_over_a_newer_one():
    """A room restored from the database (after a restart) while someone joins it: the sweeper's
    read, which started first and ends last, must not undo the join."""
    store = SlowStore(delay=0.0)
    stored = await _create()
    store.rows[ROOM] = stored  # the room as the last process left it
    hub = _hub(store)
    reads: list[asyncio.Event] = []

    async def slow_restore(room: int) -> RoomState | None:
        read = RoomState.from_dict(store.rows[room].to_dict())  # what the database held then
        held = asyncio.Event()
        reads.append(held)
        await held.wait()
        return read

    hub._restore = slow_restore
    sweep = asyncio.create_task(hub.load(ROOM))
    await asyncio.sleep(0)
    joining = asyncio.create_task(hub.mutate(ROOM, _enter(1), _create))
    await asyncio.sleep(0)
    reads[1].set()  # the join's own read returns first and its change is applied
    state, _ = await joining
    reads[0].set()  # then the sweeper's older read comes back
    await sweep
    assert 1 in (await hub.load(ROOM)).presence
    assert (await hub.load(ROOM)).version == state.version
