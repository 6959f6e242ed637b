"""Rubrics in the database: each file's text stored as a numbered version, so staff can edit them.

This package never imports `coaching` (simulator -> scenarios only), so callers hand in a
`RubricFile`: the plain facts of a file they have already validated. Scores, notes and
self-assessments name criteria and levels by id and are read against a rubric's newest version,
so a version that drops a criterion or level they use is refused instead of orphaning them.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlmodel import Session, col, func, select

from simulator import case_store
from simulator.errors import NotFound
from simulator.models import (
    Breakout,
    CaseVersion,
    Cohort,
    Note,
    Person,
    RubricVersion,
    Score,
    ScoreChange,
    SelfAssessment,
)
from simulator.scoring import RubricShape

log = logging.getLogger("simulator.rubric_store")

DEFAULT_RUBRIC = "core-mediation-skills"


@dataclass(frozen=True)
class RubricFile:
    """A validated rubric file: its id, title, text, and the criteria and levels scores use."""

    rubric_id: str
    title: str
    source: str
    shape: RubricShape


@dataclass(frozen=True)
class Loss:
    """A criterion or level a new version would drop although stored records use it."""

    key: str  # the part of the file to put it back in: "criteria" or "scale"
    message: str


@dataclass
class Usage:
    """Who names a rubric: cohorts by their setting, cases (newest versions) by their `rubric`."""

    cohorts: list[Cohort] = field(default_factory=list)
    cases: list[CaseVersion] = field(default_factory=list)


def digest(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def rubric_id_for(session: Session, breakout: Breakout) -> str:
    """The rubric a session is scored on: its case's, else its cohort's."""
    version = session.get(CaseVersion, breakout.case_version_id)
    if version is not None:
        return case_store.case_of(version).rubric
    cohort = session.get(Cohort, breakout.cohort_id)
    return cohort.rubric_id if cohort else DEFAULT_RUBRIC


def latest_versions(session: Session) -> list[RubricVersion]:
    """The newest version of every rubric, ordered by title."""
    heads = (
        select(RubricVersion.rubric_id, func.max(RubricVersion.version).label("v"))
        .group_by(col(RubricVersion.rubric_id))
        .subquery()
    )
    query = select(RubricVersion).join(
        heads,
        (col(RubricVersion.rubric_id) == heads.c.rubric_id)
        & (col(RubricVersion.version) == heads.c.v),
    )
    return sorted(session.exec(query), key=lambda v: (v.title.lower(), v.rubric_id))


def rubric_ids(session: Session) -> set[str]:
    """Every stored rubric's id: what a case or cohort may name."""
    return set(session.exec(select(RubricVersion.rubric_id).distinct()))


def latest_version(session: Session, rubric_id: str) -> RubricVersion:
    version = newest(session, rubric_id)
    if version is None:
        raise NotFound(f"There is no rubric {rubric_id!r}.")
    return version


def versions_of(session: Session, rubric_id: str) -> list[tuple[RubricVersion, str]]:
    """Every stored version of a rubric, oldest first, with the name of who saved it."""
    rows = session.exec(
        select(RubricVersion, Person.name)
        .join(Person, col(Person.id) == col(RubricVersion.created_by), isouter=True)
        .where(RubricVersion.rubric_id == rubric_id)
        .order_by(col(RubricVersion.version))
    ).all()
    if not rows:
        raise NotFound(f"There is no rubric {rubric_id!r}.")
    return [(version, name or "bundled with the software") for version, name in rows]


def usage(session: Session) -> dict[str, Usage]:
    """For each rubric id, the cohorts and cases that name it."""
    found: dict[str, Usage] = {}
    for cohort in session.exec(select(Cohort).order_by(col(Cohort.name))):
        found.setdefault(cohort.rubric_id, Usage()).cohorts.append(cohort)
    for version in case_store.latest_versions(session):
        found.setdefault(case_store.case_of(version).rubric, Usage()).cases.append(version)
    return found


