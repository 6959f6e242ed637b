"""`build_schedule`: seat, group, cast and coach a cohort round after round.

Order of work, which is the order of the objectives:
1. frame each round (frame.py): who takes which slot, how many groups of which sizes, and who
   cannot be seated and why;
2. group people: a known design when the input is the pure problem (designs.py), else a greedy
   start (greedy.py), then tabu search over exchanges (search.py) against repeats, groups without
   a common language, and groups of one country or one experience level;
3. pick cases and deal roles with mediator turns kept even (roles.py);
4. give each session a free coach, loads balanced (coaches.py).

The result is deterministic for a seed as long as the search ends before the time limit (it
stops by itself once no pair repeats and mixing no longer improves); a search cut short by the
limit returns the best schedule found by then.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from math import comb

import numpy as np

from simulator.scheduling.availability import fits
from simulator.scheduling.coaches import Need, assign_coaches
from simulator.scheduling.designs import parallel_classes
from simulator.scheduling.frame import LockSpec, RoundFrame, frame_round
from simulator.scheduling.greedy import greedy_groups
from simulator.scheduling.metrics import compute_metrics
from simulator.scheduling.model import (
    CaseSpec,
    History,
    Lock,
    Person,
    Schedule,
    Seat,
    Session,
    Slot,
    Unassigned,
)
from simulator.scheduling.roles import Table, deal, fitting_sizes
from simulator.scheduling.search import REPEAT, Problem, Search

FIRST_START = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
DEFAULT_MINUTES = 90

Progress = Callable[[float, str], None]


def nominal_slots(
    rounds: int, *, first_start: datetime = FIRST_START, minutes: int = DEFAULT_MINUTES
) -> tuple[Slot, ...]:
    """One slot per round when no slots are given: round r starts 7(r-1) days after the first."""
    return tuple(
        Slot(r, first_start + timedelta(days=7 * (r - 1)), minutes) for r in range(1, rounds + 1)
    )


def build_schedule(
    people: Sequence[Person],
    slots_or_rounds: Sequence[Slot] | int,
    cases: Iterable[CaseSpec] = (),
    *,
    group_size: int,
    seed: int = 0,
    time_limit: float = 10.0,
    history: History | None = None,
    locks: Iterable[Lock] = (),
    progress: Progress | None = None,
    first_start: datetime = FIRST_START,
    use_designs: bool = True,
    anytime: bool | None = None,
) -> Schedule:
    """Mix the trainees of `people` into groups for every round; coaches coach.

    `slots_or_rounds` is either the candidate slots (each with its round number) or a number of
    rounds, in which case every round has one slot that everybody can take, starting at
    `first_start` (Monday 5 January 2026, 12:00 UTC, by default) plus seven days per round.
    `use_designs` lets a known repeat-free design seed the search when the input is the pure
    problem (one open slot per round, equal groups, no history, no locks).
    `anytime` overrides whether availability windows are ignored (by default they are only for
    a number of rounds): a re-run of nominal rounds keeps seating everybody.
    Raises ValueError for input the engine cannot work with (a group size no case fits, a lock
    naming someone not in the roster or a slot that does not exist).
    """
    started = time.monotonic()
    deadline = started + max(time_limit, 0.0)
    report = progress or (lambda fraction, message: None)
    rng = np.random.default_rng(seed)
    case_list = list(cases)
    history = history or History()
    if isinstance(slots_or_rounds, int):
        slots = nominal_slots(slots_or_rounds, first_start=first_start)
    else:
        slots = tuple(slots_or_rounds)
    if anytime is None:
        anytime = isinstance(slots_or_rounds, int)
    trainees = [p for p in people if not p.is_coach]
    coaches = [p for p in people if p.is_coach]
    index = {p.id: i for i, p in enumerate(trainees)}
    if group_size < 2:
        raise ValueError("the group size must be at least 2")
    allowed = allowed_sizes(group_size, case_list)
    round_numbers = sorted({s.round for s in slots})
    by_round = {r: [s for s in slots if s.round == r] for r in round_numbers}
    lock_specs = _lock_specs(list(locks), index, by_round, {c.id: c for c in case_list})

    report(0.0, "reading availability")
    arrays = _arrays(trainees, history, index)
    frames: list[RoundFrame] = []
    first: list[list[list[int]]] = []
    seated = np.zeros(len(trainees), dtype=np.int64)
    running = arrays.meetings.copy()
    for r in round_numbers:
        feasible = feasibility(trainees, by_round[r], anytime)
        locks_here = lock_specs.get(r, [])
        frame = frame_round(
            r, feasible, group_size, allowed, locks_here, seated, rng, running > 0, arrays.languages
        )
        for person in frame.slot_of:
            seated[person] += 1
        frames.append(frame)
        first.append(_greedy_round(frame, running, arrays, rng))
        for members in first[-1]:
            idx = np.array(members, dtype=np.int64)
            running[np.ix_(idx, idx)] += 1
        np.fill_diagonal(running, 0)

    report(0.05, "forming groups")
    pure = _is_pure(frames, len(trainees), history) is not None
    if pure and use_designs:
        design = _design_start(frames, len(trainees), rng)
        first[: len(design)] = design
    floor = REPEAT * _pure_bound(frames, len(trainees)) if pure else 0
    groups = first
    if trainees:
        search = Search(_problem(arrays, frames, first), rng, floor=floor)
        # Keep a little of the time limit for casting roles and coaches after the search.
        search.run(
            deadline - min(0.5, 0.05 * time_limit),
            progress=lambda f: report(0.05 + 0.9 * f, "mixing groups"),
        )
        groups = search.groups()

    report(0.95, "casting roles and coaches")
    sessions = _sessions(
        frames, groups, by_round, trainees, coaches, case_list, history, list(locks), anytime, rng
    )
    unassigned = tuple(
        Unassigned(frame.round, trainees[p].id, reason)
        for frame in frames
        for p, reason in sorted(frame.unassigned.items())
    )
    metrics = compute_metrics(
        sessions,
        list(unassigned),
        people,
        case_list,
        seconds=time.monotonic() - started,
        history=history,
        anytime=anytime,
    )
    report(1.0, "done")
    return Schedule(seed, tuple(round_numbers), tuple(sessions), unassigned, metrics)


def allowed_sizes(group_size: int, cases: list[CaseSpec]) -> tuple[int, ...]:
    near = tuple(s for s in (group_size - 1, group_size, group_size + 1) if s >= 2)
    allowed = fitting_sizes(cases, near)
    if not allowed:
        smallest = min(c.min_size for c in cases)
        raise ValueError(
            f"no case can be played by groups of {near[0]} to {near[-1]}: the smallest case"
            f" needs {smallest} people (a mediator and its required parties); raise the group size"
        )
    return allowed


def feasibility(trainees: list[Person], slots: list[Slot], anytime: bool) -> np.ndarray:
    """people x slots: whether each can take each slot (people sharing windows and zone share
    one computation)."""
    if anytime:
        return np.ones((len(trainees), len(slots)), dtype=bool)
    rows: dict[tuple[object, ...], np.ndarray] = {}
    out = np.zeros((len(trainees), len(slots)), dtype=bool)
    for i, p in enumerate(trainees):
        key = (p.availability, p.timezone)
        if key not in rows:
            rows[key] = np.array(
                [fits(p.availability, p.timezone, s.start, s.duration_minutes) for s in slots],
                dtype=bool,
            )
        out[i] = rows[key]
    return out


def _lock_specs(
    locks: list[Lock],
    index: dict[str, int],
    by_round: dict[int, list[Slot]],
    cases: dict[str, CaseSpec],
) -> dict[int, list[LockSpec]]:
    """Locks grouped by round and session, checked against the roster, slots and cases."""
    grouped: dict[tuple[int, str], list[Lock]] = {}
    for lock in locks:
        if lock.person not in index:
            raise ValueError(f"lock for '{lock.person}': no trainee has this id")
        if lock.round not in by_round:
            raise ValueError(f"lock for '{lock.person}': there is no round {lock.round}")
        if lock.case is not None and lock.case not in cases:
            raise ValueError(f"lock for '{lock.person}': '{lock.case}' is not among the cases")
        case = cases.get(lock.case) if lock.case else None
        if case and lock.role and lock.role not in {r for r, _, _ in case.roles} | {"observer"}:
            raise ValueError(
                f"lock for '{lock.person}': case '{case.id}' has no role '{lock.role}'"
            )
        grouped.setdefault((lock.round, lock.session), []).append(lock)
    specs: dict[int, list[LockSpec]] = {}
    for (round_no, label), members in grouped.items():
        starts = {lock.start for lock in members if lock.start is not None}
        cases = {lock.case for lock in members if lock.case is not None}
        if len(starts) > 1 or len(cases) > 1:
            raise ValueError(
                f"locks of session '{label}' in round {round_no} disagree on time or case"
            )
        slot = None
        if starts:
            start = starts.pop()
            slot = next((i for i, s in enumerate(by_round[round_no]) if s.start == start), None)
            if slot is None:
                raise ValueError(
                    f"locks of session '{label}': round {round_no} has no slot at {start.isoformat()}"
                )
        people = tuple(dict.fromkeys(index[lock.person] for lock in members))
        specs.setdefault(round_no, []).append(
            LockSpec(label, people, slot, cases.pop() if cases else None)
        )
    return specs


@dataclass(frozen=True)
class Arrays:
    """Trainee attributes as numpy arrays for the grouping code."""

    meetings: np.ndarray
    languages: np.ndarray
    country: np.ndarray
    experience: np.ndarray
    diversity: bool


def _arrays(trainees: list[Person], history: History, index: dict[str, int]) -> Arrays:
    n = len(trainees)
    meetings = np.zeros((n, n), dtype=np.int64)
    for (a, b), count in history.pair_meetings.items():
        if a in index and b in index and a != b:
            meetings[index[a], index[b]] += count
            meetings[index[b], index[a]] += count
    codes = sorted({lang for p in trainees for lang in p.languages})
    bits = {lang: i for i, lang in enumerate(codes[:63])}
    languages = np.array(
        [sum(1 << bits[lang] for lang in p.languages if lang in bits) or -1 for p in trainees],
        dtype=np.int64,
    )
    names = sorted({p.country.strip().lower() for p in trainees if p.country.strip()})
    countries = {c: i for i, c in enumerate(names)}
    country = np.array(
        [countries.get(p.country.strip().lower(), -1) for p in trainees], dtype=np.int64
    )
    levels = {e: i for i, e in enumerate(sorted({p.experience for p in trainees}))}
    experience = np.array([levels[p.experience] for p in trainees], dtype=np.int64)
    diversity = len(countries) > 1 or len(levels) > 1
    return Arrays(meetings, languages, country, experience, diversity)


def _greedy_round(
    frame: RoundFrame, running: np.ndarray, arrays: Arrays, rng: np.random.Generator
) -> list[list[int]]:
    """The greedy first grouping of one round, slot by slot, in the frame's group order."""
    groups: list[list[int]] = [[] for _ in frame.groups]
    for slot in range(frame.feasible.shape[1]):
        here = [i for i, g in enumerate(frame.groups) if g.slot == slot]
        if not here:
            continue
        people = [p for p, s in frame.slot_of.items() if s == slot]
        built = greedy_groups(
            people,
            [frame.groups[i].size for i in here],
            [list(frame.groups[i].locked) for i in here],
            running,
            arrays.languages,
            arrays.country,
            arrays.experience,
            rng,
        )
        for i, members in zip(here, built, strict=True):
            groups[i] = members
    return groups


