"""The control room's summary of live rooms: pure, from room states and session titles."""

from __future__ import annotations

from dataclasses import dataclass

from simulator.rooms.state import Kind, RoomState

GRADES = ("good", "fair", "poor")


@dataclass(frozen=True)
class RoomRow:
    session_id: int
    phase: str
    deadline: int
    trainees_present: int
    trainees_seated: int
    coach_present: bool
    health: str  # the worst connection in the room: good | fair | poor | unknown
    open_help: int
    caucus: bool

    def to_json(self) -> dict[str, object]:
        return self.__dict__.copy()


def summarise(state: RoomState, live_workers: set[str] | None = None) -> RoomRow:
    present = set(state.connected_ids(live_workers))
    trainees = [m for m in state.members.values() if m.kind == Kind.TRAINEE]
    grades = [state.presence[pid].quality for pid in present if pid in state.presence]
    known = [g for g in grades if g in GRADES]
    health = max(known, key=GRADES.index) if known else "unknown"
    return RoomRow(
        session_id=state.session_id,
        phase=state.phase,
        deadline=state.deadline,
        trainees_present=sum(1 for m in trainees if m.person_id in present),
        trainees_seated=len(trainees),
        coach_present=any(
            m.kind == Kind.COACH and m.person_id in present for m in state.members.values()
        ),
        health=health,
        open_help=sum(1 for h in state.help if h.resolved_by is None),
        caucus=state.caucus is not None,
    )
