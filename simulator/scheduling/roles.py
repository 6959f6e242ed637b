"""Cases and roles for formed groups: a case that fits, turns as mediator shared out evenly."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from simulator.scheduling.model import OBSERVER, CaseSpec

NO_CASE_MEDIATOR = "mediator"
NO_CASE_PARTY = "party"


@dataclass
class Table:
    """A group being dealt: members (roster ids), what locks fix, and the result."""

    round: int
    members: list[str]
    languages: frozenset[str]
    locked_case: str | None = None
    locked_roles: dict[str, str] = field(default_factory=dict)
    case: str | None = None
    roles: dict[str, str] = field(default_factory=dict)


def fitting_sizes(cases: list[CaseSpec], sizes: tuple[int, ...]) -> tuple[int, ...]:
    """The sizes some case can be played with (every size when there are no cases)."""
    if not cases:
        return sizes
    return tuple(s for s in sizes if any(c.min_size <= s for c in cases))


def choose_case(
    table: Table,
    cases: list[CaseSpec],
    had: dict[str, set[str]],
    used: Counter[str],
    rng: np.random.Generator,
) -> CaseSpec | None:
    """The case for a group: playable in its language, new to its members, using every seat."""
    if table.locked_case is not None:
        return next((c for c in cases if c.id == table.locked_case), None)
    size = len(table.members)
    best: tuple[tuple[float, ...], CaseSpec] | None = None
    for case in cases:
        if case.min_size > size or not _has_roles(case, table.locked_roles.values()):
            continue
        speaks = not case.languages or bool(table.languages & set(case.languages))
        repeats = sum(case.id in had.get(m, ()) for m in table.members)
        score = (
            0 if speaks else 1,
            repeats,
            max(0, size - case.role_seats),
            used[case.id],
            rng.random(),
        )
        if best is None or score < best[0]:
            best = (score, case)
    return None if best is None else best[1]


def _has_roles(case: CaseSpec, roles: Iterable[str]) -> bool:
    ids = {rid for rid, _, _ in case.roles} | {OBSERVER}
    return all(role in ids for role in roles)


def deal(
    tables: list[Table],
    cases: list[CaseSpec],
    turns: dict[str, int],
    had: dict[str, set[str]],
    rng: np.random.Generator,
) -> None:
    """Pick each table's case and deal its roles, round by round (tables in round order)."""
    used: Counter[str] = Counter()
    for table in tables:
        case = choose_case(table, cases, had, used, rng)
        table.case = None if case is None else case.id
        if case is not None:
            used[case.id] += 1
        table.roles = _roles(table, case, turns, rng)
        for person, role in table.roles.items():
            if _is_mediator(case, role):
                turns[person] = turns.get(person, 0) + 1
            if case is not None:
                had.setdefault(person, set()).add(case.id)
    _even_out_mediators(tables, cases, turns)


def _is_mediator(case: CaseSpec | None, role: str) -> bool:
    if case is None:
        return role == NO_CASE_MEDIATOR
    return role in case.role_ids("mediator")


def _roles(
    table: Table, case: CaseSpec | None, turns: dict[str, int], rng: np.random.Generator
) -> dict[str, str]:
    """Mediator roles to those with the fewest turns, then parties, then observers."""
    roles = dict(table.locked_roles)
    free = [m for m in table.members if m not in roles]
    order = rng.permutation(len(free))
    free = [free[i] for i in order]
    if case is None:
        wanted = [NO_CASE_MEDIATOR] + [NO_CASE_PARTY] * len(table.members)
        mediator_roles = [NO_CASE_MEDIATOR]
    else:
        mediator_roles = list(case.role_ids("mediator"))
        wanted = (
            mediator_roles
            + list(case.role_ids("party", optional=False))
            + list(case.role_ids("party", optional=True))
            + list(case.role_ids("observer"))
        )
    taken = set(roles.values())
    wanted = [r for r in wanted if r not in taken or r == NO_CASE_PARTY]
    for role in wanted:
        if not free:
            break
        if role in mediator_roles:
            free.sort(key=lambda m: turns.get(m, 0))
        person = free.pop(0)
        roles[person] = role
    for person in free:
        roles[person] = OBSERVER
    return roles


def _even_out_mediators(tables: list[Table], cases: list[CaseSpec], turns: dict[str, int]) -> None:
    """Move turns as mediator from people with more to people with at least two fewer.

    A turn moves along a chain: P hands the mediator's role of a session to a member Q, who
    hands one of theirs to R, and so on, so only the two ends change count. A breadth-first
    search finds the shortest chain; every move lowers the sum of squared turns, so it ends.
    """
    by_id = {c.id: c for c in cases}
    mediates: dict[str, set[int]] = {}
    for index, table in enumerate(tables):
        case = by_id.get(table.case) if table.case else None
        for person, role in table.roles.items():
            if _is_mediator(case, role) and person not in table.locked_roles:
                mediates.setdefault(person, set()).add(index)
    seated = {m for table in tables for m in table.members}
    while True:
        chain = _chain(tables, by_id, mediates, {p: turns.get(p, 0) for p in seated})
        if chain is None:
            return
        for giver, taker, index in chain:
            roles = tables[index].roles
            roles[giver], roles[taker] = roles[taker], roles[giver]
            mediates[giver].discard(index)
            mediates.setdefault(taker, set()).add(index)
        turns[chain[0][0]] = turns.get(chain[0][0], 0) - 1
        turns[chain[-1][1]] = turns.get(chain[-1][1], 0) + 1


def _chain(
    tables: list[Table],
    by_id: dict[str, CaseSpec],
    mediates: dict[str, set[int]],
    turns: dict[str, int],
) -> list[tuple[str, str, int]] | None:
    """The shortest chain of hand-overs from someone to someone with two turns fewer."""
    levels = sorted({t for t in turns.values()}, reverse=True)
    for level in levels:
        if level - 2 < min(turns.values()):
            return None
        sources = [p for p, t in turns.items() if t == level and mediates.get(p)]
        parent: dict[str, tuple[str, int]] = {}
        seen = set(sources)
        queue = deque(sources)
        while queue:
            giver = queue.popleft()
            for index in sorted(mediates.get(giver, ())):
                table = tables[index]
                case = by_id.get(table.case) if table.case else None
                for taker in table.members:
                    if taker in seen or taker in table.locked_roles:
                        continue
                    if _is_mediator(case, table.roles[taker]):
                        continue
                    seen.add(taker)
                    parent[taker] = (giver, index)
                    if turns[taker] <= level - 2:
                        chain = []
                        node = taker
                        while node in parent:
                            before, at = parent[node]
                            chain.append((before, node, at))
                            node = before
                        return chain[::-1]
                    queue.append(taker)
    return None