def _problem(arrays: Arrays, frames: list[RoundFrame], first: list[list[list[int]]]) -> Problem:
    """The search's input: the first grouping and what constrains it."""
    n = len(arrays.languages)
    fixed = []
    for frame in frames:
        mask = np.zeros(n, dtype=bool)
        for group in frame.groups:
            mask[group.locked] = True
        fixed.append(mask)
    return Problem(
        meetings=arrays.meetings,
        languages=arrays.languages,
        country=arrays.country,
        experience=arrays.experience,
        groups=first,
        group_slot=[[g.slot for g in frame.groups] for frame in frames],
        feasible=[frame.feasible for frame in frames],
        fixed=fixed,
        diversity=arrays.diversity,
    )


def _is_pure(frames: list[RoundFrame], n: int, history: History) -> int | None:
    """The group size when every round seats everyone in one slot in equal groups, else None."""
    if history.pair_meetings or not frames or n < 2:
        return None
    sizes = {g.size for frame in frames for g in frame.groups}
    if len(sizes) != 1:
        return None
    for frame in frames:
        if frame.feasible.shape[1] != 1 or len(frame.slot_of) != n:
            return None
        if any(g.locked for g in frame.groups):
            return None
    return sizes.pop()


def _design_start(
    frames: list[RoundFrame], n: int, rng: np.random.Generator
) -> list[list[list[int]]]:
    """Rounds of a known repeat-free design, relabelled at random (none if none is known)."""
    size = frames[0].groups[0].size
    classes = parallel_classes(n, size)
    if len(classes) < 2:
        return []
    label = rng.permutation(n)
    order = rng.permutation(len(classes))
    return [[[int(label[p]) for p in block] for block in classes[i]] for i in order[: len(frames)]]


