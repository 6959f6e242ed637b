"""Certificate rules at their edges, and verification codes that catch typing mistakes."""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta

import pytest

from coaching.certificate import (
    ALPHABET,
    CertificateProgress,
    CertificateRules,
    Requirement,
    certificate_progress,
    is_valid_verification_code,
    new_verification_code,
    parse_verification_code,
)
from coaching.progress import RoleKind, SessionRecord

CRITERIA = {"opening": "Opening and ground rules", "looping": "Looping", "caucus": "Caucus use"}
START = datetime(2026, 3, 2, 14, 0)
GOOD = {"opening": 3, "looping": 4, "caucus": 3}


def session(
    day: int,
    role: RoleKind = "party",
    scores: dict[str, float | None] | None = None,
    *,
    attended: bool = True,
    minutes: int = 90,
) -> SessionRecord:
    return SessionRecord(START + timedelta(days=day), role, minutes, attended, scores or {})


def progress(history: list[SessionRecord], **rules: object) -> CertificateProgress:
    return certificate_progress(CertificateRules(**rules), history, CRITERIA)  # type: ignore[arg-type]


def requirement(result: CertificateProgress, requirement_id: str) -> Requirement:
    (found,) = [r for r in result.requirements if r.id == requirement_id]
    return found


def complete_history() -> list[SessionRecord]:
    """Exactly the defaults: 8 sessions, 3 as mediator, the last 2 scored at level 3 or above."""
    parties = [session(day) for day in range(5)]
    mediated = [session(day, "mediator", dict(GOOD)) for day in range(5, 8)]
    return parties + mediated


def test_defaults() -> None:
    rules = CertificateRules()
    assert (rules.min_sessions, rules.min_mediator_sessions) == (8, 3)
    assert (rules.min_level, rules.last_scored, rules.min_hours) == (3, 2, None)


def test_exactly_the_targets_is_complete() -> None:
    result = progress(complete_history())
    assert result.complete
    assert [r.id for r in result.requirements] == ["sessions", "mediator", "levels"]
    assert all(r.done and r.missing == "" for r in result.requirements)
    assert requirement(result, "sessions").current == 8
    assert requirement(result, "mediator").current == 3
    levels = requirement(result, "levels")
    assert (levels.current, levels.target) == (3, 3)
    assert levels.label == "Every criterion at level 3 or above in your last 2 scored sessions"


def test_one_session_short() -> None:
    history = complete_history()[1:]
    sessions = requirement(progress(history), "sessions")
    assert (sessions.current, sessions.target, sessions.done) == (7, 8, False)
    assert sessions.missing == "1 more session"
    assert not progress(history).complete


def test_missed_sessions_do_not_count() -> None:
    history = [*complete_history(), session(9, "mediator", attended=False)]
    history[0] = session(0, attended=False)
    result = progress(history)
    assert requirement(result, "sessions").missing == "1 more session"
    assert requirement(result, "mediator").current == 3


def test_mediator_sessions_short() -> None:
    history = [session(day) for day in range(7)] + [session(7, "mediator", dict(GOOD))]
    result = progress(history)
    mediator = requirement(result, "mediator")
    assert (mediator.current, mediator.done, mediator.missing) == (
        1,
        False,
        "2 more sessions as mediator",
    )
    assert requirement(result, "sessions").done
    assert not result.complete
    one_short = progress(history + [session(8, "mediator")])
    assert requirement(one_short, "mediator").missing == "1 more session as mediator"


def test_scores_exactly_at_the_level_pass_and_just_below_fail() -> None:
    history = complete_history()
    assert requirement(progress(history), "levels").done  # opening and caucus are exactly 3
    history[-1] = session(7, "mediator", {**GOOD, "looping": 2.9})
    levels = requirement(progress(history), "levels")
    assert not levels.done
    assert levels.current == 2
    assert levels.missing == "Looping below level 3 in your last 2 scored sessions"


def test_only_the_last_scored_sessions_count() -> None:
    history = complete_history()
    history[5] = session(5, "mediator", {"opening": 1, "looping": 1, "caucus": 1})
    assert requirement(progress(history), "levels").done  # session 5 is the third scored
    assert not requirement(progress(history, last_scored=3), "levels").done
    # Unscored sessions after the scored ones do not push them out of the window.
    later = [*history, session(9), session(10, "observer", {"looping": None})]
    assert requirement(progress(later), "levels").done


def test_a_criterion_unscored_in_the_window_is_not_met() -> None:
    history = complete_history()
    history[6] = session(6, "mediator", {**GOOD, "caucus": None})
    levels = requirement(progress(history), "levels")
    assert (levels.done, levels.current) == (False, 2)
    assert levels.missing == "Caucus use not scored in your last 2 scored sessions"
    history[7] = session(7, "mediator", {"looping": 4})  # opening and caucus absent
    levels = requirement(progress(history), "levels")
    assert levels.missing == (
        "Opening and ground rules and Caucus use not scored in your last 2 scored sessions"
    )


