"""A trainee's progress: level series in date order, practice counted from attended sessions."""

from __future__ import annotations

from datetime import datetime

from coaching.progress import LevelPoint, SessionRecord, trainee_progress

MARCH_2 = datetime(2026, 3, 2, 14)
MARCH_9 = datetime(2026, 3, 9, 14)
MARCH_9_LATE = datetime(2026, 3, 9, 20)
MARCH_16 = datetime(2026, 3, 16, 14)

HISTORY = [
    # Listed out of order on purpose.
    SessionRecord(
        MARCH_16,
        "mediator",
        90,
        True,
        {"looping": 3, "caucus": None, "opening": 2.5},
        coaches=("Coach Ama",),
        countries=("Kenya", "Taiwan"),
    ),
    SessionRecord(
        MARCH_2,
        "mediator",
        60,
        True,
        {"looping": 1, "caucus": 2},
        coaches=("Coach Ben",),
        countries=("United States", "Kenya"),
    ),
    SessionRecord(MARCH_9_LATE, "observer", 45, True, coaches=("Coach Ama",), countries=("Peru",)),
    SessionRecord(MARCH_9, "party", 90, True, coaches=("Coach Ben", "Coach Cy")),
    SessionRecord(
        datetime(2026, 3, 23), "mediator", 90, False, coaches=("Coach Di",), countries=("Chile",)
    ),
]


def test_series_are_in_date_order_and_skip_unscored() -> None:
    progress = trainee_progress(HISTORY)
    assert progress.series == {
        "looping": (LevelPoint(MARCH_2, 1), LevelPoint(MARCH_16, 3)),
        "caucus": (LevelPoint(MARCH_2, 2),),
        "opening": (LevelPoint(MARCH_16, 2.5),),
    }
    assert progress.latest == {"looping": 3, "caucus": 2, "opening": 2.5}


def test_practice_counts_attended_sessions_only() -> None:
    progress = trainee_progress(HISTORY)
    assert progress.sessions_by_role == {"mediator": 2, "party": 1, "observer": 1}
    assert progress.hours == (90 + 60 + 45 + 90) / 60
    assert progress.coaches == ("Coach Ama", "Coach Ben", "Coach Cy")
    assert progress.countries == ("Kenya", "Peru", "Taiwan", "United States")


def test_empty_history() -> None:
    progress = trainee_progress([])
    assert progress.series == {} and progress.latest == {}
    assert progress.sessions_by_role == {"mediator": 0, "party": 0, "observer": 0}
    assert (progress.hours, progress.coaches, progress.countries) == (0, (), ())


def test_scored_means_a_published_level() -> None:
    assert SessionRecord(MARCH_2, "mediator", 90, True, {"looping": 2}).scored
    assert not SessionRecord(MARCH_2, "mediator", 90, True, {"looping": None}).scored
    assert not SessionRecord(MARCH_2, "mediator", 90, True).scored


def test_the_latest_level_follows_the_date_not_the_list() -> None:
    later = SessionRecord(MARCH_16, "mediator", 90, True, {"looping": 2})
    earlier = SessionRecord(MARCH_9, "mediator", 90, True, {"looping": 4})
    assert trainee_progress([later, earlier]).latest == {"looping": 2}
    assert trainee_progress([earlier, later]) == trainee_progress([later, earlier])