def _pure_bound(frames: list[RoundFrame], n: int) -> int:
    slots = sum(comb(g.size, 2) for frame in frames for g in frame.groups)
    return max(0, slots - comb(n, 2))


def _sessions(
    frames: list[RoundFrame],
    groups: list[list[list[int]]],
    by_round: dict[int, list[Slot]],
    trainees: list[Person],
    coaches: list[Person],
    cases: list[CaseSpec],
    history: History,
    locks: list[Lock],
    anytime: bool,
    rng: np.random.Generator,
) -> list[Session]:
    """Cases, roles and coaches for every group, as sessions ordered by round, time and id."""
    locked_roles = {(lock.round, lock.person): lock.role for lock in locks if lock.role}
    tables: list[Table] = []
    where: list[tuple[int, Slot]] = []
    for frame, round_groups in zip(frames, groups, strict=True):
        slots = by_round[frame.round]
        order = sorted(
            range(len(round_groups)), key=lambda g: (slots[frame.groups[g].slot].start, g)
        )
        for g in order:
            members = [trainees[p].id for p in round_groups[g]]
            if not members:
                continue
            spoken = [set(trainees[p].languages) for p in round_groups[g]]
            tables.append(
                Table(
                    round=frame.round,
                    members=members,
                    languages=frozenset(set.intersection(*spoken)),
                    locked_case=frame.groups[g].case,
                    locked_roles={
                        m: locked_roles[frame.round, m]
                        for m in members
                        if (frame.round, m) in locked_roles
                    },
                )
            )
            where.append((frame.round, slots[frame.groups[g].slot]))
    turns = dict(history.mediator_turns)
    had = {p: set(c) for p, c in history.cases.items()}
    deal(tables, cases, turns, had, rng)
    needs = [
        Need(slot.start, slot.duration_minutes, t.languages, anytime)
        for t, (_, slot) in zip(tables, where, strict=True)
    ]
    chosen = assign_coaches(needs, coaches, {}, rng)
    by_id = {c.id: c for c in cases}
    sessions: list[Session] = []
    counter: dict[int, int] = {}
    for table, (round_no, slot), coach in zip(tables, where, chosen, strict=True):
        counter[round_no] = counter.get(round_no, 0) + 1
        case = by_id.get(table.case) if table.case else None
        rank = {rid: i for i, (rid, _, _) in enumerate(case.roles)} if case else {"mediator": 0}
        members = sorted(table.members, key=lambda m: rank.get(table.roles[m], len(rank)))
        sessions.append(
            Session(
                id=f"r{round_no}-s{counter[round_no]}",
                round=round_no,
                start=slot.start,
                duration_minutes=slot.duration_minutes,
                case=table.case,
                coach=coach,
                seats=tuple(Seat(m, table.roles[m]) for m in members),
            )
        )
    return sessions
