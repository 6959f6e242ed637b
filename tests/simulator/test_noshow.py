"""No-show recovery plans: the least disturbing way to let a short session run."""

from __future__ import annotations

from simulator.noshow import Group, SeatState, propose


def seat(pid, role="observer", kind="observer", present=True, optional=False):
    return SeatState(pid, f"P{pid}", role, kind, role.title(), optional, present)


def group(sid, *seats, coach=None, start="t1"):
    return Group(sid, start, f"Session {sid}", tuple(seats), coach, "Coach C" if coach else "")


def test_everyone_here_needs_no_plan():
    g = group(1, seat(1, "med", "mediator"), seat(2, "a", "party"), seat(3, "b", "party"))
    assert propose(g) is None


def test_an_absent_observer_is_not_missed():
    g = group(1, seat(1, "med", "mediator"), seat(2, "a", "party"), seat(3, present=False))
    assert propose(g) is None


def test_an_observer_steps_in_for_a_missing_party():
    g = group(
        1,
        seat(1, "med", "mediator"),
        seat(2, "a", "party", present=False),
        seat(3, "b", "party"),
        seat(4),
    )
    plan = propose(g)
    assert plan.kind == "observer-steps-in"
    moves = {(m.person_id, m.role_id) for m in plan.moves}
    assert moves == {(4, "a"), (2, "observer")}
    assert set(plan.told) == {2, 4}
    assert "P4 (observer) plays A instead of P2." in plan.steps


def test_a_missing_mediator_comes_first_for_the_only_observer():
    g = group(
        1,
        seat(1, "med", "mediator", present=False),
        seat(2, "a", "party", present=False, optional=True),
        seat(3, "b", "party"),
        seat(4),
    )
    plan = propose(g)
    assert (4, "med") in {(m.person_id, m.role_id) for m in plan.moves}
    assert any("optional party" in s for s in plan.steps)


def test_a_missing_optional_party_means_the_variant_with_fewer_parties():
    g = group(
        1,
        seat(1, "med", "mediator"),
        seat(2, "a", "party"),
        seat(3, "b", "party"),
        seat(4, "c", "party", present=False, optional=True),
    )
    plan = propose(g)
    assert plan.kind == "fewer-parties" and plan.cancel is None
    assert {(m.person_id, m.role_id) for m in plan.moves} == {(4, "observer")}


def test_two_short_groups_at_the_same_time_merge():
    short = group(
        1, seat(1, "med", "mediator"), seat(2, "a", "party"), seat(3, "b", "party", present=False)
    )
    other = group(
        2,
        seat(4, "med", "mediator"),
        seat(5, "a", "party", present=False),
        seat(6, "b", "party", present=False),
    )
    later = group(3, seat(7, "med", "mediator"), seat(8, "a", "party", present=False), start="t2")
    plan = propose(short, [short, other, later])
    assert plan.kind == "merge" and plan.cancel == 2
    moves = {(m.person_id, m.session_id, m.role_id) for m in plan.moves}
    assert (4, 1, "b") in moves  # the present mediator of session 2 plays the missing party
    assert (3, 1, "observer") in moves
    assert {(5, 1, "observer"), (6, 1, "observer")} <= moves  # late arrivals still have a seat
    assert 7 not in {m.person_id for m in plan.moves}  # another time is never merged


def test_the_coach_plays_one_missing_party_when_nothing_else_works():
    g = group(
        1,
        seat(1, "med", "mediator"),
        seat(2, "a", "party"),
        seat(3, "b", "party", present=False),
        coach=9,
    )
    plan = propose(g, [g])
    assert plan.kind == "coach-plays" and plan.coach_plays == ("B",)
    assert "Coach C plays B." in plan.steps


def test_no_plan_is_possible_says_what_to_do():
    g = group(1, seat(1, "med", "mediator"), seat(2, "a", "party", present=False))
    plan = propose(g, [g])
    assert not plan.possible
    assert "schedule page" in plan.steps[0]


def test_the_key_changes_when_the_room_changes():
    base = [seat(1, "med", "mediator"), seat(2, "a", "party", present=False), seat(3), seat(4)]
    one = propose(group(1, *base))
    two = propose(group(1, *base[:2], seat(3, present=False), seat(4)))
    assert one.key != two.key
    assert one.key == propose(group(1, *base)).key
