"""Scores, feedback, live notes and self-assessments in the database, with who may see what.

The rubric itself (criteria, scale) is passed in as plain ids and values by the caller, so this
module stays free of the coaching package; the maths over scores lives in `coaching`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from simulator.errors import BadRequest, Forbidden, NotFound
from simulator.models import (
    Breakout,
    CaseVersion,
    Cohort,
    Feedback,
    Note,
    Person,
    Role,
    Score,
    ScoreChange,
    Scorer,
    ScoreStatus,
    Seat,
    SelfAssessment,
)
from simulator.timeutil import iso_utc, utcnow

MAX_COMMENT = 4000
MAX_FEEDBACK = 10000


@dataclass(frozen=True)
class RubricShape:
    """The parts of a rubric the database layer checks input against."""

    criteria: tuple[str, ...]
    levels: tuple[int, ...]


def scorers(session: Session, breakout: Breakout) -> list[int]:
    """The session's coach and any coaches added for calibration."""
    extra = session.exec(select(Scorer.coach_id).where(Scorer.breakout_id == breakout.id)).all()
    ids = [breakout.coach_id] if breakout.coach_id is not None else []
    return ids + [c for c in extra if c not in ids]


def trainees_of(session: Session, breakout_id: int) -> list[int]:
    return list(
        session.exec(
            select(Seat.person_id).where(Seat.breakout_id == breakout_id).order_by(col(Seat.id))
        )
    )


def require_scorer(session: Session, breakout_id: int, person: Person) -> Breakout:
    """The session, if this person scores it: a coach assigned to it (staff only read)."""
    breakout = session.get(Breakout, breakout_id)
    if breakout is None:
        raise NotFound("There is no such session.")
    if person.role != Role.COACH or person.id not in scorers(session, breakout):
        raise Forbidden("Only the coaches scoring this session can change its scores.")
    return breakout


def _check(
    session: Session,
    breakout_id: int,
    trainee_id: int,
    criterion_id: str | None,
    level: int | None,
    shape: RubricShape,
) -> None:
    if trainee_id not in trainees_of(session, breakout_id):
        raise BadRequest("That person is not a trainee in this session.")
    if criterion_id is not None and criterion_id not in shape.criteria:
        raise BadRequest(f"The rubric has no criterion {criterion_id!r}.")
    if level is not None and level not in shape.levels:
        raise BadRequest(
            f"Choose a level from {shape.levels[0]} to {shape.levels[-1]}, or leave it empty."
        )


def save_score(
    session: Session,
    breakout_id: int,
    coach: Person,
    trainee_id: int,
    criterion_id: str,
    level: int | None,
    comment: str,
    shape: RubricShape,
) -> Score:
    """Create or update a coach's score; a change to a published score keeps the old one."""
    require_scorer(session, breakout_id, coach)
    _check(session, breakout_id, trainee_id, criterion_id, level, shape)
    if len(comment) > MAX_COMMENT:
        raise BadRequest(f"Keep each comment under {MAX_COMMENT} characters.")
    score = session.exec(
        select(Score).where(
            Score.breakout_id == breakout_id,
            Score.trainee_id == trainee_id,
            Score.coach_id == coach.id,
            Score.criterion_id == criterion_id,
        )
    ).first()
    if score is None:
        score = Score(
            breakout_id=breakout_id,
            trainee_id=trainee_id,
            coach_id=coach.id or 0,
            criterion_id=criterion_id,
        )
    elif score.status == ScoreStatus.PUBLISHED and (score.level, score.comment) != (level, comment):
        session.add(
            ScoreChange(
                breakout_id=breakout_id,
                trainee_id=trainee_id,
                coach_id=coach.id or 0,
                criterion_id=criterion_id,
                level=score.level,
                text=score.comment,
            )
        )
    score.level, score.comment, score.updated_at = level, comment, utcnow()
    session.add(score)
    session.flush()
    return score


