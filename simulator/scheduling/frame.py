"""The frame of a round: who comes to which slot, and how many groups of which sizes each slot holds.

Seating comes first among the engine's objectives, so it is settled here, before the search
mixes people: every trainee with a slot inside their availability and enough company there is
seated; the search then only exchanges people, which keeps every slot's group sizes valid.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

import numpy as np

KNOWN_WEIGHT = 1.0
SMALL_BONUS = 2.0
NO_SLOT = "no slot inside availability"
NO_COMPANY = "not enough people available at their slots"
NO_ROOM = "no room in groups of the allowed sizes at their slots"
NO_LANGUAGE = "nobody available at their slots shares a language with them"


@dataclass
class GroupFrame:
    slot: int
    size: int
    label: str | None = None
    case: str | None = None
    locked: list[int] = field(default_factory=list)


@dataclass
class RoundFrame:
    """One round: its slots, who may take which (`feasible`), the groups, and who is left out."""

    round: int
    feasible: np.ndarray
    slot_of: dict[int, int]
    groups: list[GroupFrame]
    unassigned: dict[int, str]


@dataclass(frozen=True)
class Tongues:
    """Who shares a language with whom, worked out per class of people with the same languages."""

    cls: np.ndarray  # person -> class
    talk: np.ndarray  # class x class: some language in common

    @classmethod
    def of(cls, languages: np.ndarray) -> Tongues:
        masks, index = np.unique(languages, return_inverse=True)
        return cls(index.reshape(-1), (masks[:, None] & masks[None, :]) != 0)

    def counts(self, reach: np.ndarray) -> np.ndarray:
        """classes x slots: how many of each class can take each slot."""
        onehot = np.zeros((len(self.cls), len(self.talk)), dtype=np.float64)
        onehot[np.arange(len(self.cls)), self.cls] = 1.0
        return onehot.T @ reach.astype(np.float64)

    def support(self, reach: np.ndarray) -> np.ndarray:
        """people x slots: how many others who can take the slot share a language with them."""
        shared = self.talk[self.cls].astype(np.float64) @ self.counts(reach)
        return shared.astype(np.int64) - reach

    def with_(self, person: int, others: np.ndarray) -> np.ndarray:
        """Whether each of `others` shares a language with `person`."""
        return self.talk[self.cls[person], self.cls[others]]


@dataclass(frozen=True)
class LockSpec:
    """The locks of one group in one round, by person index."""

    label: str
    people: tuple[int, ...]
    slot: int | None
    case: str | None


@cache
def split_sizes(count: int, target: int, allowed: tuple[int, ...]) -> tuple[int, ...] | None:
    """Group sizes for `count` people: all `target` when it divides, else as close as can be."""
    if count == 0:
        return ()
    best: list[tuple[tuple[int, int, int], tuple[int, ...]] | None] = [None] * (count + 1)
    best[0] = ((0, 0, 0), ())
    for n in range(1, count + 1):
        for size in allowed:
            prev = best[n - size] if n >= size else None
            if prev is None:
                continue
            (off, worst, exact), sizes = prev
            gap = abs(size - target)
            score = (off + gap, max(worst, gap), exact - (size == target))
            current = best[n]
            if current is None or score < current[0]:
                best[n] = (score, (*sizes, size))
    found = best[count]
    return None if found is None else tuple(sorted(found[1], reverse=True))


def frame_round(
    round_no: int,
    feasible: np.ndarray,
    target: int,
    allowed: tuple[int, ...],
    locks: list[LockSpec],
    seated_before: np.ndarray,
    rng: np.random.Generator,
    met: np.ndarray | None = None,
    languages: np.ndarray | None = None,
) -> RoundFrame:
    """Seat everyone who can be seated this round and size the groups of every slot.

    Only a few slots open (a greedy cover), so pools stay large. People with the fewest options
    choose first, each weighing how many people a slot can draw and share their language, how
    many of those already there they met in earlier rounds (`met`), and whether a slot with a
    single group needs them for a second one; slots that locks hold fill first.
    """
    n_people, n_slots = feasible.shape
    smallest = min(allowed)
    unassigned: dict[int, str] = {}
    slot_of: dict[int, int] = {}
    locked_slot: dict[int, int] = {}
    for lock in locks:
        slot = lock.slot
        if slot is None:
            votes = feasible[list(lock.people)].sum(axis=0)
            slot = int(np.argmax(votes)) if n_slots else 0
        for person in lock.people:
            locked_slot[person] = slot
    can = feasible.copy()
    for person, slot in locked_slot.items():
        can[person] = False
        can[person, slot] = True
    active = np.array([can[p].any() for p in range(n_people)], dtype=bool)
    for person in np.flatnonzero(~active):
        unassigned[int(person)] = NO_SLOT
    open_slots = np.ones(n_slots, dtype=bool)
    pinned = np.zeros(n_slots, dtype=bool)
    pinned[list(set(locked_slot.values()))] = True
    speaks = None if languages is None else Tongues.of(languages)
    locked = np.zeros(n_people, dtype=bool)
    locked[list(locked_slot)] = True
    lonely: set[int] = set()
    while True:
        reach = can & active[:, None] & open_slots[None, :]
        if speaks is not None:
            # A seat needs enough others at the slot who share a language with the person.
            support = speaks.support(reach)
            short = reach & (support < smallest - 1) & ~locked[:, None]
            crowd = reach.sum(axis=0)[None, :] - reach
            lonely.update(
                int(p) for p in np.flatnonzero((short & (crowd >= smallest - 1)).any(axis=1))
            )
            can &= ~short
            reach &= ~short
        potential = reach.sum(axis=0)
        closing = open_slots & ~pinned & (potential < smallest)
        stranded = active & ~reach.any(axis=1)
        if not closing.any() and not stranded.any():
            break
        open_slots &= ~closing
        for person in np.flatnonzero(active & ~(can & open_slots[None, :]).any(axis=1)):
            active[person] = False
            unassigned[int(person)] = NO_LANGUAGE if person in lonely else NO_COMPANY
    reach = can & active[:, None] & open_slots[None, :]
    reach &= _cover(reach, pinned, rng)[None, :]
    potential = reach.sum(axis=0).astype(float)
    choices = reach.sum(axis=1)
    order = sorted(np.flatnonzero(active), key=lambda p: (choices[p], rng.random()))
    counts = np.zeros(n_slots, dtype=int)
    placed = np.full(n_people, -1, dtype=np.int64)
    pull = np.log1p(potential)
    reach_by_class = None if speaks is None else speaks.counts(reach)
    for person in order:
        options = np.flatnonzero(reach[person])
        score = pull[options] + rng.random(len(options)) * 0.1
        if speaks is not None and reach_by_class is not None and len(options) > 1:
            share = speaks.talk[speaks.cls[person]] @ reach_by_class[:, options]
            score += np.log1p(share)
        if met is not None and len(options) > 1:
            there = placed >= 0
            known = np.bincount(placed[there], weights=met[person, there], minlength=n_slots)
            score -= KNOWN_WEIGHT * np.log1p(known[options])
            # A slot with a single group cannot mix its regulars: help it to a second group.
            small = (counts[options] > 0) & (counts[options] < 2 * target)
            score += SMALL_BONUS * small
        # Slots that locks hold come first until they can form a group.
        score += 10.0 * (pinned[options] & (counts[options] < 2 * target))
        best = options[np.argmax(score)]
        slot_of[int(person)] = int(best)
        placed[person] = best
        counts[best] += 1
    if speaks is not None:
        _repair_languages(slot_of, counts, reach, speaks, smallest, locked_slot, unassigned)
    _repair_counts(slot_of, counts, reach, target, allowed, locked_slot, seated_before, unassigned)
    groups = _groups(slot_of, n_slots, target, allowed, locks)
    return RoundFrame(round_no, feasible, slot_of, groups, unassigned)


def _cover(reach: np.ndarray, pinned: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Few slots that still give everyone one: pools stay large, so groups can keep changing.

    Greedy set cover: open the slot that the most uncovered people can take, until everyone who
    can take a slot has one open (ties at random, so the open slots vary from round to round).
    """
    opened = pinned.copy()
    uncovered = reach.any(axis=1) & ~reach[:, opened].any(axis=1)
    while uncovered.any():
        gain = reach[uncovered].sum(axis=0) + rng.random(reach.shape[1]) * 0.5
        gain[opened] = -1
        opened[int(np.argmax(gain))] = True
        uncovered &= ~reach[:, opened].any(axis=1)
    return opened


