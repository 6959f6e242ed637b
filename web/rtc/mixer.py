"""Mixing several people's audio into one track on one timeline: plain numpy, no I/O.

Each person's decoded audio arrives in 20 ms frames, at its own pace and with network jitter.
The mixer lays a person's frames end to end from where the first one arrived, so jitter does not
chop the sound, and starts them afresh from the arrival time after a gap (a pause, a reconnect) or
when they drift too far from it. What is older than a short lag is summed, clipped and handed on.
"""

from __future__ import annotations

import numpy as np

SAMPLE_RATE = 48_000


class Mixer:
    """Sums sources onto one timeline counted in samples since the recording began."""

    def __init__(self, sample_rate: int = SAMPLE_RATE, drift_seconds: float = 0.25) -> None:
        self.sample_rate = sample_rate
        self.drift = int(drift_seconds * sample_rate)
        self.flushed = 0  # samples already handed on; audio placed before this is too late
        self._pending = np.zeros(0, dtype=np.float32)
        self._next: dict[int, int] = {}  # where each source's next frame goes if it is on time
        self.late_samples = 0

    def add(self, source: int, samples: np.ndarray, arrived_at: int) -> None:
        """Place a frame of `source` that arrived when the timeline stood at `arrived_at`."""
        count = len(samples)
        if count == 0:
            return
        arrival_start = arrived_at - count
        start = self._next.get(source)
        if start is None or abs(start - arrival_start) > self.drift:
            start = arrival_start
        self._next[source] = start + count
        data = np.asarray(samples, dtype=np.float32)
        if start < self.flushed:
            self.late_samples += min(count, self.flushed - start)
            data = data[self.flushed - start :]
            start = self.flushed
        if not len(data):
            return
        offset = start - self.flushed
        end = offset + len(data)
        if end > len(self._pending):
            self._pending = np.concatenate(
                [self._pending, np.zeros(end - len(self._pending), dtype=np.float32)]
            )
        self._pending[offset:end] += data

    def forget(self, source: int) -> None:
        """A source left: its next frame (if it comes back) starts from its arrival."""
        self._next.pop(source, None)

    def take(self, until: int) -> np.ndarray:
        """The mix from the last take up to sample `until` (silence where nobody spoke)."""
        count = until - self.flushed
        if count <= 0:
            return np.zeros(0, dtype=np.float32)
        out = np.zeros(count, dtype=np.float32)
        ready = min(count, len(self._pending))
        out[:ready] = self._pending[:ready]
        self._pending = self._pending[ready:]
        self.flushed = until
        return np.clip(out, -1.0, 1.0)