def test_below_and_unscored_are_both_reported() -> None:
    history = complete_history()
    history[7] = session(7, "mediator", {"opening": 2, "looping": 2, "caucus": None})
    levels = requirement(progress(history), "levels")
    assert levels.current == 0
    assert levels.missing == (
        "Opening and ground rules and Looping below level 3 in your last 2 scored sessions; "
        "Caucus use not scored in your last 2 scored sessions"
    )


def test_fewer_scored_sessions_than_the_window() -> None:
    history = [session(day) for day in range(7)] + [session(7, "mediator", dict(GOOD))]
    levels = requirement(progress(history), "levels")
    assert (levels.done, levels.current, levels.target) == (False, 3, 3)
    assert levels.missing == "1 more scored session"
    low = history[:-1] + [session(7, "mediator", {**GOOD, "caucus": 2})]
    assert requirement(progress(low), "levels").missing == (
        "1 more scored session; Caucus use below level 3 in your last scored session"
    )


def test_no_scored_session_at_all() -> None:
    levels = requirement(progress([session(day) for day in range(3)]), "levels")
    assert (levels.done, levels.current, levels.target) == (False, 0, 3)
    assert levels.missing == "2 more scored sessions"


def test_history_order_does_not_matter() -> None:
    history = complete_history()
    history[0] = session(20, "mediator", {**GOOD, "looping": 1})  # the latest, though listed first
    levels = requirement(progress(history), "levels")
    assert levels.missing == "Looping below level 3 in your last 2 scored sessions"
    assert progress(list(reversed(history))) == progress(history)


def test_hours_only_when_asked() -> None:
    history = complete_history()  # 8 x 90 minutes = 12 hours
    assert "hours" not in [r.id for r in progress(history).requirements]
    assert progress(history, min_hours=12).complete
    hours = requirement(progress(history, min_hours=13.5), "hours")
    assert (hours.current, hours.target, hours.done) == (12, 13.5, False)
    assert hours.missing == "1.5 more hours of practice"
    assert requirement(progress(history, min_hours=13), "hours").missing == (
        "1 more hour of practice"
    )
    # 1 minute short is not rounded away.
    short = [*history[:-1], session(7, "mediator", dict(GOOD), minutes=89)]
    assert requirement(progress(short, min_hours=12), "hours").missing == (
        "0.1 more hours of practice"
    )


def test_rules_with_impossible_values_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        CertificateRules(min_sessions=-1)
    with pytest.raises(ValueError, match="one scored session or more"):
        CertificateRules(last_scored=0)
    with pytest.raises(ValueError, match="leave it unset"):
        CertificateRules(min_hours=-2)


CODE = re.compile(r"MSIM-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}")


def test_codes_have_the_format_and_no_ambiguous_characters() -> None:
    assert len(ALPHABET) == len(set(ALPHABET)) == 32
    assert not set("01OI") & set(ALPHABET)
    codes = {new_verification_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert CODE.fullmatch(code), code
        assert parse_verification_code(code) == code


def test_code_from_a_given_source() -> None:
    picks = iter("7KQ4XP2")
    code = new_verification_code(lambda alphabet: next(picks))
    assert code == "MSIM-7KQ4-XP2T"


@pytest.mark.parametrize(
    "typed", ["msim-7kq4-xp2t", " MSIM 7KQ4 XP2T ", "MSIM7KQ4XP2T", "7KQ4-XP2T", "7kq4xp2t"]
)
def test_codes_are_read_however_typed(typed: str) -> None:
    assert parse_verification_code(typed) == "MSIM-7KQ4-XP2T"
    assert is_valid_verification_code(typed)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("MSIM-7KQ4-XP2", "8 characters after MSIM"),
        ("MSIM-7KQ4-XP2TT", "8 characters after MSIM"),
        ("", "8 characters after MSIM"),
        ("MSIM-7KQ4-XP0T", "has no 0"),
        ("MSIM-7KQ4-XPIO", "has no I, O"),
        ("MSIM-7KQ4-XP2M", "typing mistake"),
    ],
)
def test_bad_codes_say_what_to_check(typed: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_verification_code(typed)
    assert not is_valid_verification_code(typed)


def test_every_single_substitution_and_neighbour_swap_is_caught() -> None:
    rng = random.Random(4)
    for _ in range(25):
        code = new_verification_code(rng.choice)
        body = code.replace("MSIM-", "").replace("-", "")
        for index, original in enumerate(body):
            for other in ALPHABET.replace(original, ""):
                typo = body[:index] + other + body[index + 1 :]
                assert not is_valid_verification_code(typo), (code, typo)
        for index in range(len(body) - 1):
            if body[index] != body[index + 1]:
                swapped = body[:index] + body[index + 1] + body[index] + body[index + 2 :]
                assert not is_valid_verification_code(swapped), (code, swapped)
