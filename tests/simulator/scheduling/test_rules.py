"""Hard rules, checked over random inputs by a checker written apart from the engine."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from simulator.scheduling.availability import parse_availability
from simulator.scheduling.engine import build_schedule
from simulator.scheduling.frame import NO_SLOT
from simulator.scheduling.model import CaseSpec, Lock, Person, Schedule, Slot

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def inside(person: Person, start: datetime, minutes: int) -> bool:
    """Brute force: every minute of the session falls in one window, read on a wall clock."""
    if not person.availability:
        return True
    zone = ZoneInfo(person.timezone)
    for window in person.availability:
        ok = True
        for step in range(0, minutes + 1, 5):
            wall = (start + timedelta(minutes=step)).astimezone(zone)
            minute = wall.hour * 60 + wall.minute
            day = wall.weekday()
            today = day == window.day and window.start <= minute <= window.end
            overnight = (day - 1) % 7 == window.day and minute + 1440 <= window.end
            if not (today or overnight):
                ok = False
                break
        if ok:
            return True
    return False


def check(
    schedule: Schedule,
    people: list[Person],
    slots: list[Slot] | None,
    cases: list[CaseSpec],
    group_size: int,
    locks: Sequence[Lock] = (),
) -> list[str]:
    """Every broken rule, as text (empty when the schedule keeps them all)."""
    problems: list[str] = []
    roster = {p.id: p for p in people}
    by_case = {c.id: c for c in cases}
    seats_per_round: Counter[tuple[int, str]] = Counter()
    at_start: dict[tuple[int, datetime], list[int]] = defaultdict(list)
    coach_busy: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    for s in schedule.sessions:
        for seat in s.seats:
            seats_per_round[s.round, seat.person] += 1
            if roster[seat.person].is_coach:
                problems.append(f"{s.id}: coach {seat.person} holds a seat")
        at_start[s.round, s.start].append(len(s.seats))
        if slots is not None:
            if not any(
                x.round == s.round
                and x.start == s.start
                and x.duration_minutes == s.duration_minutes
                for x in slots
            ):
                problems.append(f"{s.id}: not at a slot of round {s.round}")
            for pid in s.people:
                if not inside(roster[pid], s.start, s.duration_minutes):
                    problems.append(f"{s.id}: {pid} is not available then")
        if cases:
            case = by_case.get(s.case or "")
            if case is None:
                problems.append(f"{s.id}: unknown case {s.case}")
                continue
            roles = Counter(seat.role for seat in s.seats)
            known = {rid for rid, _, _ in case.roles}
            for role, n in roles.items():
                if role != "observer" and (role not in known or n > 1):
                    problems.append(f"{s.id}: role {role} x{n} not valid for {case.id}")
            for rid, kind, optional in case.roles:
                if kind == "mediator" and not roles[rid]:
                    problems.append(f"{s.id}: no mediator")
                if kind == "party" and not optional and not roles[rid]:
                    problems.append(f"{s.id}: required party {rid} missing")
        langs = [set(roster[p].languages) for p in s.people]
        if not set.intersection(*langs):
            problems.append(f"{s.id}: no common language")
        if s.coach:
            coach = roster[s.coach]
            if slots is not None and not inside(coach, s.start, s.duration_minutes):
                problems.append(f"{s.id}: coach {s.coach} not available")
            end = s.start + timedelta(minutes=s.duration_minutes)
            for a, b in coach_busy[s.coach]:
                if s.start < b and a < end:
                    problems.append(f"{s.id}: coach {s.coach} booked twice")
            coach_busy[s.coach].append((s.start, end))
    for (round_no, pid), n in seats_per_round.items():
        if n > 1:
            problems.append(f"round {round_no}: {pid} seated {n} times")
    for (round_no, start), sizes in at_start.items():
        total = sum(sizes)
        if any(abs(size - group_size) > 1 for size in sizes):
            problems.append(f"round {round_no} {start}: sizes {sizes} stray from {group_size}")
        if total % group_size == 0 and any(size != group_size for size in sizes):
            problems.append(f"round {round_no} {start}: {total} people but sizes {sizes}")
    for u in schedule.unassigned:
        if seats_per_round[u.round, u.person]:
            problems.append(f"round {u.round}: {u.person} both seated and unassigned")
    for lock in locks:
        mine = [s for s in schedule.sessions if s.round == lock.round and lock.person in s.people]
        if not mine:
            problems.append(f"lock {lock}: not seated")
            continue
        session = mine[0]
        mates = [x.person for x in locks if x.round == lock.round and x.session == lock.session]
        if any(m not in session.people for m in mates):
            problems.append(f"lock {lock}: separated from its session")
        if lock.start is not None and session.start != lock.start:
            problems.append(f"lock {lock}: moved to {session.start}")
        if (
            lock.role is not None
            and dict((x.person, x.role) for x in session.seats)[lock.person] != lock.role
        ):
            problems.append(f"lock {lock}: role not kept")
        if lock.case is not None and session.case != lock.case:
            problems.append(f"lock {lock}: case not kept")
    return problems


# ----- random inputs -------------------------------------------------------------------------

ZONES = ("Africa/Nairobi", "America/New_York", "Asia/Taipei", "Australia/Sydney", "Europe/Berlin")
WINDOWS = (
    "",
    "Mon-Fri 18:00-22:00",
    "Tue,Thu 07:00-10:00; Sat 09:00-13:00",
    "Mon-Sun 12:00-23:00",
    "Fri 22:00-01:00; Sun 08:00-12:00",
)
CASES = [
    CaseSpec(
        "pair",
        (("mediator", "mediator", False), ("a", "party", False), ("b", "party", False)),
        ("en",),
    ),
    CaseSpec(
        "trio",
        (
            ("m", "mediator", False),
            ("a", "party", False),
            ("b", "party", False),
            ("c", "party", True),
            ("watch", "observer", False),
        ),
        ("en", "es"),
    ),
]


@st.composite
def cohorts(draw: st.DrawFn) -> tuple[list[Person], list[Slot], int, int]:
    n = draw(st.integers(5, 26))
    people = []
    for i in range(n + draw(st.integers(0, 3))):
        coach = i >= n
        extra = draw(st.sampled_from(((), ("es",), ("sw",), ("zh", "es"))))
        people.append(
            Person(
                id=f"{'c' if coach else 't'}{i:02d}",
                name=f"P{i}",
                email=f"p{i}@x.test",
                role="coach" if coach else "trainee",
                timezone=draw(st.sampled_from(ZONES)),
                country=draw(st.sampled_from(("KE", "US", "TW", "AU", "DE", ""))),
                languages=("en", *extra),
                experience=draw(st.sampled_from(("new", "intermediate", "advanced"))),
                availability=parse_availability(draw(st.sampled_from(WINDOWS))),
            )
        )
    rounds = draw(st.integers(1, 3))
    hours = draw(st.lists(st.integers(0, 23), min_size=1, max_size=3, unique=True))
    base = datetime(2027, 3, 8, tzinfo=UTC)
    slots = [
        Slot(r, base + timedelta(days=7 * (r - 1) + draw(st.integers(0, 6)), hours=h), 90)
        for r in range(1, rounds + 1)
        for h in hours
    ]
    slots = list({(s.round, s.start): s for s in slots}.values())
    return people, slots, draw(st.integers(3, 5)), draw(st.integers(0, 5))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cohorts())
def test_random_cohorts_keep_every_hard_rule(
    data: tuple[list[Person], list[Slot], int, int],
) -> None:
    people, slots, group_size, seed = data
    result = build_schedule(people, slots, CASES, group_size=group_size, seed=seed, time_limit=0.3)
    assert check(result, people, slots, CASES, group_size) == []
    seated = {(s.round, p) for s in result.sessions for p in s.people}
    left = {(u.round, u.person) for u in result.unassigned}
    trainees = [p.id for p in people if not p.is_coach]
    rounds = {s.round for s in slots}
    assert seated | left == {(r, p) for r in rounds for p in trainees}
    for u in result.unassigned:
        if u.reason == NO_SLOT:
            person = next(p for p in people if p.id == u.person)
            assert not any(inside(person, s.start, 90) for s in slots if s.round == u.round)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(cohorts(), st.data())
def test_locks_are_honoured(
    data: tuple[list[Person], list[Slot], int, int], draw: st.DataObject
) -> None:
    people, slots, group_size, seed = data
    slot = draw.draw(st.sampled_from(slots))
    can_come = [p for p in people if not p.is_coach and inside(p, slot.start, 90)]
    assume(len(can_come) >= group_size + 1)
    chosen = draw.draw(st.lists(st.sampled_from(can_come), min_size=1, max_size=3, unique=True))
    locks = [Lock(p.id, slot.round, "kept", start=slot.start) for p in chosen]
    locks[0] = Lock(
        chosen[0].id, slot.round, "kept", start=slot.start, role="mediator", case="pair"
    )
    result = build_schedule(
        people, slots, CASES, group_size=group_size, seed=seed, time_limit=0.3, locks=locks
    )
    assert check(result, people, slots, CASES, group_size, locks) == []