def _feedback_row(
    session: Session, breakout_id: int, trainee_id: int, coach_id: int
) -> Feedback | None:
    return session.exec(
        select(Feedback).where(
            Feedback.breakout_id == breakout_id,
            Feedback.trainee_id == trainee_id,
            Feedback.coach_id == coach_id,
        )
    ).first()


def save_feedback(
    session: Session,
    breakout_id: int,
    coach: Person,
    trainee_id: int,
    text: str,
    shape: RubricShape,
) -> Feedback:
    require_scorer(session, breakout_id, coach)
    _check(session, breakout_id, trainee_id, None, None, shape)
    if len(text) > MAX_FEEDBACK:
        raise BadRequest(f"Keep the overall feedback under {MAX_FEEDBACK} characters.")
    row = _feedback_row(session, breakout_id, trainee_id, coach.id or 0)
    if row is None:
        row = Feedback(breakout_id=breakout_id, trainee_id=trainee_id, coach_id=coach.id or 0)
    elif row.status == ScoreStatus.PUBLISHED and row.text != text:
        session.add(
            ScoreChange(
                breakout_id=breakout_id,
                trainee_id=trainee_id,
                coach_id=coach.id or 0,
                text=row.text,
            )
        )
    row.text, row.updated_at = text, utcnow()
    session.add(row)
    session.flush()
    return row


def publish(session: Session, breakout_id: int, coach: Person, trainee_ids: Iterable[int]) -> int:
    """Release a coach's scores and feedback to these trainees; returns how many were published."""
    require_scorer(session, breakout_id, coach)
    seated = set(trainees_of(session, breakout_id))
    count = 0
    for trainee_id in trainee_ids:
        if trainee_id not in seated:
            raise BadRequest("That person is not a trainee in this session.")
        row = _feedback_row(session, breakout_id, trainee_id, coach.id or 0) or Feedback(
            breakout_id=breakout_id, trainee_id=trainee_id, coach_id=coach.id or 0
        )
        row.status, row.published_at = ScoreStatus.PUBLISHED, row.published_at or utcnow()
        row.submitted_at = row.submitted_at or utcnow()
        session.add(row)
        for score in session.exec(
            select(Score).where(
                Score.breakout_id == breakout_id,
                Score.trainee_id == trainee_id,
                Score.coach_id == coach.id,
            )
        ):
            score.status = ScoreStatus.PUBLISHED
            session.add(score)
        count += 1
    return count


def submit_for_calibration(session: Session, breakout_id: int, coach: Person) -> None:
    """Mark this coach's independent scoring as finished (others' scores show once all are in)."""
    require_scorer(session, breakout_id, coach)
    for trainee_id in trainees_of(session, breakout_id):
        row = _feedback_row(session, breakout_id, trainee_id, coach.id or 0) or Feedback(
            breakout_id=breakout_id, trainee_id=trainee_id, coach_id=coach.id or 0
        )
        row.submitted_at = row.submitted_at or utcnow()
        session.add(row)


def all_submitted(session: Session, breakout: Breakout) -> bool:
    coaches = scorers(session, breakout)
    done = set(
        session.exec(
            select(Feedback.coach_id).where(
                Feedback.breakout_id == breakout.id, col(Feedback.submitted_at).is_not(None)
            )
        )
    )
    return set(coaches) <= done


@dataclass
class Sheet:
    """Everything the scoring page shows to one coach."""

    scores: dict[tuple[int, str], Score] = field(default_factory=dict)
    feedback: dict[int, Feedback] = field(default_factory=dict)
    others: list[Score] = field(default_factory=list)  # colleagues' scores, once calibration allows
    notes: list[Note] = field(default_factory=list)
    history: list[ScoreChange] = field(default_factory=list)


