"""The connection check's verdicts at the edges of their limits, and the figures a browser may send."""

from __future__ import annotations

import math

import pytest

from simulator.connection_advice import (
    AUDIO,
    FINE,
    Figures,
    Verdict,
    advise,
    parse_figures,
)
from simulator.errors import BadRequest

GOOD = Figures(rtt_ms=40, jitter_ms=5, loss_percent=0, bitrate_kbps=900, video=True)


def with_(**changes: object) -> Figures:
    return Figures(**{**GOOD.__dict__, **changes})


def test_good_figures_are_fine_with_nothing_to_explain():
    advice = advise(GOOD)
    assert advice.verdict == Verdict.FINE and advice.reasons == ()
    assert "Nothing to change" in advice.text


@pytest.mark.parametrize(
    ("field", "fine_edge", "audio_edge"),
    [
        ("rtt_ms", FINE.rtt_ms, AUDIO.rtt_ms),
        ("jitter_ms", FINE.jitter_ms, AUDIO.jitter_ms),
        ("loss_percent", FINE.loss_percent, AUDIO.loss_percent),
    ],
)
def test_each_delay_and_loss_limit_is_inclusive(field, fine_edge, audio_edge):
    assert advise(with_(**{field: fine_edge})).verdict == Verdict.FINE
    assert advise(with_(**{field: fine_edge + 0.1})).verdict == Verdict.AUDIO_ONLY
    assert advise(with_(**{field: audio_edge})).verdict == Verdict.AUDIO_ONLY
    assert advise(with_(**{field: audio_edge + 0.1})).verdict == Verdict.WEAK


def test_video_bitrate_limits():
    assert advise(with_(bitrate_kbps=FINE.video_kbps)).verdict == Verdict.FINE
    assert advise(with_(bitrate_kbps=FINE.video_kbps - 1)).verdict == Verdict.AUDIO_ONLY
    assert advise(with_(bitrate_kbps=AUDIO.video_kbps)).verdict == Verdict.AUDIO_ONLY
    assert advise(with_(bitrate_kbps=AUDIO.video_kbps - 1)).verdict == Verdict.WEAK


def test_an_audio_only_check_is_judged_by_audio_bitrate():
    assert advise(with_(video=False, bitrate_kbps=40)).verdict == Verdict.FINE
    assert advise(with_(video=False, bitrate_kbps=FINE.audio_kbps)).verdict == Verdict.FINE
    assert advise(with_(video=False, bitrate_kbps=FINE.audio_kbps - 1)).verdict == (
        Verdict.AUDIO_ONLY
    )


def test_nothing_back_is_a_failed_check():
    for bitrate in (None, 0):
        advice = advise(Figures(rtt_ms=None, bitrate_kbps=bitrate))
        assert advice.verdict == Verdict.FAILED
        assert "another network" in advice.text


def test_weak_advice_names_the_router_and_the_figure_that_failed():
    advice = advise(with_(rtt_ms=800, loss_percent=1))
    assert advice.verdict == Verdict.WEAK
    assert "closer to your Wi-Fi router" in advice.advice
    assert advice.reasons == ("round trip 800 ms (up to 500 ms is good)",)


def test_audio_only_advice_and_the_relay_note():
    advice = advise(with_(loss_percent=4, relayed=True))
    assert advice.verdict == Verdict.AUDIO_ONLY
    assert "Audio only" in advice.advice and "relay server (TURN)" in advice.advice
    assert advice.reasons == ("4.0% packets lost (up to 2% is good)",)


def test_missing_figures_are_not_held_against_anyone():
    assert advise(Figures(bitrate_kbps=500)).verdict == Verdict.FINE


def test_stored_text_fits_its_column():
    advice = advise(
        Figures(rtt_ms=9000, jitter_ms=900, loss_percent=90, bitrate_kbps=1, relayed=True)
    )
    assert advice.verdict == Verdict.WEAK and len(advice.reasons) == 4
    assert len(advice.text) <= 500


def test_parse_figures_accepts_numbers_and_nulls():
    figures = parse_figures(
        {
            "rtt_ms": 12,
            "jitter_ms": None,
            "loss_percent": 0.5,
            "bitrate_kbps": 800.2,
            "relayed": True,
        }
    )
    assert figures == Figures(12.0, None, 0.5, 800.2, relayed=True, video=True)
    assert parse_figures({}) == Figures(video=True)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"rtt_ms": -1}, "rtt_ms must be between 0 and 60000"),
        ({"loss_percent": 100.5}, "loss_percent must be between 0 and 100"),
        ({"bitrate_kbps": "fast"}, "bitrate_kbps must be a number"),
        ({"jitter_ms": True}, "jitter_ms must be a number"),
        ({"rtt_ms": math.inf}, "rtt_ms must be a number"),
        ({"relayed": "yes"}, "relayed must be true or false"),
        ({"video": 1}, "video must be true or false"),
    ],
)
def test_parse_figures_rejects_what_a_browser_cannot_have_measured(body, message):
    with pytest.raises(BadRequest, match=message):
        parse_figures(body)
