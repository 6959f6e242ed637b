"""Glue between sessions and the coaching package: which rubric a session uses, and its shape."""

from __future__ import annotations

from coaching.rubric import Rubric
from simulator.rubric_store import rubric_id_for
from simulator.scoring import RubricShape

__all__ = ["rubric_id_for", "shape_of"]


def shape_of(rubric: Rubric) -> RubricShape:
    """The criteria and levels of a rubric, as the database layer checks scores against them."""
    return RubricShape(
        criteria=tuple(c.id for c in rubric.criteria),
        levels=tuple(level.value for level in rubric.scale),
    )
