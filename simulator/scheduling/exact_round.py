"""Rebuilding one round from scratch so that nobody in it meets anyone again.

Given who has met in the other rounds, a repeat-free round is a partition of the round's people
into groups of given sizes whose members are pairwise "fresh". A depth-first search that always
extends the most constrained person (fewest fresh partners left) finds one fast when one exists;
the tabu search calls it when it stalls, as a large move that local exchanges cannot make.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np


class _Budget(Exception):
    """The search used up its node budget."""


def fresh_partition(
    people: list[int],
    sizes: list[int],
    fresh: np.ndarray,
    rng: np.random.Generator,
    *,
    nodes: int = 20_000,
) -> list[list[int]] | None:
    """Groups of the given sizes in which every pair is fresh, or None (none found in budget)."""
    if sum(sizes) != len(people):
        return None
    local = fresh[np.ix_(people, people)].copy()
    np.fill_diagonal(local, False)
    order = list(rng.permutation(len(sizes)))
    want = sorted((sizes[i] for i in order), reverse=True)
    budget = [nodes]
    free = np.ones(len(people), dtype=bool)
    try:
        found = _fill(local, free, want, [], rng, budget)
    except _Budget:
        return None
    if found is None:
        return None
    by_size: dict[int, list[list[int]]] = {}
    for group in found:
        by_size.setdefault(len(group), []).append([people[i] for i in group])
    return [by_size[size].pop() for size in sizes]


def _fill(
    fresh: np.ndarray,
    free: np.ndarray,
    want: list[int],
    done: list[list[int]],
    rng: np.random.Generator,
    budget: list[int],
) -> list[list[int]] | None:
    if not want:
        return list(done)
    budget[0] -= 1
    if budget[0] < 0:
        raise _Budget
    left = np.flatnonzero(free)
    degree = (fresh[np.ix_(left, left)]).sum(axis=1)
    if degree.min() < min(want) - 1:
        return None
    first = int(left[np.argmin(degree + rng.random(len(left)) * 0.5)])
    free[first] = False
    for size in sorted(set(want), reverse=True):
        rest = list(want)
        rest.remove(size)
        for group in _groups_with(first, size, fresh, free, budget):
            others = group[1:]
            free[others] = False
            done.append(group)
            result = _fill(fresh, free, rest, done, rng, budget)
            if result is not None:
                return result
            done.pop()
            free[others] = True
    free[first] = True
    return None


def _groups_with(
    first: int,
    size: int,
    fresh: np.ndarray,
    free: np.ndarray,
    budget: list[int],
) -> Iterator[list[int]]:
    """Groups of `size` holding `first`, all pairs fresh, from the free people."""
    candidates = np.flatnonzero(free & fresh[first])

    def extend(group: list[int], pool: np.ndarray) -> Iterator[list[int]]:
        if len(group) == size:
            yield list(group)
            return
        budget[0] -= 1
        if budget[0] < 0:
            raise _Budget
        for index, person in enumerate(pool):
            rest = pool[index + 1 :]
            yield from extend([*group, int(person)], rest[fresh[person, rest]])

    yield from extend([first], candidates)
