"""The authoritative state of one live room, and the pure rules that change it.

Everything here is plain data and plain functions: no sockets, no database, no clock reads
(callers pass `now` in epoch milliseconds), so every rule is tested directly and the same code
runs in one process or behind Redis.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from simulator.errors import BadRequest, Forbidden

PHASES = ("preparation", "opening", "joint", "caucus", "agreement", "debrief", "ended")
# Share of the session's minutes each phase gets by default (the rest of "ended" is zero).
PHASE_SHARES = {
    "preparation": 0.10,
    "opening": 0.10,
    "joint": 0.30,
    "caucus": 0.20,
    "agreement": 0.15,
    "debrief": 0.15,
}
MAX_CHAT = 300
MAX_CHAT_LENGTH = 2000
MAX_HELP = 50
MAX_NOTICES = 20
MINUTE_MS = 60_000
# The hidden recording peer's id in signals and presence: no person has id 0.
RECORDER_ID = 0
RECORDER_TAB = "recorder"


class Kind(StrEnum):
    """How a person takes part: trainees play; coaches and staff observe and guide."""

    TRAINEE = "trainee"
    COACH = "coach"
    STAFF = "staff"


@dataclass
class Member:
    """Someone allowed in this room, with the case role they hold (trainees) or none."""

    person_id: int
    name: str
    email: str
    kind: Kind
    role_id: str | None = None
    role_kind: str | None = None  # mediator | party | observer (the case's kind of role)
    role_name: str | None = None


@dataclass
class Presence:
    """A connected person: which worker holds their socket, and what their media is doing."""

    person_id: int
    worker: str
    conn: str  # one socket; a newer socket of the same person replaces it
    since: int
    tab: str = ""  # the page load: a new one means the browser's peer connections are new too
    audio: bool = True
    video: bool = True
    audio_only: bool = False
    quality: str = "unknown"  # good | fair | poor | unknown
    rtt_ms: float | None = None
    loss_pct: float | None = None


@dataclass
class ChatMessage:
    id: int
    person_id: int
    name: str
    text: str
    at: int
    # None: the whole room. A list: the caucus members when it was sent inside a caucus; they
    # (and guides) keep reading it after the caucus closes, nobody else ever does.
    audience: list[int] | None = None


@dataclass
class HelpRequest:
    id: int
    person_id: int
    name: str
    text: str
    at: int
    resolved_by: int | None = None


@dataclass
class Caucus:
    members: list[int]
    opened_by: int
    opened_at: int


@dataclass
class Recording:
    """A standing request to record, and the recording that runs while every consent is given.

    `waiting`: asked for, some consent missing. `on`: the recorder runs. `paused`: a caucus is
    open, so nothing is recorded (the file runs on in silence to keep one timeline). Each start
    gets a new `number`; `worker` is the one server process that runs that recorder.
    """

    requested_by: int
    requested_at: int
    status: str = "waiting"  # waiting | on | paused
    number: int = 0
    started_at: int = 0
    worker: str = ""

    @property
    def running(self) -> bool:
        return self.status in ("on", "paused")


@dataclass
class RoomState:
    """Everything a room needs to come back exactly as it was after a drop or a restart."""

    session_id: int
    duration_minutes: int
    members: dict[int, Member]
    phase: str = "preparation"
    phase_started: int = 0
    deadline: int = 0
    caucus: Caucus | None = None
    presence: dict[int, Presence] = field(default_factory=dict)
    chat: list[ChatMessage] = field(default_factory=list)
    help: list[HelpRequest] = field(default_factory=list)
    notices: list[dict[str, Any]] = field(default_factory=list)
    # Who agreed to be recorded in this session (remembered until withdrawn; also in the database).
    consent: list[int] = field(default_factory=list)
    recording: Recording | None = None
    recording_stop: dict[str, Any] | None = None  # {"number", "reason", "at"} of the last stop
    next_id: int = 1
    version: int = 0

    # --- construction and (de)serialisation -------------------------------------------------

    @classmethod
    def open(
        cls, session_id: int, duration_minutes: int, members: list[Member], now: int
    ) -> RoomState:
        state = cls(session_id, duration_minutes, {m.person_id: m for m in members})
        state.phase_started = now
        state.deadline = now + phase_minutes("preparation", duration_minutes) * MINUTE_MS
        return state

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["members"] = [dataclasses.asdict(m) for m in self.members.values()]
        data["presence"] = [dataclasses.asdict(p) for p in self.presence.values()]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RoomState:
        data = dict(data)
        data["members"] = {
            m["person_id"]: Member(**{**m, "kind": Kind(m["kind"])}) for m in data["members"]
        }
        data["presence"] = {p["person_id"]: Presence(**p) for p in data["presence"]}
        data["chat"] = [ChatMessage(**c) for c in data["chat"]]
        data["help"] = [HelpRequest(**h) for h in data["help"]]
        data["caucus"] = Caucus(**data["caucus"]) if data["caucus"] else None
        recording = data.get("recording")  # absent in snapshots older than recording
        data["recording"] = Recording(**recording) if recording else None
        return cls(**data)

    # --- questions --------------------------------------------------------------------------

    def member(self, person_id: int) -> Member:
        try:
            return self.members[person_id]
        except KeyError:
            raise Forbidden("You are not a member of this session.") from None

    def is_guide(self, person_id: int) -> bool:
        """Coaches and staff: they guide the room rather than play in it."""
        return self.member(person_id).kind in (Kind.COACH, Kind.STAFF)

    def is_mediator(self, person_id: int) -> bool:
        return self.member(person_id).role_kind == "mediator"

    def in_caucus(self, person_id: int) -> bool:
        return self.caucus is not None and person_id in self.caucus.members

    def may_exchange_media(self, sender: int, receiver: int) -> bool:
        """Whether `sender` may send audio/video to `receiver` right now.

        During a caucus only people on the same side of its wall hear each other; guides (coaches,
        staff) hear everyone, and are heard only in the debrief.
        """
        if self.is_guide(sender):
            return self.phase == "debrief"
        if self.is_guide(receiver) or self.caucus is None:
            return True
        return self.in_caucus(sender) == self.in_caucus(receiver)

    def can_read_chat(self, person_id: int, message: ChatMessage) -> bool:
        return message.audience is None or person_id in message.audience or self.is_guide(person_id)

    def connected_ids(self, live_workers: set[str] | None = None) -> list[int]:
        """People with a socket on a worker that is still alive (all, if liveness is unknown)."""
        return sorted(
            pid
            for pid, p in self.presence.items()
            if (live_workers is None or p.worker in live_workers) and pid != RECORDER_ID
        )

    def present_members(self) -> set[int]:
        return {pid for pid in self.presence if pid in self.members}

    def consent_needed(self) -> set[int]:
        """Whose consent a recording needs: every seated trainee and the session's coach, present
        or not (they may arrive at any moment), and anyone else present (staff dropping in)."""
        seated = {pid for pid, m in self.members.items() if m.kind in (Kind.TRAINEE, Kind.COACH)}
        return seated | self.present_members()

    def missing_consent(self) -> list[int]:
        return sorted(self.consent_needed() - set(self.consent))

    def may_be_recorded(self, person_id: int) -> bool:
        """Whether the recorder keeps this person's audio now: what everyone in the room hears
        (guides only in the debrief), and nothing at all while a caucus is open."""
        recording = self.recording
        if recording is None or recording.status != "on" or person_id not in self.members:
            return False
        return not self.is_guide(person_id) or self.phase == "debrief"


def phase_minutes(phase: str, duration_minutes: int) -> int:
    return max(1, round(PHASE_SHARES.get(phase, 0) * duration_minutes))


def _new_id(state: RoomState) -> int:
    state.next_id += 1
    return state.next_id - 1


# --- rules: each takes the state, the acting person and the command's fields; mutates the state ----


def join(state: RoomState, person_id: int, worker: str, conn: str, now: int, tab: str = "") -> None:
    state.member(person_id)
    state.presence[person_id] = Presence(
        person_id=person_id, worker=worker, conn=conn, since=now, tab=tab
    )


def leave(state: RoomState, person_id: int, conn: str) -> bool:
    """Forget a person's presence, unless they have already reconnected on another socket."""
    current = state.presence.get(person_id)
    if current is None or current.conn != conn:
        return False
    del state.presence[person_id]
    return True


