"""The room's rules, as pure functions over plain state."""

from __future__ import annotations

import pytest

from simulator.errors import BadRequest, Forbidden
from simulator.rooms import state as rules
from simulator.rooms.state import MINUTE_MS, Kind, Member, RoomState

MEDIATOR, BAKER, NEIGHBOUR, LANDLORD, OBSERVER, COACH, STAFF = 1, 2, 3, 4, 5, 10, 20


def room(now: int = 0) -> RoomState:
    members = [
        Member(MEDIATOR, "Mo", "mo@x.org", Kind.TRAINEE, "mediator", "mediator", "The mediator"),
        Member(BAKER, "Ba", "ba@x.org", Kind.TRAINEE, "baker", "party", "The baker"),
        Member(NEIGHBOUR, "Ne", "ne@x.org", Kind.TRAINEE, "neighbour", "party", "The neighbour"),
        Member(LANDLORD, "La", "la@x.org", Kind.TRAINEE, "landlord", "party", "The landlord"),
        Member(OBSERVER, "Ob", "ob@x.org", Kind.TRAINEE, "observer", "observer", "Observer"),
        Member(COACH, "Co", "co@x.org", Kind.COACH),
    ]
    state = RoomState.open(7, 60, members, now)
    for member in members:
        rules.join(state, member.person_id, "w1", f"c{member.person_id}", now)
    return state


def test_open_room_starts_in_preparation_with_its_share_of_time():
    state = room(now=1_000)
    assert state.phase == "preparation" and state.deadline == 1_000 + 6 * MINUTE_MS


def test_mediator_advances_phases_in_order_and_parties_cannot():
    state = room()
    with pytest.raises(Forbidden):
        rules.advance_phase(state, BAKER, 5)
    rules.advance_phase(state, MEDIATOR, 5)
    assert state.phase == "opening" and state.deadline == 5 + 6 * MINUTE_MS
    with pytest.raises(Forbidden, match="earlier phase"):
        rules.advance_phase(state, MEDIATOR, 6, "preparation")
    rules.advance_phase(state, COACH, 7, "preparation")  # a coach may go back
    assert state.phase == "preparation"
    with pytest.raises(BadRequest, match="Unknown phase"):
        rules.advance_phase(state, COACH, 8, "lunch")


def test_only_guides_extend_time_within_limits():
    state = room()
    deadline = state.deadline
    with pytest.raises(Forbidden):
        rules.extend_phase(state, MEDIATOR, 5)
    rules.extend_phase(state, COACH, 5)
    assert state.deadline == deadline + 5 * MINUTE_MS
    with pytest.raises(BadRequest):
        rules.extend_phase(state, COACH, 0)


def test_caucus_walls_media_both_ways_and_guides_hear_everyone():
    state = room()
    rules.advance_phase(state, MEDIATOR, 1, "joint")
    rules.open_caucus(state, MEDIATOR, [BAKER], 2)
    assert state.caucus.members == [MEDIATOR, BAKER]
    assert state.may_exchange_media(MEDIATOR, BAKER) and state.may_exchange_media(BAKER, MEDIATOR)
    for outsider in (NEIGHBOUR, LANDLORD, OBSERVER):
        assert not state.may_exchange_media(BAKER, outsider)
        assert not state.may_exchange_media(MEDIATOR, outsider)
        assert not state.may_exchange_media(outsider, BAKER)
        assert state.may_exchange_media(NEIGHBOUR, outsider) or outsider == NEIGHBOUR
    assert state.may_exchange_media(BAKER, COACH)  # the coach observes the caucus
    assert not state.may_exchange_media(COACH, BAKER)  # and is silent until the debrief
    rules.close_caucus(state, MEDIATOR)
    assert state.may_exchange_media(BAKER, NEIGHBOUR)


def test_caucus_rules():
    state = room()
    with pytest.raises(BadRequest, match="during preparation"):
        rules.open_caucus(state, MEDIATOR, [BAKER], 1)
    rules.advance_phase(state, MEDIATOR, 1, "joint")
    with pytest.raises(Forbidden):
        rules.open_caucus(state, BAKER, [NEIGHBOUR], 1)
    with pytest.raises(BadRequest, match="parties only"):
        rules.open_caucus(state, MEDIATOR, [OBSERVER], 1)
    with pytest.raises(BadRequest, match="joint session"):
        rules.open_caucus(state, MEDIATOR, [BAKER, NEIGHBOUR, LANDLORD], 1)
    rules.open_caucus(state, MEDIATOR, [BAKER, LANDLORD], 1)  # one side of several parties
    assert state.in_caucus(LANDLORD) and not state.in_caucus(NEIGHBOUR)
    rules.advance_phase(state, MEDIATOR, 2, "debrief")
    assert state.caucus is None  # the debrief brings everyone back
    assert state.may_exchange_media(COACH, BAKER)  # and the coach's voice in


