"""Coaches for sessions: one available at the session's time, free then, and loads kept even."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from simulator.scheduling.availability import fits
from simulator.scheduling.model import Person


@dataclass(frozen=True)
class Need:
    """A session waiting for a coach."""

    start: datetime
    minutes: int
    languages: frozenset[str]
    anytime: bool = False


def assign_coaches(
    needs: list[Need], coaches: list[Person], load: dict[str, int], rng: np.random.Generator
) -> list[str | None]:
    """A coach id (or None when nobody can come) per session, least-loaded first.

    Sessions with the fewest possible coaches are served first; among the coaches free at that
    time the least loaded wins, then one who speaks the group's language.
    """
    # Sessions start at a few slot times: availability and clashes are worked out per time.
    times = sorted({(need.start, need.minutes) for need in needs})
    clashes = {
        t: [
            u
            for u in times
            if u[0] < t[0] + timedelta(minutes=t[1]) and t[0] < u[0] + timedelta(minutes=u[1])
        ]
        for t in times
    }
    can: dict[tuple[object, ...], set[tuple[datetime, int]]] = {}
    for coach in coaches:
        key = (coach.availability, coach.timezone)
        if key not in can:
            can[key] = {t for t in times if fits(coach.availability, coach.timezone, t[0], t[1])}
    able = [can[(c.availability, c.timezone)] for c in coaches]
    at_time = {t: [c for c, ok in zip(coaches, able, strict=True) if t in ok] for t in times}
    busy: dict[str, set[tuple[datetime, int]]] = {c.id: set() for c in coaches}
    options = [coaches if need.anytime else at_time[need.start, need.minutes] for need in needs]
    order = sorted(range(len(needs)), key=lambda i: (len(options[i]), needs[i].start, i))
    chosen: list[str | None] = [None] * len(needs)
    for i in order:
        need = needs[i]
        time = (need.start, need.minutes)
        free = [c for c in options[i] if not any(u in busy[c.id] for u in clashes[time])]
        if not free:
            continue
        best = min(
            free,
            key=lambda c: (
                load.get(c.id, 0),
                not (need.languages & set(c.languages)),
                rng.random(),
            ),
        )
        chosen[i] = best.id
        busy[best.id].add(time)
        load[best.id] = load.get(best.id, 0) + 1
    return chosen
