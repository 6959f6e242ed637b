"""The first grouping of a round, built greedily before the search improves it.

Following Triska and Musliu's greedy heuristic for social golfers, a group grows by the person
who costs least with its members; ties go to the person who leaves the most *freedom*: the most
people still able to join the group without meeting anyone again.
"""

from __future__ import annotations

import numpy as np

from simulator.scheduling.search import COUNTRY, EXPERIENCE, LANGUAGE, add_cost

FREEDOM_LIMIT = 400


def greedy_groups(
    people: list[int],
    sizes: list[int],
    locked: list[list[int]],
    meetings: np.ndarray,
    languages: np.ndarray,
    country: np.ndarray,
    experience: np.ndarray,
    rng: np.random.Generator,
) -> list[list[int]]:
    """Groups of the given sizes over `people`; group i starts with `locked[i]`."""
    taken = {p for group in locked for p in group}
    remaining = np.array([p for p in people if p not in taken], dtype=np.int64)
    rng.shuffle(remaining)
    # Kept up to date as people are placed: how many of the rest each has met, or can talk to.
    met = (meetings[np.ix_(remaining, remaining)] > 0).sum(axis=1)
    masks, kind = np.unique(languages[remaining], return_inverse=True)
    talks = (masks[:, None] & masks[None, :]) != 0
    talk = (talks.astype(np.int64) @ np.bincount(kind, minlength=len(masks)))[kind]
    order = sorted(range(len(sizes)), key=lambda i: (-len(locked[i]), -sizes[i]))
    built: dict[int, list[int]] = {}

    def take(at: int) -> int:
        nonlocal remaining, met, talk, kind
        person = int(remaining[at])
        met = met - (meetings[remaining, person] > 0)
        talk = talk - talks[kind, kind[at]]
        remaining, met, talk, kind = (np.delete(x, at) for x in (remaining, met, talk, kind))
        return person

    for index in order:
        members = list(locked[index])
        if not members and len(remaining):
            # The hardest person first: fewest who share a language, then most already met.
            score = met - len(remaining) * talk + rng.random(len(remaining)) * 0.5
            members.append(take(int(np.argmax(score))))
        while len(members) < sizes[index] and len(remaining):
            pick = _best_candidate(
                members, remaining, meetings, languages, country, experience, rng
            )
            members.append(take(pick))
        built[index] = members
    return [built[i] for i in range(len(sizes))]


def _best_candidate(
    members: list[int],
    remaining: np.ndarray,
    meetings: np.ndarray,
    languages: np.ndarray,
    country: np.ndarray,
    experience: np.ndarray,
    rng: np.random.Generator,
) -> int:
    """Index into `remaining` of the person to add next."""
    group = np.array(members, dtype=np.int64)
    met = meetings[np.ix_(remaining, group)]
    cost = add_cost(met).sum(axis=1) * 1.0
    common = np.bitwise_and.reduce(languages[group])
    cost += LANGUAGE * ((languages[remaining] & common) == 0)
    known = country[group] >= 0
    cost += COUNTRY * (country[remaining][:, None] == country[group][known][None, :]).sum(axis=1)
    cost += EXPERIENCE * (experience[remaining][:, None] == experience[group][None, :]).sum(axis=1)
    lowest = cost.min()
    ties = np.flatnonzero(cost == lowest)
    if len(ties) > 1 and len(remaining) <= FREEDOM_LIMIT:
        free_now = (met == 0).all(axis=1)
        fresh = meetings[np.ix_(remaining, remaining[ties])] == 0
        freedom = (fresh & free_now[:, None]).sum(axis=0)
        ties = ties[freedom == freedom.max()]
    return int(ties[rng.integers(len(ties))])
