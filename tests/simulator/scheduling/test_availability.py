"""Availability windows: parsing, windows past midnight, daylight saving in both hemispheres."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from simulator.scheduling.availability import (
    AvailabilityError,
    Window,
    fits,
    format_availability,
    parse_availability,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_parses_day_ranges_lists_and_several_windows() -> None:
    windows = parse_availability("Mon-Wed 18:00-22:00; Sat,Sun 09:00-13:00")
    assert [w.day for w in windows] == [0, 1, 2, 5, 6]
    assert windows[0] == Window(0, 18 * 60, 22 * 60)
    assert format_availability(windows).startswith("Mon 18:00-22:00; Tue 18:00-22:00")


def test_empty_text_means_any_time() -> None:
    assert parse_availability("") == ()
    assert parse_availability("  ;  ") == ()
    assert fits((), "Asia/Taipei", utc(2026, 12, 1, 3, 0), 600)


def test_a_range_may_wrap_the_week_and_full_day_names_work() -> None:
    assert [w.day for w in parse_availability("Fri-Mon 10:00-11:00")] == [0, 4, 5, 6]
    assert [w.day for w in parse_availability("Tuesday 10:00-11:00")] == [1]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("Mon 25:00-26:00", "not a time of day"),
        ("Mon 10:61-11:00", "not a time of day"),
        ("Funday 10:00-12:00", "not a day"),
        ("Mon 10:00-10:00", "starts when it ends"),
        ("evenings", "not a window"),
        ("Mon 10-12", "not a window"),
    ],
)
def test_bad_windows_say_what_is_wrong(text: str, fragment: str) -> None:
    with pytest.raises(AvailabilityError, match=fragment):
        parse_availability(text)


def test_a_window_past_midnight_holds_a_session_that_crosses_midnight() -> None:
    windows = parse_availability("Fri 22:00-01:00")
    # Friday 4 December 2026, 22:30 to Saturday 00:30 in London (UTC in winter).
    assert fits(windows, "Europe/London", utc(2026, 12, 4, 22, 30), 120)
    assert not fits(windows, "Europe/London", utc(2026, 12, 4, 23, 30), 120)
    # The part after midnight belongs to Friday's window, not to a Saturday one.
    assert not fits(windows, "Europe/London", utc(2026, 12, 5, 22, 30), 60)


def test_new_york_window_follows_the_clock_across_the_march_change() -> None:
    windows = parse_availability("Mon 18:00-20:00")
    # Monday 8 March 2027 is before the change (EST, UTC-5): 18:00 local is 23:00 UTC.
    assert fits(windows, "America/New_York", utc(2027, 3, 8, 23, 0), 120)
    assert not fits(windows, "America/New_York", utc(2027, 3, 8, 22, 0), 120)
    # Monday 15 March 2027 is after it (EDT, UTC-4): 18:00 local is 22:00 UTC.
    assert fits(windows, "America/New_York", utc(2027, 3, 15, 22, 0), 120)
    assert not fits(windows, "America/New_York", utc(2027, 3, 15, 23, 0), 120)


def test_sydney_window_follows_the_clock_across_the_april_change() -> None:
    windows = parse_availability("Wed 19:00-21:00")
    # Wednesday 31 March 2027, AEDT (UTC+11): 19:00 local is 08:00 UTC.
    assert fits(windows, "Australia/Sydney", utc(2027, 3, 31, 8, 0), 120)
    # Wednesday 7 April 2027, AEST (UTC+10): 19:00 local is 09:00 UTC.
    assert fits(windows, "Australia/Sydney", utc(2027, 4, 7, 9, 0), 120)
    assert not fits(windows, "Australia/Sydney", utc(2027, 4, 7, 8, 0), 120)


def test_a_window_over_the_autumn_change_keeps_its_wall_clock_length() -> None:
    # Sunday 7 November 2027 in New York: 01:00-02:00 happens twice; the window 00:00-03:00
    # is four real hours long that night.
    windows = parse_availability("Sun 00:00-03:00")
    assert fits(windows, "America/New_York", utc(2027, 11, 7, 4, 0), 240)
    assert not fits(windows, "America/New_York", utc(2027, 11, 7, 4, 0), 250)


def test_a_window_opening_in_the_skipped_hour_opens_when_clocks_jump() -> None:
    # Sunday 14 March 2027 in New York: 02:00-03:00 does not exist.
    windows = parse_availability("Sun 02:30-05:00")
    assert fits(windows, "America/New_York", utc(2027, 3, 14, 7, 30), 90)  # 03:30 EDT
    assert not fits(windows, "America/New_York", utc(2027, 3, 14, 6, 30), 30)  # 01:30 EST