def used_criteria_and_levels(session: Session, rubric_id: str) -> tuple[Counter, Counter]:
    """How many stored records of sessions on this rubric use each criterion id and each level."""
    scheduled = session.exec(
        select(CaseVersion).where(
            col(CaseVersion.id).in_(select(Breakout.case_version_id).distinct())
        )
    )
    version_ids = [v.id for v in scheduled if case_store.case_of(v).rubric == rubric_id]
    criteria: Counter[str] = Counter()
    levels: Counter[int] = Counter()
    if not version_ids:
        return criteria, levels
    on_rubric = col(Breakout.case_version_id).in_(version_ids)
    for table in (Score, SelfAssessment, Note, ScoreChange):
        criterion = col(table.criterion_id)
        rows = session.exec(
            select(criterion, func.count())
            .join(Breakout, col(Breakout.id) == col(table.breakout_id))
            .where(on_rubric, criterion.is_not(None), criterion != "")
            .group_by(criterion)
        )
        criteria.update(dict(rows.all()))
    for table in (Score, SelfAssessment, ScoreChange):
        level = col(table.level)
        rows = session.exec(
            select(level, func.count())
            .join(Breakout, col(Breakout.id) == col(table.breakout_id))
            .where(on_rubric, level.is_not(None))
            .group_by(level)
        )
        levels.update(dict(rows.all()))
    return criteria, levels


def losses(session: Session, rubric_id: str, shape: RubricShape) -> list[Loss]:
    """What a version with this shape would drop that stored records still use."""
    criteria, levels = used_criteria_and_levels(session, rubric_id)
    found = [
        Loss(
            "criteria",
            f"criterion `{criterion}` is used by {_records(count)} (scores, notes, "
            "self-assessments): keep it (its name, description and descriptors may change)",
        )
        for criterion, count in sorted(criteria.items())
        if criterion not in shape.criteria
    ]
    found += [
        Loss(
            "scale",
            f"scale value {level} is used by {_records(count)} (scores, self-assessments): "
            "keep it on the scale (its label may change)",
        )
        for level, count in sorted(levels.items())
        if level not in shape.levels
    ]
    return found


def _records(count: int) -> str:
    return f"{count} stored record{'' if count == 1 else 's'}"


def store_rubric(
    session: Session, rubric: RubricFile, *, created_by: int | None
) -> tuple[RubricVersion | None, list[Loss]]:
    """Store a rubric; unchanged text keeps its version, changed text adds one unless it loses
    a criterion or level that stored records use (then None and every such loss)."""
    current = newest(session, rubric.rubric_id)
    sha = digest(rubric.source)
    if current is not None and current.sha256 == sha:
        return current, []
    lost = losses(session, rubric.rubric_id, rubric.shape)
    if lost:
        return None, lost
    version = RubricVersion(
        rubric_id=rubric.rubric_id,
        version=(current.version + 1) if current else 1,
        title=rubric.title,
        source=rubric.source,
        sha256=sha,
        created_by=created_by,
    )
    session.add(version)
    session.flush()
    return version, []


def sync_bundled_rubrics(session: Session, rubrics: Iterable[RubricFile]) -> int:
    """Store the bundled rubrics; idempotent. Returns how many new versions were stored.

    A rubric staff have edited keeps their version: the bundled file replaces only a version that
    was itself bundled, and never one whose scored criteria or levels it would drop.
    """
    added = 0
    for rubric in rubrics:
        current = newest(session, rubric.rubric_id)
        if current is not None and current.created_by is not None:
            continue
        version, lost = store_rubric(session, rubric, created_by=None)
        if version is None:
            log.warning(
                "bundled rubric %s not loaded, the stored version is kept: %s",
                rubric.rubric_id,
                "; ".join(loss.message for loss in lost),
            )
            continue
        added += int(current is None or version.id != current.id)
    return added


def newest(session: Session, rubric_id: str) -> RubricVersion | None:
    """The newest version of a rubric, or None if there is none."""
    return session.exec(
        select(RubricVersion)
        .where(RubricVersion.rubric_id == rubric_id)
        .order_by(col(RubricVersion.version).desc())
    ).first()
