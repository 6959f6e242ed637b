"""Choosing the room hub from settings: Redis when REDIS_URL is set, else one process."""

from __future__ import annotations

from typing import Any

from simulator.db import Database
from simulator.models import Person
from simulator.rooms import persistence
from simulator.rooms.hub import Hub, MemoryHub
from simulator.rooms.ice import ice_servers
from simulator.rooms.state import RoomState
from simulator.settings import Settings


def make_hub(settings: Settings, db: Database) -> Hub:
    if settings.redis_url:
        from simulator.rooms.redis_hub import RedisHub

        return RedisHub(settings.redis_url)

    async def save(state: RoomState) -> None:
        await db.run(persistence.save_snapshot, state)

    async def restore(room: int) -> RoomState | None:
        return await db.run(persistence.load_snapshot, room)

    async def list_rooms() -> list[int]:
        return await db.run(persistence.snapshot_ids)

    return MemoryHub(save, restore, list_rooms)


def ice_servers_for(settings: Settings, person: Person) -> list[dict[str, Any]]:
    return ice_servers(
        settings.ice_servers, settings.turn_secret, person.id or 0, settings.turn_ttl_seconds
    )
