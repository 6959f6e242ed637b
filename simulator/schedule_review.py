"""What staff read before publishing: the draft rounds, their quality figures, each trainee's plan."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from simulator.breakouts import SessionView, session_views
from simulator.cohort_schedule import Member, case_specs, engine_sessions, members
from simulator.errors import NotFound
from simulator.models import Breakout, BreakoutStatus, CaseVersion, Cohort
from simulator.scheduling import History, Unassigned
from simulator.scheduling import Session as EngineSession
from simulator.scheduling.availability import fits
from simulator.scheduling.frame import NO_SLOT
from simulator.scheduling.metrics import compute_metrics

NOT_SEATED = "not seated in any group of this round"


@dataclass(frozen=True)
class ReviewRound:
    number: int
    status: str
    sessions: list[SessionView]


@dataclass(frozen=True)
class TraineePlan:
    person_id: int
    name: str
    country: str
    sessions: list[tuple[SessionView, str]]  # each session with the trainee's role name


@dataclass(frozen=True)
class Missing:
    round: int
    name: str
    reason: str


@dataclass(frozen=True)
class Review:
    cohort: Cohort
    rounds: list[ReviewRound]
    drafts: int
    figures_of: str  # which sessions the figures describe: "draft" or "published"
    metrics: dict[str, float | int | None]
    unassigned: list[Missing]
    trainees: list[TraineePlan]


def schedule_review(session: Session, cohort_id: int) -> Review:
    """The cohort's sessions by round, with figures for the drafts (or, with none, the published)."""
    cohort = session.get(Cohort, cohort_id)
    if cohort is None:
        raise NotFound("There is no such cohort.")
    breakouts = list(
        session.exec(
            select(Breakout)
            .where(Breakout.cohort_id == cohort_id, Breakout.status != BreakoutStatus.CANCELLED)
            .order_by(col(Breakout.round), col(Breakout.start), col(Breakout.id))
        )
    )
    views = session_views(session, breakouts)
    drafts = [b for b in breakouts if b.status == BreakoutStatus.DRAFT]
    published = [b for b in breakouts if b.status == BreakoutStatus.PUBLISHED]
    judged, past = (drafts, published) if drafts else (published, [])
    people = members(session, cohort_id)
    ids = {m.person.id or 0: m.engine.id for m in people}
    specs = case_specs(
        session.exec(
            select(CaseVersion).where(
                col(CaseVersion.id).in_({b.case_version_id for b in breakouts})
            )
        )
    )
    planned = engine_sessions(session, judged, ids)
    history = History.from_sessions(engine_sessions(session, past, ids), specs.values())
    missing = _unassigned(planned, people)
    metrics = compute_metrics(
        planned,
        [Unassigned(m.round, m.member.engine.id, m.reason) for m in missing],
        [m.engine for m in people],
        specs.values(),
        seconds=0.0,
        history=history,
    )
    return Review(
        cohort=cohort,
        rounds=_rounds(views),
        drafts=len(drafts),
        figures_of="draft" if drafts else "published",
        metrics=metrics,
        unassigned=[Missing(m.round, m.member.person.name, m.reason) for m in missing],
        trainees=_plans(views, people),
    )


@dataclass(frozen=True)
class _Gap:
    round: int
    member: Member
    reason: str


def _unassigned(planned: list[EngineSession], people: list[Member]) -> list[_Gap]:
    """Trainees without a seat in a round, and why: no session of the round fits their week."""
    gaps = []
    for number in sorted({s.round for s in planned}):
        sessions = [s for s in planned if s.round == number]
        seated = {p for s in sessions for p in s.people}
        for member in people:
            person = member.engine
            if person.is_coach or person.id in seated:
                continue
            fitting = any(
                fits(person.availability, person.timezone, s.start, s.duration_minutes)
                for s in sessions
            )
            gaps.append(_Gap(number, member, NOT_SEATED if fitting else NO_SLOT))
    return gaps


def _rounds(views: list[SessionView]) -> list[ReviewRound]:
    by_round: dict[int, list[SessionView]] = {}
    for view in views:
        by_round.setdefault(view.round, []).append(view)
    return [
        ReviewRound(
            number,
            "draft" if any(v.status == BreakoutStatus.DRAFT for v in sessions) else "published",
            sessions,
        )
        for number, sessions in sorted(by_round.items())
    ]


def _plans(views: list[SessionView], people: list[Member]) -> list[TraineePlan]:
    plans = []
    for member in people:
        if member.engine.role != "trainee":
            continue
        pid = member.person.id or 0
        mine = [(v, v.role_name(v.role_of(pid))) for v in views if v.role_of(pid) is not None]
        plans.append(TraineePlan(pid, member.person.name, member.person.country, mine))
    return plans
