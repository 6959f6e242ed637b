"""Self-assessment beside coach feedback, so trainees see where their view of themselves differs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["Comparison", "ComparisonRow", "compare"]


@dataclass(frozen=True)
class ComparisonRow:
    """One criterion: the trainee's own level, each coach's, and the gap between them."""

    criterion: str
    name: str
    self_level: float | None
    coach_levels: tuple[tuple[str, float], ...]  # (coach, level) for each coach who published
    coach_level: float | None  # the mean of coach_levels
    gap: float | None  # self_level - coach_level, when both exist
    flagged: bool  # the gap is large enough to highlight


@dataclass(frozen=True)
class Comparison:
    """Every criterion side by side, and a short summary of the differences."""

    rows: tuple[ComparisonRow, ...]
    summary: str


def compare(
    criteria: Mapping[str, str],
    self_levels: Mapping[str, float | None],
    coach_levels: Mapping[str, Mapping[str, float | None]],
    flag_gap: float = 2,
) -> Comparison:
    """Compare per criterion (ids mapped to names, in rubric order); coach_levels is per coach."""
    if flag_gap <= 0:
        raise ValueError("the gap that flags a criterion must be above 0, such as 1 or 2")
    rows = tuple(
        _row(criterion, name, self_levels.get(criterion), coach_levels, flag_gap)
        for criterion, name in criteria.items()
    )
    return Comparison(rows, _summary(rows, len(coach_levels), flag_gap))


def _row(
    criterion: str,
    name: str,
    own: float | None,
    coach_levels: Mapping[str, Mapping[str, float | None]],
    flag_gap: float,
) -> ComparisonRow:
    levels = tuple(
        (coach, level)
        for coach, scores in coach_levels.items()
        if (level := scores.get(criterion)) is not None
    )
    mean = sum(level for _, level in levels) / len(levels) if levels else None
    gap = own - mean if own is not None and mean is not None else None
    flagged = gap is not None and abs(gap) >= flag_gap
    return ComparisonRow(criterion, name, own, levels, mean, gap, flagged)


def _summary(rows: tuple[ComparisonRow, ...], coaches: int, flag_gap: float) -> str:
    compared = [row for row in rows if row.gap is not None]
    if not any(row.coach_level is not None for row in rows):
        return "Your coach has not published feedback yet."
    if not compared:
        return "Assess yourself on the rubric to see your levels beside the coach feedback."
    coach = "your coaches" if coaches > 1 else "your coach"
    higher = sum(row.gap > 0 for row in compared if row.gap is not None)
    lower = sum(row.gap < 0 for row in compared if row.gap is not None)
    if not higher and not lower:
        return f"Your levels match those of {coach} on every criterion you both scored."
    parts = [f"higher than {coach} on {_criteria(higher)}"] if higher else []
    if lower:
        parts.append(f"lower{'' if higher else f' than {coach}'} on {_criteria(lower)}")
    sentence = f"You rated yourself {' and '.join(parts)}."
    flagged = [row.name for row in compared if row.flagged]
    if flagged:
        size = f"{flag_gap:g} {'level' if flag_gap == 1 else 'levels'}"
        sentence += f" The gap is {size} or more on {', '.join(flagged)}."
    return sentence


def _criteria(count: int) -> str:
    return f"{count} criterion" if count == 1 else f"{count} criteria"
