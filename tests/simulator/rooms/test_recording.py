"""Recording rules: nothing is recorded without every consent; a "no" stops it; caucus pauses it."""

from __future__ import annotations

import pytest

from simulator.errors import BadRequest, Forbidden
from simulator.rooms import recording as rec
from simulator.rooms import state as rules
from simulator.rooms.state import RECORDER_ID, Kind, Member, RoomState

MEDIATOR, BAKER, NEIGHBOUR, COACH, STAFF = 1, 2, 3, 10, 20
W = "w1"


def room(*, present: tuple[int, ...] = (MEDIATOR, BAKER, NEIGHBOUR, COACH)) -> RoomState:
    members = [
        Member(MEDIATOR, "Mo", "mo@x.org", Kind.TRAINEE, "mediator", "mediator", "The mediator"),
        Member(BAKER, "Ba", "ba@x.org", Kind.TRAINEE, "baker", "party", "The baker"),
        Member(NEIGHBOUR, "Ne", "ne@x.org", Kind.TRAINEE, "neighbour", "party", "The neighbour"),
        Member(COACH, "Co", "co@x.org", Kind.COACH),
    ]
    state = RoomState.open(7, 60, members, 0)
    for pid in present:
        rules.join(state, pid, W, f"c{pid}", 0)
    return state


def everyone_agrees(state: RoomState, *, besides: int = MEDIATOR) -> None:
    for pid in sorted(state.consent_needed() - {besides}):
        rec.set_consent(state, pid, True, 10, W)


def test_nothing_starts_until_every_seated_person_and_the_coach_agree():
    state = room()
    rec.request_recording(state, MEDIATOR, 5, W)
    assert state.recording is not None and state.recording.status == "waiting"
    assert state.consent == [MEDIATOR]  # asking is the asker's own consent
    assert state.missing_consent() == [BAKER, NEIGHBOUR, COACH]
    rec.set_consent(state, BAKER, True, 6, W)
    rec.set_consent(state, NEIGHBOUR, True, 7, W)
    assert state.recording.status == "waiting"
    view = rules.view_for(state, BAKER)["recording"]
    assert view["status"] == "waiting" and view["waiting_for"] == [COACH] and view["consented"]
    rec.set_consent(state, COACH, True, 8, W)
    assert state.recording.status == "on" and state.recording.started_at == 8
    assert state.recording.worker == W and state.recording.number > 0


def test_absent_seated_people_must_agree_too():
    state = room(present=(MEDIATOR, BAKER, COACH))
    rec.request_recording(state, MEDIATOR, 5, W)
    for pid in (BAKER, COACH):
        rec.set_consent(state, pid, True, 6, W)
    assert state.recording.status == "waiting" and state.missing_consent() == [NEIGHBOUR]
    with pytest.raises(BadRequest, match="Join the room"):
        rec.set_consent(state, NEIGHBOUR, True, 7, W)  # consent is given in the room, in person
    rules.join(state, NEIGHBOUR, W, "cn", 8)
    rec.set_consent(state, NEIGHBOUR, True, 9, W)
    assert state.recording.status == "on"


def test_withdrawal_stops_at_once_ends_the_request_and_keeps_the_reason():
    state = room()
    rec.request_recording(state, MEDIATOR, 5, W)
    everyone_agrees(state)
    number = state.recording.number
    rec.set_consent(state, BAKER, False, 20, W)
    assert state.recording is None and BAKER not in state.consent
    assert state.recording_stop == {"number": number, "reason": "consent withdrawn", "at": 20}
    view = rules.view_for(state, NEIGHBOUR)["recording"]
    assert view["status"] == "off" and view["last_stop"]["reason"] == "consent withdrawn"
    assert view["waiting_for"] == [] and view["requested_by"] is None  # nobody is named for a no
    # Asking again needs the baker again; the others' consent is remembered.
    rec.request_recording(state, NEIGHBOUR, 30, W)
    assert state.recording.status == "waiting" and state.missing_consent() == [BAKER]
    rec.set_consent(state, BAKER, True, 31, W)
    assert state.recording.status == "on" and state.recording.number != number


def test_a_no_while_waiting_cancels_the_request():
    state = room()
    rec.request_recording(state, MEDIATOR, 5, W)
    rec.set_consent(state, NEIGHBOUR, False, 6, W)
    assert state.recording is None and state.recording_stop is None  # nothing had run


def test_consent_is_remembered_across_leaving_and_in_snapshots():
    state = room()
    rec.request_recording(state, MEDIATOR, 5, W)
    everyone_agrees(state)
    rules.leave(state, BAKER, f"c{BAKER}")
    rec.settle_recording(state, 40, W)
    assert state.recording.status == "on"  # the baker's consent stands while away
    rules.join(state, BAKER, W, "again", 41)
    rec.settle_recording(state, 41, W)
    assert state.recording.status == "on" and BAKER in state.consent
    restored = RoomState.from_dict(state.to_dict())
    assert restored.consent == state.consent and restored.recording == state.recording


def test_a_visitor_without_consent_stops_it_until_they_agree():
    state = room()
    state.members[STAFF] = Member(STAFF, "St", "st@x.org", Kind.STAFF)
    rec.request_recording(state, MEDIATOR, 5, W)
    everyone_agrees(state)
    first = state.recording.number
    rules.join(state, STAFF, W, "cs", 50)
    rec.settle_recording(state, 50, W)
    assert state.recording.status == "waiting" and state.missing_consent() == [STAFF]
    assert state.recording_stop["reason"] == "someone without consent joined"
    assert rules.view_for(state, STAFF)["recording"]["waiting_for"] == [STAFF]
    rec.set_consent(state, STAFF, True, 51, W)
    assert state.recording.status == "on" and state.recording.number != first


