"""Self-assessment beside coach feedback: gaps, flags and the summary sentence."""

from __future__ import annotations

import pytest

from coaching.comparison import ComparisonRow, compare

CRITERIA = {
    "opening": "Opening and ground rules",
    "looping": "Looping",
    "caucus": "Caucus use",
    "options": "Generating options",
}


def row(result_rows: tuple[ComparisonRow, ...], criterion: str) -> ComparisonRow:
    (found,) = [r for r in result_rows if r.criterion == criterion]
    return found


def test_one_coach() -> None:
    result = compare(
        CRITERIA,
        {"opening": 4, "looping": 4, "caucus": 2, "options": 3},
        {"Coach Ama": {"opening": 3, "looping": 2, "caucus": 2, "options": 4}},
    )
    assert [r.criterion for r in result.rows] == ["opening", "looping", "caucus", "options"]
    looping = row(result.rows, "looping")
    assert looping == ComparisonRow("looping", "Looping", 4, (("Coach Ama", 2),), 2, 2, True)
    assert (row(result.rows, "opening").gap, row(result.rows, "opening").flagged) == (1, False)
    assert row(result.rows, "caucus").gap == 0
    assert row(result.rows, "options").gap == -1
    assert result.summary == (
        "You rated yourself higher than your coach on 2 criteria and lower on 1 criterion."
        " The gap is 2 levels or more on Looping."
    )


def test_several_coaches_are_averaged() -> None:
    result = compare(
        CRITERIA,
        {"looping": 1, "caucus": 3},
        {"Coach Ama": {"looping": 3, "caucus": 2}, "Coach Ben": {"looping": 4, "caucus": None}},
    )
    looping = row(result.rows, "looping")
    assert looping.coach_levels == (("Coach Ama", 3), ("Coach Ben", 4))
    assert (looping.coach_level, looping.gap, looping.flagged) == (3.5, -2.5, True)
    caucus = row(result.rows, "caucus")  # Coach Ben left caucus unscored
    assert (caucus.coach_levels, caucus.coach_level, caucus.gap) == ((("Coach Ama", 2),), 2, 1)
    assert result.summary == (
        "You rated yourself higher than your coaches on 1 criterion and lower on 1 criterion."
        " The gap is 2 levels or more on Looping."
    )


def test_missing_sides_give_no_gap() -> None:
    result = compare(CRITERIA, {"opening": 3, "looping": None}, {"Coach Ama": {"looping": 2}})
    for criterion in CRITERIA:
        assert row(result.rows, criterion).gap is None
        assert not row(result.rows, criterion).flagged
    assert row(result.rows, "opening").coach_level is None
    assert row(result.rows, "looping").self_level is None
    assert (
        result.summary
        == "Assess yourself on the rubric to see your levels beside the coach feedback."
    )


def test_flag_threshold_is_configurable_and_inclusive() -> None:
    self_levels = {"opening": 3, "looping": 2}
    coaches = {"Coach Ama": {"opening": 2, "looping": 3}}
    assert not any(r.flagged for r in compare(CRITERIA, self_levels, coaches).rows)
    strict = compare(CRITERIA, self_levels, coaches, flag_gap=1)
    assert [r.criterion for r in strict.rows if r.flagged] == ["opening", "looping"]
    assert strict.summary == (
        "You rated yourself higher than your coach on 1 criterion and lower on 1 criterion."
        " The gap is 1 level or more on Opening and ground rules, Looping."
    )
    with pytest.raises(ValueError, match="above 0"):
        compare(CRITERIA, self_levels, coaches, flag_gap=0)


@pytest.mark.parametrize(
    ("self_levels", "coaches", "summary"),
    [
        ({"looping": 3}, {}, "Your coach has not published feedback yet."),
        (
            {"looping": 3, "caucus": 2},
            {"Coach Ama": {"looping": 3, "caucus": 2}},
            "Your levels match those of your coach on every criterion you both scored.",
        ),
        (
            {"looping": 1, "caucus": 1, "options": 2},
            {"Coach Ama": {"looping": 2, "caucus": 2, "options": 3}},
            "You rated yourself lower than your coach on 3 criteria.",
        ),
    ],
)
def test_summaries(
    self_levels: dict[str, float], coaches: dict[str, dict[str, float]], summary: str
) -> None:
    assert compare(CRITERIA, self_levels, coaches).summary == summary  # type: ignore[arg-type]