def drop_dead_workers(state: RoomState, live_workers: set[str]) -> list[int]:
    """Remove presences held by workers that died; returns who was dropped."""
    dead = [pid for pid, p in state.presence.items() if p.worker not in live_workers]
    for pid in dead:
        del state.presence[pid]
    return dead


def advance_phase(state: RoomState, person_id: int, now: int, to: str | None = None) -> None:
    if not (state.is_mediator(person_id) or state.is_guide(person_id)):
        raise Forbidden("Only the mediator or the coach moves the session to another phase.")
    if state.phase == "ended":
        raise BadRequest("The session has ended.")
    index = PHASES.index(state.phase)
    target = to or PHASES[index + 1]
    if target not in PHASES:
        raise BadRequest(f"Unknown phase {target!r}; phases are {', '.join(PHASES)}.")
    if PHASES.index(target) <= index and not state.is_guide(person_id):
        raise Forbidden("Only the coach can move the session back to an earlier phase.")
    state.phase = target
    state.phase_started = now
    state.deadline = now + phase_minutes(target, state.duration_minutes) * MINUTE_MS
    if target in ("debrief", "ended"):
        state.caucus = None


def extend_phase(state: RoomState, person_id: int, minutes: int) -> None:
    if not state.is_guide(person_id):
        raise Forbidden("Only a coach or staff can give the room more time.")
    if not 1 <= minutes <= 60:
        raise BadRequest("Extend by 1 to 60 minutes.")
    state.deadline += minutes * MINUTE_MS


