"""The schedule JSON of the contract: sessions by round, the unassigned, the metrics."""

from __future__ import annotations

import json
from typing import Any

from simulator.scheduling.model import Schedule, Seat, Session, Unassigned
from simulator.scheduling.slots import parse_utc
from simulator.timeutil import iso_utc


def to_dict(schedule: Schedule) -> dict[str, Any]:
    """The schedule as the contract's JSON object."""
    return {
        "seed": schedule.seed,
        "rounds": [
            {
                "round": round_no,
                "sessions": [_session(s) for s in schedule.sessions_in(round_no)],
            }
            for round_no in schedule.rounds
        ],
        "unassigned": [
            {"round": u.round, "person": u.person, "reason": u.reason} for u in schedule.unassigned
        ],
        "metrics": dict(schedule.metrics),
    }


def _session(session: Session) -> dict[str, Any]:
    return {
        "id": session.id,
        "start": iso_utc(session.start),
        "duration_minutes": session.duration_minutes,
        "case": session.case,
        "coach": session.coach,
        "seats": [{"person": seat.person, "role": seat.role} for seat in session.seats],
    }


def dumps(schedule: Schedule) -> str:
    """Stable text: the same schedule always gives the same bytes."""
    return json.dumps(to_dict(schedule), indent=2, ensure_ascii=False) + "\n"


def from_dict(data: dict[str, Any]) -> Schedule:
    """A schedule back from its JSON object; ValueError names what is missing or malformed."""
    try:
        rounds: list[int] = []
        sessions: list[Session] = []
        for entry in data["rounds"]:
            round_no = int(entry["round"])
            rounds.append(round_no)
            for item in entry["sessions"]:
                sessions.append(
                    Session(
                        id=str(item["id"]),
                        round=round_no,
                        start=parse_utc(item["start"]),
                        duration_minutes=int(item["duration_minutes"]),
                        case=item.get("case"),
                        coach=item.get("coach"),
                        seats=tuple(Seat(str(s["person"]), str(s["role"])) for s in item["seats"]),
                    )
                )
        unassigned = tuple(
            Unassigned(int(u["round"]), str(u["person"]), str(u["reason"]))
            for u in data.get("unassigned", [])
        )
        return Schedule(
            seed=int(data["seed"]),
            rounds=tuple(rounds),
            sessions=tuple(sessions),
            unassigned=unassigned,
            metrics=dict(data.get("metrics", {})),
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"not a schedule: missing or malformed field {exc}") from None


def loads(text: str) -> Schedule:
    return from_dict(json.loads(text))