def _repair_languages(
    slot_of: dict[int, int],
    counts: np.ndarray,
    reach: np.ndarray,
    speaks: Tongues,
    smallest: int,
    locked_slot: dict[int, int],
    unassigned: dict[int, str],
) -> None:
    """Give everyone enough people at their slot who share a language with them.

    Someone short of such company moves to another of their slots that has it, or brings over
    someone who speaks their language and can come, or, as a last resort, is left out.
    """
    n_slots = reach.shape[1]
    held = set(locked_slot.values())
    where = np.full(len(reach), -1, dtype=np.int64)
    for p, slot in slot_of.items():
        where[p] = slot

    def move(p: int, slot: int) -> None:
        counts[slot_of[p]] -= 1
        counts[slot] += 1
        slot_of[p] = slot
        where[p] = slot

    for _ in range(3):
        changed = False
        for person in sorted(slot_of):
            if person in locked_slot:
                continue
            home = slot_of[person]
            there = where >= 0
            sharers = np.bincount(
                where[there], weights=speaks.with_(person, np.flatnonzero(there)), minlength=n_slots
            )
            sharers[home] -= 1
            if sharers[home] >= smallest - 1 or counts[home] - 1 < smallest - 1:
                continue  # enough company, or too few people at all (the counts repair's job)
            options = [s for s in np.flatnonzero(reach[person]) if sharers[s] >= smallest - 1]
            if options:
                move(person, int(max(options, key=lambda s: sharers[s])))
                changed = True
                continue
            helpers = [
                q
                for q, s in slot_of.items()
                if s != home
                and s not in held
                and q not in locked_slot
                and speaks.talk[speaks.cls[person], speaks.cls[q]]
                and reach[q, home]
            ]
            need = int(smallest - 1 - sharers[home])
            if len(helpers) >= need:
                for q in helpers[:need]:
                    move(q, home)
                changed = True
                continue
            del slot_of[person]
            where[person] = -1
            counts[home] -= 1
            unassigned[person] = NO_LANGUAGE
            changed = True
        if not changed:
            return


