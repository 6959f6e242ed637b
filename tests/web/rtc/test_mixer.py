"""The mixer: frames laid end to end per person, jitter absorbed, gaps kept, sums clipped."""

from __future__ import annotations

import numpy as np

from web.rtc.mixer import Mixer

FRAME = 960


def tone(hz: float, start: int, count: int) -> np.ndarray:
    return 0.3 * np.sin(2 * np.pi * hz * (np.arange(count) + start) / 48_000)


def test_jittery_arrivals_are_laid_end_to_end():
    mixer = Mixer()
    for i in range(50):
        jitter = (-1) ** i * 400 if i else 0  # after the first, arrivals wobble by ±8 ms
        mixer.add(1, tone(440, i * FRAME, FRAME), (i + 1) * FRAME + jitter)
    out = mixer.take(50 * FRAME)
    assert np.allclose(out[: 49 * FRAME], tone(440, 0, 49 * FRAME), atol=1e-6)


def test_two_people_are_summed_and_clipped():
    mixer = Mixer()
    mixer.add(1, np.full(FRAME, 0.7), FRAME)
    mixer.add(2, np.full(FRAME, 0.6), FRAME)
    out = mixer.take(FRAME)
    assert out.max() == 1.0 and out.dtype == np.float32


def test_a_gap_stays_silent_and_the_timeline_keeps_the_clock():
    mixer = Mixer()
    mixer.add(1, np.ones(FRAME), FRAME)
    mixer.add(1, np.ones(FRAME), 48_000)  # back after a pause: placed at its arrival
    out = mixer.take(48_000)
    assert out[:FRAME].min() == 1.0
    assert out[FRAME : 48_000 - FRAME].max() == 0.0
    assert out[48_000 - FRAME :].min() == 1.0


def test_audio_arriving_after_it_was_written_is_dropped_and_counted():
    mixer = Mixer()
    assert len(mixer.take(2 * FRAME)) == 2 * FRAME
    mixer.add(1, np.ones(FRAME), FRAME)
    assert mixer.late_samples == FRAME
    assert mixer.take(3 * FRAME).max() == 0.0
    assert len(mixer.take(FRAME)) == 0  # nothing before the last take is handed on twice
