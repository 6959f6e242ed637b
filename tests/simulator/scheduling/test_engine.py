"""build_schedule on chosen inputs: who is left out and why, determinism, history, cases, coaches."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from simulator.scheduling.availability import parse_availability
from simulator.scheduling.engine import FIRST_START, build_schedule
from simulator.scheduling.frame import NO_COMPANY, NO_LANGUAGE, NO_SLOT
from simulator.scheduling.metrics import pair_meetings
from simulator.scheduling.model import CaseSpec, History, Lock, Person, Slot
from simulator.scheduling.schedule_json import dumps

PAIR = CaseSpec(
    "pair", (("mediator", "mediator", False), ("a", "party", False), ("b", "party", False)), ("en",)
)
TRIO = CaseSpec(
    "trio",
    (
        ("mediator", "mediator", False),
        ("a", "party", False),
        ("b", "party", False),
        ("c", "party", True),
    ),
    ("en",),
)
MONDAY = datetime(2027, 3, 8, 17, 0, tzinfo=UTC)


def trainee(
    i: int, availability: str = "", *, languages: tuple[str, ...] = ("en",), country: str = ""
) -> Person:
    return Person(
        id=f"t{i:02d}",
        name=f"T{i}",
        email=f"t{i}@x.test",
        country=country,
        languages=languages,
        availability=parse_availability(availability),
    )


def without_seconds(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if '"seconds"' not in line)


def test_someone_with_no_slot_in_their_availability_is_unassigned_with_that_reason() -> None:
    people = [trainee(i) for i in range(8)] + [trainee(9, "Sat 09:00-10:00")]
    result = build_schedule(people, [Slot(1, MONDAY, 90)], [PAIR], group_size=4, time_limit=1)
    assert [(u.person, u.reason) for u in result.unassigned] == [("t09", NO_SLOT)]
    assert sorted(len(s.seats) for s in result.sessions) == [4, 4]


def test_someone_alone_at_their_only_slot_lacks_company() -> None:
    evening = datetime(2027, 3, 8, 22, 0, tzinfo=UTC)
    people = [trainee(i, "Mon 17:00-19:00") for i in range(6)] + [trainee(7, "Mon 22:00-23:30")]
    slots = [Slot(1, MONDAY, 90), Slot(1, evening, 90)]
    result = build_schedule(people, slots, [PAIR], group_size=3, time_limit=1)
    assert [(u.person, u.reason) for u in result.unassigned] == [("t07", NO_COMPANY)]
    assert all(s.start == MONDAY for s in result.sessions)


def test_a_lone_speaker_of_a_language_is_not_seated_with_strangers_to_it() -> None:
    people = [trainee(i) for i in range(6)] + [trainee(7, languages=("ja",))]
    result = build_schedule(people, 2, [], group_size=3, time_limit=1)
    assert {(u.person, u.reason) for u in result.unassigned} == {("t07", NO_LANGUAGE)}
    assert result.metrics["sessions_without_common_language"] == 0


def test_two_language_groups_are_kept_apart() -> None:
    people = [trainee(i, languages=("es",)) for i in range(6)]
    people += [trainee(i, languages=("zh",)) for i in range(6, 12)]
    result = build_schedule(people, 3, [], group_size=3, seed=4, time_limit=2)
    assert result.metrics["sessions_without_common_language"] == 0
    assert result.metrics["unassigned"] == 0


def test_the_same_seed_gives_the_same_schedule() -> None:
    # A generous limit: the search ends by itself (floor reached, mixing stalled) long before,
    # so a busy machine cannot cut one run shorter than the other.
    people = [trainee(i, country=("KE", "US", "TW")[i % 3]) for i in range(16)]
    runs = [
        dumps(build_schedule(people, 3, [PAIR, TRIO], group_size=4, seed=11, time_limit=120))
        for _ in range(2)
    ]
    assert without_seconds(runs[0]) == without_seconds(runs[1])
    other = dumps(build_schedule(people, 3, [PAIR, TRIO], group_size=4, seed=12, time_limit=120))
    assert without_seconds(other) != without_seconds(runs[0])


def test_rounds_without_slots_start_a_week_apart() -> None:
    result = build_schedule([trainee(i) for i in range(6)], 2, [PAIR], group_size=3, time_limit=1)
    starts = sorted({s.start for s in result.sessions})
    assert starts == [FIRST_START, FIRST_START.replace(day=12)]
    assert result.rounds == (1, 2)


def test_history_is_respected_so_past_pairs_do_not_meet_again() -> None:
    people = [trainee(i) for i in range(9)]
    first = build_schedule(people, 2, [PAIR], group_size=3, seed=1, time_limit=2)
    history = History.from_sessions(first.sessions, [PAIR])
    second = build_schedule(people, 2, [PAIR], group_size=3, seed=2, time_limit=2, history=history)
    trainees = {p.id for p in people}
    met = pair_meetings([*first.sessions, *second.sessions], trainees)
    assert max(met.values()) == 1
    assert first.metrics["repeat_pairs"] == second.metrics["repeat_pairs"] == 0


def test_cases_are_not_given_twice_and_mediator_turns_are_even() -> None:
    cases = [
        CaseSpec(
            f"case-{i}",
            (("m", "mediator", False), ("a", "party", False), ("b", "party", False)),
            ("en",),
        )
        for i in range(10)
    ]
    people = [trainee(i) for i in range(12)]
    result = build_schedule(people, 4, cases, group_size=3, seed=3, time_limit=2)
    assert result.metrics["case_repeats"] == 0
    assert result.metrics["mediator_turns_max"] - result.metrics["mediator_turns_min"] <= 1
    for session in result.sessions:
        assert sorted(seat.role for seat in session.seats) == ["a", "b", "m"]


def test_extra_seats_become_optional_parties_then_observers() -> None:
    result = build_schedule([trainee(i) for i in range(5)], 1, [TRIO], group_size=5, time_limit=1)
    (session,) = result.sessions
    assert sorted(seat.role for seat in session.seats) == ["a", "b", "c", "mediator", "observer"]


def test_a_group_size_no_case_fits_is_refused_clearly() -> None:
    big = CaseSpec(
        "big", (("m", "mediator", False), *((f"p{i}", "party", False) for i in range(5))), ()
    )
    with pytest.raises(ValueError, match="no case can be played by groups of 2 to 4"):
        build_schedule([trainee(i) for i in range(6)], 1, [big], group_size=3)


@pytest.mark.parametrize(
    ("lock", "message"),
    [
        (Lock("t99", 1, "s"), "no trainee has this id"),
        (Lock("t01", 3, "s"), "there is no round 3"),
        (Lock("t01", 1, "s", case="unknown"), "'unknown' is not among the cases"),
        (Lock("t01", 1, "s", case="pair", role="judge"), "case 'pair' has no role 'judge'"),
        (Lock("t01", 1, "s", start=MONDAY), "round 1 has no slot at"),
    ],
)
def test_locks_that_cannot_hold_are_refused(lock: Lock, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_schedule([trainee(i) for i in range(6)], 2, [PAIR], group_size=3, locks=[lock])


def test_coaches_are_free_at_the_time_and_loads_even_out() -> None:
    coaches = [
        Person(
            id="c1",
            name="C1",
            email="c1@x.test",
            role="coach",
            timezone="Europe/Berlin",
            availability=parse_availability("Mon 17:00-20:00"),
        ),
        Person(
            id="c2",
            name="C2",
            email="c2@x.test",
            role="coach",
            timezone="Europe/Berlin",
            availability=parse_availability("Mon 17:00-20:00"),
        ),
        Person(
            id="c3",
            name="C3",
            email="c3@x.test",
            role="coach",
            timezone="Europe/Berlin",
            availability=parse_availability("Tue 09:00-10:00"),
        ),
    ]
    people = [trainee(i) for i in range(9)] + coaches
    result = build_schedule(people, [Slot(1, MONDAY, 90)], [PAIR], group_size=3, time_limit=1)
    assigned = [s.coach for s in result.sessions]
    assert sorted(c for c in assigned if c) == ["c1", "c2"]
    assert assigned.count(None) == 1
    assert result.metrics["sessions_without_coach"] == 1


@pytest.mark.parametrize("spec", ["5-3-7", "6-3-7", "8-4-7"])
def test_small_social_golfer_instances_reach_zero_repeats_by_search(spec: str) -> None:
    groups, size, rounds = (int(x) for x in spec.split("-"))
    people = [trainee(i) for i in range(groups * size)]
    result = build_schedule(
        people, rounds, [], group_size=size, seed=0, time_limit=60, use_designs=False
    )
    assert result.metrics["repeat_pairs"] == 0  # speed is measured by bench/scheduler.py


def test_at_the_ceiling_a_design_is_relabelled_onto_the_cohort() -> None:
    people = [trainee(i) for i in range(27)]
    result = build_schedule(people, 13, [], group_size=3, seed=5, time_limit=5)
    assert result.metrics["repeat_pairs"] == 0
    assert result.metrics["repeats_over_bound"] == 0


@pytest.mark.parametrize("seed", [1, 2])
def test_32_people_in_groups_of_4_go_10_rounds_without_meeting_twice(seed: int) -> None:
    people = [trainee(i) for i in range(32)]
    result = build_schedule(people, 10, [], group_size=4, seed=seed, time_limit=5)
    assert result.metrics["repeat_pairs"] == 0 and result.metrics["max_pair_meetings"] == 1