def staff_extend(state: RoomState, minutes: int) -> None:
    """Programme staff give every room more time (authorised by the caller, not a member)."""
    if not 1 <= minutes <= 60:
        raise BadRequest("Extend by 1 to 60 minutes.")
    state.deadline += minutes * MINUTE_MS


def staff_close(state: RoomState, now: int) -> None:
    """Programme staff end the role play, e.g. at the end of a round."""
    state.phase, state.phase_started, state.deadline, state.caucus = "ended", now, now, None


def open_caucus(state: RoomState, person_id: int, with_ids: list[int], now: int) -> None:
    if not (state.is_mediator(person_id) or state.is_guide(person_id)):
        raise Forbidden("Only the mediator or the coach opens a caucus.")
    if state.phase in ("preparation", "debrief", "ended"):
        raise BadRequest(f"A caucus cannot be held during {state.phase}.")
    parties = {pid for pid, m in state.members.items() if m.role_kind == "party"}
    chosen = set(with_ids)
    if not chosen:
        raise BadRequest("Choose at least one party to meet in caucus.")
    if not chosen <= parties:
        raise BadRequest("A caucus is held with parties only.")
    if chosen == parties and len(parties) > 1:
        raise BadRequest(
            "A caucus leaves at least one party outside; that would be a joint session."
        )
    mediators = {pid for pid, m in state.members.items() if m.role_kind == "mediator"}
    state.caucus = Caucus(members=sorted(chosen | mediators), opened_by=person_id, opened_at=now)


def close_caucus(state: RoomState, person_id: int) -> None:
    if not (state.is_mediator(person_id) or state.is_guide(person_id)):
        raise Forbidden("Only the mediator or the coach closes a caucus.")
    if state.caucus is None:
        raise BadRequest("No caucus is open.")
    state.caucus = None


def add_chat(state: RoomState, person_id: int, text: str, now: int) -> ChatMessage:
    text = text.strip()
    if not text:
        raise BadRequest("Type a message first.")
    if len(text) > MAX_CHAT_LENGTH:
        raise BadRequest(f"Keep chat messages under {MAX_CHAT_LENGTH} characters.")
    audience = list(state.caucus.members) if state.caucus and state.in_caucus(person_id) else None
    message = ChatMessage(
        _new_id(state), person_id, state.member(person_id).name, text, now, audience
    )
    state.chat = [*state.chat, message][-MAX_CHAT:]
    return message


def request_help(state: RoomState, person_id: int, text: str, now: int) -> HelpRequest:
    if state.is_guide(person_id):
        raise BadRequest("Coaches answer help requests; they do not send them.")
    if any(h.person_id == person_id and h.resolved_by is None for h in state.help):
        raise BadRequest("Your call for the coach is already waiting.")
    request = HelpRequest(
        _new_id(state), person_id, state.member(person_id).name, text.strip()[:500], now
    )
    state.help = [*state.help, request][-MAX_HELP:]
    return request


def resolve_help(state: RoomState, person_id: int, request_id: int) -> None:
    if not state.is_guide(person_id):
        raise Forbidden("Only a coach or staff answers help requests.")
    for request in state.help:
        if request.id == request_id and request.resolved_by is None:
            request.resolved_by = person_id
            return
    raise BadRequest("That help request is not open.")


def set_media(
    state: RoomState, person_id: int, *, audio: bool, video: bool, audio_only: bool
) -> None:
    presence = state.presence.get(person_id)
    if presence is not None:
        presence.audio, presence.video, presence.audio_only = audio, video, audio_only