def sheet(session: Session, breakout: Breakout, coach_id: int) -> Sheet:
    result = Sheet()
    for score in session.exec(select(Score).where(Score.breakout_id == breakout.id)):
        if score.coach_id == coach_id:
            result.scores[(score.trainee_id, score.criterion_id)] = score
        else:
            result.others.append(score)
    for row in session.exec(
        select(Feedback).where(Feedback.breakout_id == breakout.id, Feedback.coach_id == coach_id)
    ):
        result.feedback[row.trainee_id] = row
    if breakout.calibration and not all_submitted(session, breakout):
        result.others = []  # independent scoring: nobody sees a colleague's levels until all are in
    result.notes = list(
        session.exec(
            select(Note).where(Note.breakout_id == breakout.id).order_by(col(Note.at_seconds))
        )
    )
    result.history = list(
        session.exec(
            select(ScoreChange)
            .where(ScoreChange.breakout_id == breakout.id, ScoreChange.coach_id == coach_id)
            .order_by(col(ScoreChange.changed_at))
        )
    )
    return result


def add_note(
    session: Session,
    breakout_id: int,
    coach: Person,
    text: str,
    *,
    at_seconds: int,
    phase: str,
    criterion_id: str | None,
    trainee_id: int | None,
    shape: RubricShape,
) -> Note:
    require_scorer(session, breakout_id, coach)
    text = text.strip()
    if not text or len(text) > MAX_COMMENT:
        raise BadRequest(f"Write a note of 1 to {MAX_COMMENT} characters.")
    if criterion_id is not None and criterion_id not in shape.criteria:
        raise BadRequest(f"The rubric has no criterion {criterion_id!r}.")
    if trainee_id is not None and trainee_id not in trainees_of(session, breakout_id):
        raise BadRequest("That person is not a trainee in this session.")
    note = Note(
        breakout_id=breakout_id,
        coach_id=coach.id or 0,
        at_seconds=max(0, at_seconds),
        phase=phase,
        criterion_id=criterion_id,
        trainee_id=trainee_id,
        text=text,
    )
    session.add(note)
    session.flush()
    return note


def published_for(
    session: Session, breakout_id: int, trainee_id: int
) -> tuple[list[Score], list[Feedback]]:
    """What a trainee may read of their coaches' work on one session: published rows only."""
    scores = session.exec(
        select(Score).where(
            Score.breakout_id == breakout_id,
            Score.trainee_id == trainee_id,
            Score.status == ScoreStatus.PUBLISHED,
        )
    ).all()
    feedback = session.exec(
        select(Feedback).where(
            Feedback.breakout_id == breakout_id,
            Feedback.trainee_id == trainee_id,
            Feedback.status == ScoreStatus.PUBLISHED,
        )
    ).all()
    return list(scores), list(feedback)


def self_assessment(
    session: Session, breakout_id: int, trainee_id: int
) -> dict[str, SelfAssessment]:
    rows = session.exec(
        select(SelfAssessment).where(
            SelfAssessment.breakout_id == breakout_id, SelfAssessment.trainee_id == trainee_id
        )
    )
    return {row.criterion_id: row for row in rows}


def save_self_assessment(
    session: Session,
    breakout_id: int,
    trainee: Person,
    levels: dict[str, int | None],
    comments: dict[str, str],
    shape: RubricShape,
    *,
    submit: bool,
) -> None:
    """Store a trainee's ratings of themselves (criterion '' holds the overall reflection)."""
    if trainee.id not in trainees_of(session, breakout_id):
        raise NotFound("There is no such session.")
    existing = self_assessment(session, breakout_id, trainee.id or 0)
    if any(row.submitted_at for row in existing.values()):
        raise BadRequest("You have already submitted your self-assessment for this session.")
    if submit and any(levels.get(c) is None for c in shape.criteria):
        raise BadRequest(
            "Rate yourself on every criterion before you submit; you can save a draft meanwhile."
        )
    for criterion_id in [*shape.criteria, ""]:
        level = levels.get(criterion_id)
        if level is not None and level not in shape.levels:
            raise BadRequest(f"Choose a level from {shape.levels[0]} to {shape.levels[-1]}.")
        comment = comments.get(criterion_id, "")
        if len(comment) > MAX_COMMENT:
            raise BadRequest(f"Keep each comment under {MAX_COMMENT} characters.")
        row = existing.get(criterion_id) or SelfAssessment(
            breakout_id=breakout_id, trainee_id=trainee.id or 0, criterion_id=criterion_id
        )
        row.level, row.comment, row.updated_at = level, comment, utcnow()
        if submit:
            row.submitted_at = utcnow()
        session.add(row)