def _repair_counts(
    slot_of: dict[int, int],
    counts: np.ndarray,
    reach: np.ndarray,
    target: int,
    allowed: tuple[int, ...],
    locked_slot: dict[int, int],
    seated_before: np.ndarray,
    unassigned: dict[int, str],
) -> None:
    """Move or, as a last resort, leave out people until every slot's count splits into groups."""

    def valid(count: int) -> bool:
        return split_sizes(count, target, allowed) is not None

    for slot in range(len(counts)):
        while not valid(int(counts[slot])):
            movable = [p for p, s in slot_of.items() if s == slot and p not in locked_slot]
            if _pull_in(slot, slot_of, counts, reach, valid, locked_slot):
                continue
            leaver = next(
                (
                    (p, other)
                    for p in movable
                    for other in np.flatnonzero(reach[p])
                    if other != slot and valid(int(counts[other]) + 1)
                ),
                None,
            )
            if leaver is not None:
                person, other = leaver
                slot_of[person] = int(other)
                counts[slot] -= 1
                counts[other] += 1
                continue
            if not movable:
                break
            person = max(movable, key=lambda p: (seated_before[p], p))
            del slot_of[person]
            counts[slot] -= 1
            few = counts[slot] + 1 < min(allowed)
            unassigned[person] = NO_COMPANY if few else NO_ROOM


def _pull_in(
    slot: int,
    slot_of: dict[int, int],
    counts: np.ndarray,
    reach: np.ndarray,
    valid: Callable[[int], bool],
    locked_slot: dict[int, int],
) -> bool:
    """Bring one person over from a slot that stays valid without them.

    Only when one more makes the count valid, or, at a slot that locks hold, while the count is
    below every valid count (then several arrive one by one: locked people cannot leave).
    """
    climb = slot in locked_slot.values() and not any(
        valid(c) for c in range(1, int(counts[slot]) + 1)
    )
    if not (valid(int(counts[slot]) + 1) or climb):
        return False
    held = set(locked_slot.values())
    for person, other in slot_of.items():
        if other == slot or other in held or person in locked_slot or not reach[person, slot]:
            continue
        if valid(int(counts[other]) - 1):
            slot_of[person] = slot
            counts[other] -= 1
            counts[slot] += 1
            return True
    return False


def _groups(
    slot_of: dict[int, int],
    n_slots: int,
    target: int,
    allowed: tuple[int, ...],
    locks: list[LockSpec],
) -> list[GroupFrame]:
    """Groups of each slot, locked groups first (largest sizes to the largest locks)."""
    counts = (
        np.bincount(list(slot_of.values()), minlength=n_slots)
        if slot_of
        else np.zeros(n_slots, dtype=int)
    )
    groups: list[GroupFrame] = []
    for slot in range(n_slots):
        count = int(counts[slot])
        sizes = list(split_sizes(count, target, allowed) or ([count] if count else []))
        here = sorted(
            (lock for lock in locks if lock.people and slot_of.get(lock.people[0]) == slot),
            key=lambda lock: -len(lock.people),
        )
        for lock in here:
            size = sizes.pop(0) if sizes else 0
            if size < len(lock.people):
                size = len(lock.people)
            groups.append(GroupFrame(slot, size, lock.label, lock.case, list(lock.people)))
        groups.extend(GroupFrame(slot, size) for size in sizes)
        _balance_locked_overflow(groups, slot, count)
    return groups


def _balance_locked_overflow(groups: list[GroupFrame], slot: int, count: int) -> None:
    """When a lock made a group larger than planned, take the seats back from unlocked groups."""
    mine = [g for g in groups if g.slot == slot]
    excess = sum(g.size for g in mine) - count
    for group in sorted(mine, key=lambda g: (len(g.locked), -g.size)):
        while excess > 0 and group.size > max(len(group.locked), 1):
            group.size -= 1
            excess -= 1
    for group in [g for g in mine if g.size == 0]:
        groups.remove(group)