def test_caucus_chat_stays_inside_even_after_it_closes():
    state = room()
    rules.advance_phase(state, MEDIATOR, 1, "joint")
    rules.open_caucus(state, MEDIATOR, [BAKER], 1)
    secret = rules.add_chat(state, BAKER, "I could live with 6 a.m.", 2)
    open_message = rules.add_chat(state, NEIGHBOUR, "waiting...", 3)
    rules.close_caucus(state, MEDIATOR)
    assert secret.audience == [MEDIATOR, BAKER] and open_message.audience is None
    seen = {
        pid: [c["text"] for c in rules.view_for(state, pid)["chat"]]
        for pid in (BAKER, NEIGHBOUR, COACH)
    }
    assert "I could live with 6 a.m." in seen[BAKER] and "I could live with 6 a.m." in seen[COACH]
    assert seen[NEIGHBOUR] == ["waiting..."]


def test_chat_limits():
    state = room()
    with pytest.raises(BadRequest):
        rules.add_chat(state, BAKER, "   ", 1)
    with pytest.raises(BadRequest):
        rules.add_chat(state, BAKER, "x" * 2001, 1)
    for n in range(rules.MAX_CHAT + 5):
        rules.add_chat(state, BAKER, f"m{n}", n)
    assert len(state.chat) == rules.MAX_CHAT and state.chat[-1].text == f"m{rules.MAX_CHAT + 4}"


def test_help_requests():
    state = room()
    request = rules.request_help(state, NEIGHBOUR, "We are stuck", 1)
    with pytest.raises(BadRequest, match="already waiting"):
        rules.request_help(state, NEIGHBOUR, "again", 2)
    with pytest.raises(Forbidden):
        rules.resolve_help(state, BAKER, request.id)
    assert [h["text"] for h in rules.view_for(state, BAKER)["help"]] == []
    assert [h["text"] for h in rules.view_for(state, COACH)["help"]] == ["We are stuck"]
    rules.resolve_help(state, COACH, request.id)
    assert state.help[0].resolved_by == COACH
    rules.request_help(state, NEIGHBOUR, "stuck again", 3)


def test_presence_reconnect_and_dead_workers():
    state = room()
    rules.join(state, BAKER, "w2", "new-socket", 5, tab="t2")
    assert not rules.leave(state, BAKER, "c2")  # the old socket closing does not remove the new one
    assert BAKER in state.presence
    dropped = rules.drop_dead_workers(state, {"w2"})
    assert set(dropped) == {MEDIATOR, NEIGHBOUR, LANDLORD, OBSERVER, COACH}
    assert state.connected_ids() == [BAKER]
    assert rules.leave(state, BAKER, "new-socket") and state.presence == {}


def test_strangers_are_not_members():
    state = room()
    with pytest.raises(Forbidden):
        rules.join(state, 999, "w1", "c", 1)


def test_round_trip_through_json_keeps_everything():
    state = room()
    rules.advance_phase(state, MEDIATOR, 1, "joint")
    rules.open_caucus(state, MEDIATOR, [BAKER], 2)
    rules.add_chat(state, BAKER, "hello", 3)
    rules.request_help(state, NEIGHBOUR, "help", 4)
    rules.add_notice(state, "Ten minutes left in this round", "Staff", 5)
    rules.report_quality(state, BAKER, rtt_ms=450, loss_pct=1)
    again = RoomState.from_dict(state.to_dict())
    assert again == state
    assert again.presence[BAKER].quality == "fair"


@pytest.mark.parametrize(
    ("rtt", "loss", "grade"),
    [
        (None, None, "unknown"),
        (80, 0, "good"),
        (350, 0, "fair"),
        (100, 3, "fair"),
        (700, 0, "poor"),
        (50, 9, "poor"),
    ],
)
def test_quality_grades(rtt, loss, grade):
    assert rules.grade_quality(rtt, loss) == grade


def test_view_marks_media_permissions_per_peer():
    state = room()
    view = rules.view_for(state, BAKER)
    assert view["media_to"][str(NEIGHBOUR)] is True and str(BAKER) not in view["media_to"]
    assert rules.view_for(state, COACH)["media_to"][str(BAKER)] is False  # silent observer
    assert {p["email"] for p in view["people"] if p["present"]} >= {"ba@x.org", "ne@x.org"}
