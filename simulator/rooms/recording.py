"""The recording rules of a room: nothing is recorded without everyone's consent.

Pure like the rest of the room rules (state.py): plain data in, plain data out, `now` passed in.
Consent is asked in the room and remembered for the session; a "no" ends the request and any
recording at once; a caucus pauses the recording; the session's end stops it.
"""

from __future__ import annotations

from simulator.errors import BadRequest
from simulator.rooms.state import (
    RECORDER_ID,
    RECORDER_TAB,
    Presence,
    Recording,
    RoomState,
    _new_id,
)


def _require_present(state: RoomState, person_id: int) -> None:
    state.member(person_id)
    if person_id not in state.presence:
        raise BadRequest("Join the room first.")


def request_recording(state: RoomState, person_id: int, now: int, worker: str) -> None:
    """Anyone in the room may ask; asking counts as the asker's own consent."""
    _require_present(state, person_id)
    if state.phase == "ended":
        raise BadRequest("The session has ended; there is nothing left to record.")
    if state.recording is not None:
        raise BadRequest("Recording has already been asked for.")
    if person_id not in state.consent:
        state.consent = [*state.consent, person_id]
    state.recording = Recording(requested_by=person_id, requested_at=now)
    settle_recording(state, now, worker)


def set_consent(state: RoomState, person_id: int, given: bool, now: int, worker: str) -> None:
    """Give or withdraw consent. A "no" ends the request at once, and any recording with it."""
    _require_present(state, person_id)
    if given:
        if person_id not in state.consent:
            state.consent = [*state.consent, person_id]
        settle_recording(state, now, worker)
        return
    state.consent = [pid for pid in state.consent if pid != person_id]
    if state.recording is not None:
        _stop(state, now, "consent withdrawn", cancel=True)


def stop_recording(state: RoomState, person_id: int, now: int) -> None:
    """Anyone in the room may stop a recording (or withdraw the request) without saying why."""
    _require_present(state, person_id)
    if state.recording is None:
        raise BadRequest("Nothing is being recorded.")
    _stop(state, now, "stopped in the room", cancel=True)


def _stop(state: RoomState, now: int, reason: str, *, cancel: bool) -> None:
    """End the running recording (if any); `cancel` also drops the request itself."""
    recording = state.recording
    if recording is None:
        return
    if recording.running:
        state.recording_stop = {"number": recording.number, "reason": reason, "at": now}
        state.presence.pop(RECORDER_ID, None)
    if cancel:
        state.recording = None
    else:
        recording.status, recording.started_at, recording.worker = "waiting", 0, ""


def settle_recording(state: RoomState, now: int, worker: str) -> None:
    """Bring the recording in line with the room after any change (run after every rule).

    It runs exactly while it is wanted, everyone whose consent is needed has given it, someone is
    there to record, and the session has not ended; it pauses while a caucus is open. `worker`
    (the process applying this change) runs the recorder when a new recording starts.
    """
    recording = state.recording
    if recording is None:
        return
    if state.phase == "ended":
        _stop(state, now, "session ended", cancel=True)
        return
    present = state.present_members()
    if recording.running and state.missing_consent():
        _stop(state, now, "someone without consent joined", cancel=False)
    elif recording.running and not present:
        _stop(state, now, "everyone left", cancel=False)
    if recording.status == "waiting" and present and not state.missing_consent():
        recording.status, recording.number = "on", _new_id(state)
        recording.started_at, recording.worker = now, worker
    if recording.running:
        recording.status = "paused" if state.caucus is not None else "on"


def recorder_lost(state: RoomState, live_workers: set[str], now: int, worker: str) -> bool:
    """The process running the recorder died: start a new recording on a living one."""
    recording = state.recording
    if recording is None or not recording.running or recording.worker in live_workers:
        return False
    _stop(state, now, "recording server stopped", cancel=False)
    settle_recording(state, now, worker)
    return True


def recorder_failed(state: RoomState, number: int, now: int) -> bool:
    """The recorder could not record (a full disk, a database error): say so, rather than show
    "● Recording" over nothing. The request ends; anyone may ask again."""
    recording = state.recording
    if recording is None or not recording.running or recording.number != number:
        return False
    _stop(state, now, "recorder failed", cancel=True)
    return True


def join_recorder(state: RoomState, number: int, worker: str, conn: str, now: int) -> None:
    """The recorder of recording `number` takes its hidden place in the room."""
    recording = state.recording
    if recording is None or not recording.running or recording.number != number:
        raise BadRequest("That recording is no longer running.")
    if recording.worker != worker:
        raise BadRequest("Another server process runs this recording.")
    state.presence[RECORDER_ID] = Presence(
        person_id=RECORDER_ID, worker=worker, conn=conn, since=now, tab=f"{RECORDER_TAB}-{number}"
    )