def mark_for_calibration(session: Session, breakout_id: int, coach_ids: Iterable[int]) -> Breakout:
    """Have several coaches score a session independently (staff decide)."""
    breakout = session.get(Breakout, breakout_id)
    if breakout is None:
        raise NotFound("There is no such session.")
    wanted = set(coach_ids) - ({breakout.coach_id} if breakout.coach_id else set())
    coaches = {
        p.id
        for p in session.exec(
            select(Person).where(col(Person.id).in_(wanted), Person.role == Role.COACH)
        )
    }
    if wanted - coaches:
        raise BadRequest("Choose coaches from the list.")
    if not coaches and not breakout.calibration:
        raise BadRequest("Choose at least one more coach to score this session.")
    existing = set(session.exec(select(Scorer.coach_id).where(Scorer.breakout_id == breakout_id)))
    for coach_id in coaches - existing:
        session.add(Scorer(breakout_id=breakout_id, coach_id=coach_id))
    breakout.calibration = True
    session.add(breakout)
    return breakout


@dataclass(frozen=True)
class CalibrationScore:
    session_id: int
    trainee_id: int
    coach: str
    criterion_id: str
    level: int


def calibration_scores(session: Session) -> list[CalibrationScore]:
    """Levels from calibration sessions whose scorers have all submitted (never earlier)."""
    rows = []
    breakouts = session.exec(select(Breakout).where(col(Breakout.calibration).is_(True))).all()
    names = {p.id: p.name for p in session.exec(select(Person).where(Person.role == Role.COACH))}
    for breakout in breakouts:
        if not all_submitted(session, breakout):
            continue
        for score in session.exec(
            select(Score).where(Score.breakout_id == breakout.id, col(Score.level).is_not(None))
        ):
            rows.append(
                CalibrationScore(
                    breakout.id or 0,
                    score.trainee_id,
                    names.get(score.coach_id, str(score.coach_id)),
                    score.criterion_id,
                    score.level or 0,
                )
            )
    return rows


def calibration_sessions(session: Session) -> list[tuple[Breakout, list[int], bool]]:
    """Every session marked for calibration, its scorers, and whether all have submitted."""
    return [
        (b, scorers(session, b), all_submitted(session, b))
        for b in session.exec(
            select(Breakout)
            .where(col(Breakout.calibration).is_(True))
            .order_by(col(Breakout.start))
        )
    ]


SCORES_CSV_HEADER = (
    "cohort",
    "session",
    "start",
    "case",
    "trainee_email",
    "coach_email",
    "criterion",
    "level",
    "comment",
    "status",
)


def cohort_score_rows(session: Session, cohort_id: int) -> list[tuple[object, ...]]:
    """Every score of a cohort as rows of the Scores CSV contract (design.md)."""
    cohort = session.get(Cohort, cohort_id)
    if cohort is None:
        raise NotFound("There is no such cohort.")
    breakouts = {
        b.id: b for b in session.exec(select(Breakout).where(Breakout.cohort_id == cohort_id))
    }
    people = {p.id: p for p in session.exec(select(Person))}
    cases = {v.id: v.case_id for v in session.exec(select(CaseVersion))}
    rows = []
    scores = session.exec(
        select(Score)
        .where(col(Score.breakout_id).in_(breakouts))
        .order_by(
            col(Score.breakout_id),
            col(Score.trainee_id),
            col(Score.coach_id),
            col(Score.criterion_id),
        )
    )
    for score in scores:
        b = breakouts[score.breakout_id]
        rows.append(
            (
                cohort.name,
                b.key or str(b.id),
                iso_utc(b.start),
                cases.get(b.case_version_id, ""),
                people[score.trainee_id].email,
                people[score.coach_id].email,
                score.criterion_id,
                "" if score.level is None else score.level,
                score.comment,
                score.status,
            )
        )
    return rows
