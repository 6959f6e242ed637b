"""Synthetic media for headless peers: a steady sine tone, a moving test picture, and a check of
which tone arrived."""

from __future__ import annotations

import asyncio
import fractions
import math
import time

import av
import numpy as np
from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack

SAMPLE_RATE = 48_000
FRAME_SAMPLES = 960  # 20 ms


class ToneTrack(AudioStreamTrack):
    """A sine tone at `frequency` Hz, paced in real time like a microphone."""

    def __init__(self, frequency: float = 440.0, amplitude: float = 0.3) -> None:
        super().__init__()
        self.frequency = frequency
        self.amplitude = amplitude
        self._sent = 0
        self._start: float | None = None

    async def recv(self) -> av.AudioFrame:
        if self._start is None:
            self._start = time.monotonic()
        due = self._start + self._sent / SAMPLE_RATE
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        t = (np.arange(FRAME_SAMPLES) + self._sent) / SAMPLE_RATE
        samples = (self.amplitude * 32767 * np.sin(2 * math.pi * self.frequency * t)).astype(
            np.int16
        )
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        frame.pts = self._sent
        frame.time_base = fractions.Fraction(1, SAMPLE_RATE)
        self._sent += FRAME_SAMPLES
        return frame


class PatternTrack(VideoStreamTrack):
    """A moving grey ramp with a sweeping bar, paced like a camera.

    A still picture would cost an encoder almost nothing; a moving one costs what a face does,
    so load figures measured with it mean something.
    """

    def __init__(self, width: int = 640, height: int = 360, fps: int = 24) -> None:
        super().__init__()
        self.width, self.height, self.fps = width, height, fps
        ramp = (np.arange(2 * width) * 255 // (2 * width)).astype(np.uint8)
        self._luma = np.tile(ramp, (height, 1))
        self._chroma = np.full((height // 2, width), 128, dtype=np.uint8)
        self._count = 0
        self._start: float | None = None

    async def recv(self) -> av.VideoFrame:
        if self._start is None:
            self._start = time.monotonic()
        delay = self._start + self._count / self.fps - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        shift = (self._count * 8) % self.width
        luma = self._luma[:, shift : shift + self.width].copy()
        bar = (self._count * 4) % self.height
        luma[bar : bar + 12, :] = 235
        frame = av.VideoFrame.from_ndarray(np.vstack([luma, self._chroma]), format="yuv420p")
        frame.pts = self._count * (90_000 // self.fps)
        frame.time_base = fractions.Fraction(1, 90_000)
        self._count += 1
        return frame


def mono_samples(frame: av.AudioFrame) -> np.ndarray:
    """A decoded frame as one float channel."""
    data = frame.to_ndarray()
    if frame.format.is_planar:
        channel = data[0]
    else:
        channel = data.reshape(-1, len(frame.layout.channels))[:, 0]
    scale = 32768.0 if channel.dtype == np.int16 else 1.0
    return channel.astype(np.float64) / scale


def dominant_frequency(samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> float:
    """The strongest frequency in a stretch of audio (Hz)."""
    if samples.size == 0:
        return 0.0
    window = np.hanning(samples.size)
    spectrum = np.abs(np.fft.rfft(samples * window))
    spectrum[0] = 0
    return float(np.fft.rfftfreq(samples.size, 1 / sample_rate)[int(np.argmax(spectrum))])