def report_quality(
    state: RoomState, person_id: int, *, rtt_ms: float | None, loss_pct: float | None
) -> None:
    presence = state.presence.get(person_id)
    if presence is not None:
        presence.rtt_ms, presence.loss_pct = rtt_ms, loss_pct
        presence.quality = grade_quality(rtt_ms, loss_pct)


def grade_quality(rtt_ms: float | None, loss_pct: float | None) -> str:
    """Plain words for a link: under 300 ms and 2% loss is good; over 600 ms or 8% is poor."""
    if rtt_ms is None and loss_pct is None:
        return "unknown"
    rtt, loss = rtt_ms or 0.0, loss_pct or 0.0
    if rtt > 600 or loss > 8:
        return "poor"
    if rtt > 300 or loss > 2:
        return "fair"
    return "good"


def add_notice(state: RoomState, text: str, sender: str, now: int) -> dict[str, Any]:
    notice = {"id": _new_id(state), "text": text, "from": sender, "at": now}
    state.notices = [*state.notices, notice][-MAX_NOTICES:]
    return notice


def view_for(
    state: RoomState, person_id: int, live_workers: set[str] | None = None
) -> dict[str, Any]:
    """The state as one person may see it: caucus chat and guide-only details filtered out."""
    if person_id == RECORDER_ID:
        return recorder_view(state)
    guide = state.is_guide(person_id)
    present = set(state.connected_ids(live_workers))
    people = []
    for member in state.members.values():
        presence = state.presence.get(member.person_id)
        people.append(
            {
                "id": member.person_id,
                "name": member.name,
                "email": member.email,
                "kind": member.kind,
                "role": member.role_id,
                "role_kind": member.role_kind,
                "role_name": member.role_name,
                "present": member.person_id in present,
                "tab": presence.tab if presence else "",
                "audio": presence.audio if presence else False,
                "video": presence.video if presence else False,
                "audio_only": presence.audio_only if presence else False,
                "quality": presence.quality if presence else "unknown",
                "in_caucus": state.in_caucus(member.person_id),
            }
        )
    return {
        "session_id": state.session_id,
        "phase": state.phase,
        "phase_started": state.phase_started,
        "deadline": state.deadline,
        "caucus": dataclasses.asdict(state.caucus) if state.caucus else None,
        "people": people,
        "chat": [dataclasses.asdict(c) for c in state.chat if state.can_read_chat(person_id, c)],
        "help": [dataclasses.asdict(h) for h in state.help if guide or h.person_id == person_id],
        "notices": state.notices,
        "media_to": {
            str(other): state.may_exchange_media(person_id, other)
            for other in state.members
            if other != person_id
        },
        "recording": recording_view(state, person_id),
        "version": state.version,
    }


def _recorder_peer(state: RoomState) -> Presence | None:
    """The recorder's presence, if it is in the room for the recording now running."""
    recording, peer = state.recording, state.presence.get(RECORDER_ID)
    if recording is None or not recording.running or peer is None:
        return None
    return peer if peer.tab == f"{RECORDER_TAB}-{recording.number}" else None


def recording_view(state: RoomState, person_id: int) -> dict[str, Any]:
    """What one person sees of recording: the status, whose answer is awaited, whether to send.

    Nobody is shown who said no: a "no" simply ends the request.
    """
    recording = state.recording
    peer = _recorder_peer(state)
    stop = state.recording_stop
    return {
        "status": recording.status if recording else "off",
        "requested_by": recording.requested_by if recording else None,
        "started_at": recording.started_at if recording and recording.running else None,
        "consented": person_id in state.consent,
        "waiting_for": state.missing_consent() if recording else [],
        # Where to send audio while recording: a new `instance` means a new peer connection.
        "peer": {"id": RECORDER_ID, "instance": peer.tab} if peer else None,
        "send": peer is not None and state.may_be_recorded(person_id),
        "last_stop": {"reason": stop["reason"], "at": stop["at"]} if stop else None,
    }


def recorder_view(state: RoomState) -> dict[str, Any]:
    """The recorder's own view: which recording runs, and whose audio it may keep right now."""
    recording = state.recording
    return {
        "session_id": state.session_id,
        "recording": {"status": recording.status, "number": recording.number}
        if recording
        else None,
        "present": sorted(state.present_members()),
        "record": sorted(pid for pid in state.present_members() if state.may_be_recorded(pid)),
        "version": state.version,
    }
