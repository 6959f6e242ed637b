"""Glue between sessions and the coaching package: which rubric a session uses, and its shape."""

from __future__ import annotations

from sqlmodel import Session

from coaching.rubric import Rubric
from simulator import case_store
from simulator.models import Breakout, CaseVersion, Cohort
from simulator.scoring import RubricShape


def rubric_id_for(session: Session, breakout: Breakout) -> str:
    """The case's rubric, else the cohort's."""
    version = session.get(CaseVersion, breakout.case_version_id)
    if version is not None:
        return case_store.case_of(version).rubric
    cohort = session.get(Cohort, breakout.cohort_id)
    return cohort.rubric_id if cohort else "core-mediation-skills"


def shape_of(rubric: Rubric) -> RubricShape:
    return RubricShape(
        criteria=tuple(c.id for c in rubric.criteria),
        levels=tuple(level.value for level in rubric.scale),
    )
