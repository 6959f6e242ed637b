"""Quality figures of a schedule: the contract's metrics and a few more for staff and benchmarks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from math import comb

from simulator.scheduling.availability import fits
from simulator.scheduling.model import CaseSpec, History, Person, Session, Unassigned, pair_key


def pair_meetings(sessions: Iterable[Session], trainees: set[str]) -> Counter[tuple[str, str]]:
    """How often each pair of trainees sat in one session."""
    counts: Counter[tuple[str, str]] = Counter()
    for session in sessions:
        people = [p for p in session.people if p in trainees]
        for i, a in enumerate(people):
            for b in people[i + 1 :]:
                counts[pair_key(a, b)] += 1
    return counts


def repeat_lower_bound(sessions: Iterable[Session], trainees: set[str]) -> int:
    """Repeats no schedule of these group sizes can avoid: pair slots beyond the distinct pairs."""
    seated: set[str] = set()
    slots = 0
    for session in sessions:
        people = [p for p in session.people if p in trainees]
        seated.update(people)
        slots += comb(len(people), 2)
    return max(0, slots - comb(len(seated), 2))


def compute_metrics(
    sessions: list[Session],
    unassigned: list[Unassigned],
    people: Iterable[Person],
    cases: Iterable[CaseSpec],
    *,
    seconds: float,
    history: History | None = None,
    anytime: bool = False,
) -> dict[str, float | int | None]:
    """The contract's metrics first, then extras (bound, violations, coach load)."""
    roster = {p.id: p for p in people}
    trainees = {pid for pid, p in roster.items() if not p.is_coach}
    mediator_roles = {(c.id, r) for c in cases for r in c.role_ids("mediator")}
    meetings = pair_meetings(sessions, trainees)
    repeats = sum(n - 1 for n in meetings.values() if n > 1)
    bound = repeat_lower_bound(sessions, trainees)
    turns: Counter[str] = Counter()
    had: Counter[tuple[str, str]] = Counter()
    seated: set[str] = set()
    for session in sessions:
        for seat in session.seats:
            seated.add(seat.person)
            if (session.case, seat.role) in mediator_roles or (
                session.case is None and seat.role == "mediator"
            ):
                turns[seat.person] += 1
            if session.case is not None:
                had[seat.person, session.case] += 1
    past = history.cases if history else {}
    case_repeats = sum(n - 1 + (case in past.get(person, ())) for (person, case), n in had.items())
    counts = [turns[p] for p in seated]
    countries = [len({roster[p].country for p in s.people if roster[p].country}) for s in sessions]
    coach_load = Counter(s.coach for s in sessions if s.coach)
    coaches = [p for p in roster.values() if p.is_coach]
    loads = [coach_load[c.id] for c in coaches] or [0]
    return {
        "repeat_pairs": repeats,
        "max_pair_meetings": max(meetings.values(), default=0),
        "unassigned": len(unassigned),
        "mediator_turns_min": min(counts, default=0),
        "mediator_turns_max": max(counts, default=0),
        "case_repeats": case_repeats,
        "mean_countries_per_session": round(sum(countries) / len(countries), 2)
        if countries
        else 0.0,
        "seconds": round(seconds, 2),
        "sessions": len(sessions),
        "seated_trainees": len(seated & trainees),
        "repeat_lower_bound": bound,
        "repeats_over_bound": repeats - bound,
        "availability_violations": 0 if anytime else _outside_availability(sessions, roster),
        "sessions_without_common_language": sum(
            1 for s in sessions if not _common_languages(s, roster)
        ),
        "sessions_without_coach": sum(1 for s in sessions if s.coach is None),
        "coach_load_min": min(loads),
        "coach_load_max": max(loads),
    }


def _outside_availability(sessions: list[Session], roster: Mapping[str, Person]) -> int:
    """Seats (and coach places) whose session is not wholly inside the person's windows."""
    count = 0
    for session in sessions:
        ids = [*session.people, *([session.coach] if session.coach else [])]
        for pid in ids:
            person = roster[pid]
            if not fits(
                person.availability, person.timezone, session.start, session.duration_minutes
            ):
                count += 1
    return count


def _common_languages(session: Session, roster: Mapping[str, Person]) -> set[str]:
    sets = [set(roster[p].languages) for p in session.people]
    return set.intersection(*sets) if sets else set()