def test_caucus_pauses_and_closing_it_resumes_the_same_recording():
    state = room()
    rules.advance_phase(state, MEDIATOR, 1, "joint")
    rec.request_recording(state, MEDIATOR, 5, W)
    everyone_agrees(state)
    rec.join_recorder(state, state.recording.number, W, "rc", 11)
    number = state.recording.number
    assert rules.view_for(state, BAKER)["recording"]["send"] is True
    rules.open_caucus(state, MEDIATOR, [BAKER], 12)
    rec.settle_recording(state, 12, W)
    assert state.recording.status == "paused" and state.recording.number == number
    for pid in (MEDIATOR, BAKER, NEIGHBOUR):
        assert rules.view_for(state, pid)["recording"]["send"] is False
    assert rules.view_for(state, RECORDER_ID)["record"] == []
    rules.close_caucus(state, MEDIATOR)
    rec.settle_recording(state, 13, W)
    assert state.recording.status == "on" and state.recording.number == number


def test_guides_are_recorded_only_when_heard_in_the_debrief():
    state = room()
    rec.request_recording(state, MEDIATOR, 5, W)
    everyone_agrees(state)
    rec.join_recorder(state, state.recording.number, W, "rc", 11)
    assert rules.view_for(state, COACH)["recording"]["send"] is False
    assert COACH not in rules.view_for(state, RECORDER_ID)["record"]
    rules.advance_phase(state, COACH, 12, "debrief")
    rec.settle_recording(state, 12, W)
    assert rules.view_for(state, COACH)["recording"]["send"] is True


def test_the_end_of_the_session_and_an_empty_room_stop_it():
    state = room()
    rec.request_recording(state, MEDIATOR, 5, W)
    everyone_agrees(state)
    rules.staff_close(state, 60)
    rec.settle_recording(state, 60, W)
    assert state.recording is None and state.recording_stop["reason"] == "session ended"
    with pytest.raises(BadRequest, match="ended"):
        rec.request_recording(state, MEDIATOR, 61, W)
    state = room()
    rec.request_recording(state, MEDIATOR, 5, W)
    everyone_agrees(state)
    for pid in (MEDIATOR, BAKER, NEIGHBOUR, COACH):
        rules.leave(state, pid, f"c{pid}")
    rec.settle_recording(state, 70, W)
    assert state.recording.status == "waiting"
    assert state.recording_stop["reason"] == "everyone left"
    rules.join(state, MEDIATOR, W, "back", 80)
    rec.settle_recording(state, 80, W)
    assert state.recording.status == "on"


def test_the_recorder_is_hidden_and_follows_its_own_recording():
    state = room()
    rec.request_recording(state, MEDIATOR, 5, W)
    with pytest.raises(BadRequest, match="no longer running"):
        rec.join_recorder(state, 99, W, "rc", 6)
    everyone_agrees(state)
    with pytest.raises(BadRequest, match="Another server"):
        rec.join_recorder(state, state.recording.number, "w2", "rc", 11)
    rec.join_recorder(state, state.recording.number, W, "rc", 11)
    view = rules.view_for(state, BAKER)
    assert RECORDER_ID not in {p["id"] for p in view["people"]}
    assert str(RECORDER_ID) not in view["media_to"]
    number = state.recording.number
    assert view["recording"]["peer"] == {"id": RECORDER_ID, "instance": f"recorder-{number}"}
    assert RECORDER_ID not in state.connected_ids()
    recorder = rules.view_for(state, RECORDER_ID)
    assert recorder["record"] == [MEDIATOR, BAKER, NEIGHBOUR]
    rec.stop_recording(state, NEIGHBOUR, 20)
    assert RECORDER_ID not in state.presence and state.recording is None
    assert rules.view_for(state, BAKER)["recording"]["peer"] is None


def test_a_recorder_on_a_dead_worker_is_replaced_on_a_living_one():
    state = room()
    rec.request_recording(state, MEDIATOR, 5, W)
    everyone_agrees(state)
    first = state.recording.number
    assert not rec.recorder_lost(state, {W}, 30, "w2")
    assert rec.recorder_lost(state, {"w2"}, 30, "w2")
    assert state.recording.status == "on" and state.recording.worker == "w2"
    assert state.recording.number != first
    assert state.recording_stop["reason"] == "recording server stopped"


def test_only_people_present_in_the_room_act():
    state = room(present=(MEDIATOR,))
    with pytest.raises(Forbidden):
        rec.request_recording(state, 999, 5, W)
    with pytest.raises(BadRequest, match="Join the room"):
        rec.set_consent(state, BAKER, True, 5, W)
    with pytest.raises(BadRequest, match="Nothing is being recorded"):
        rec.stop_recording(state, MEDIATOR, 5)
    rec.request_recording(state, MEDIATOR, 5, W)
    with pytest.raises(BadRequest, match="already"):
        rec.request_recording(state, MEDIATOR, 6, W)


def test_a_failed_recorder_ends_the_recording_rather_than_pretend():
    state = room()
    rec.request_recording(state, MEDIATOR, 5, W)
    everyone_agrees(state)
    number = state.recording.number
    assert not rec.recorder_failed(state, number + 1, 20)  # an old recorder's news changes nothing
    assert rec.recorder_failed(state, number, 20)
    assert state.recording is None and state.recording_stop["reason"] == "recorder failed"
