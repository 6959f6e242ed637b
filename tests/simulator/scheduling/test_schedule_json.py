"""The schedule JSON: the contract's shape, and a lossless round trip."""

from __future__ import annotations

import json

import pytest

from simulator.scheduling.engine import build_schedule
from simulator.scheduling.model import CaseSpec, Person
from simulator.scheduling.schedule_json import dumps, from_dict, loads, to_dict

PAIR = CaseSpec(
    "pair", (("mediator", "mediator", False), ("a", "party", False), ("b", "party", False)), ("en",)
)


def test_round_trip_keeps_everything() -> None:
    people = [Person(id=f"t{i}", name="T", email=f"t{i}@x.test") for i in range(8)]
    people.append(Person(id="c1", name="C", email="c@x.test", role="coach"))
    schedule = build_schedule(people, 2, [PAIR], group_size=3, seed=7, time_limit=1)
    text = dumps(schedule)
    data = json.loads(text)
    assert data["seed"] == 7
    session = data["rounds"][0]["sessions"][0]
    assert set(session) == {"id", "start", "duration_minutes", "case", "coach", "seats"}
    assert session["start"] == "2026-01-05T12:00:00Z"
    assert session["id"] == "r1-s1"
    assert {
        "repeat_pairs",
        "max_pair_meetings",
        "unassigned",
        "mediator_turns_min",
        "mediator_turns_max",
        "case_repeats",
        "mean_countries_per_session",
        "seconds",
    } <= set(data["metrics"])
    again = loads(text)
    assert again == schedule
    assert dumps(again) == text


def test_a_malformed_schedule_is_refused_with_the_missing_field() -> None:
    data = to_dict(build_schedule([Person(id=f"t{i}") for i in range(3)], 1, [PAIR], group_size=3))
    del data["rounds"][0]["sessions"][0]["seats"]
    with pytest.raises(ValueError, match="seats"):
        from_dict(data)
