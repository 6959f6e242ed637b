"""What a connection check's figures mean for a role play, in plain words.

Pure: the server recomputes the verdict from the figures a browser measured, with these limits,
and never takes the browser's word for it. The limits are what a spoken role play tolerates:
ITU-T G.114 keeps one-way delay under 150 ms for natural conversation and calls 400 ms the edge
of acceptable, and Opus conceals a few percent of loss; video needs a few hundred kbit/s more.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from simulator.errors import BadRequest


class Verdict(StrEnum):
    FINE = "fine"
    AUDIO_ONLY = "audio-only"
    WEAK = "weak"
    FAILED = "failed"


@dataclass(frozen=True)
class Limits:
    """The worst figures a level still accepts (bitrate: the least)."""

    rtt_ms: float
    jitter_ms: float
    loss_percent: float
    video_kbps: float
    audio_kbps: float


# Video and audio both fine up to these. The echo sends back what it got, re-encoded (aiortc
# aims at 500 kbit/s for video and sends less for a plain picture), so the bitrate only tells
# whether video came back at a usable rate, not how much more the line could carry.
FINE = Limits(rtt_ms=250, jitter_ms=30, loss_percent=2, video_kbps=150, audio_kbps=20)
# Audio still carries a conversation up to these (video will freeze or blur).
AUDIO = Limits(rtt_ms=500, jitter_ms=60, loss_percent=8, video_kbps=24, audio_kbps=12)

# What a browser may report: anything outside is a broken or hostile client.
RANGES: dict[str, tuple[float, float]] = {
    "rtt_ms": (0, 60_000),
    "jitter_ms": (0, 10_000),
    "loss_percent": (0, 100),
    "bitrate_kbps": (0, 1_000_000),
}

HEADLINES = {
    Verdict.FINE: "Your connection is fine for video.",
    Verdict.AUDIO_ONLY: "Your connection is good enough for audio; video may freeze.",
    Verdict.WEAK: "Your connection is weak.",
    Verdict.FAILED: "Your browser could not connect to the server.",
}

ADVICE = {
    Verdict.FINE: "Nothing to change. Join the room as you are.",
    Verdict.AUDIO_ONLY: (
        "In the room, press Audio only if others freeze or break up; "
        "closing other video calls and downloads helps."
    ),
    Verdict.WEAK: (
        "Move closer to your Wi-Fi router or use a network cable, pause downloads, streaming and "
        "other calls, then run the check again. In the room, use Audio only."
    ),
    Verdict.FAILED: (
        "Try another network, or turn off a VPN or firewall, then run the check again. If it "
        "still fails, tell programme staff: your network may need the relay server (TURN)."
    ),
}

RELAYED = (
    "Your media went through a relay server (TURN): that works, though a direct path is faster."
)


@dataclass(frozen=True)
class Figures:
    """One check's measurements; None where the browser could not measure a figure."""

    rtt_ms: float | None = None
    jitter_ms: float | None = None
    loss_percent: float | None = None
    bitrate_kbps: float | None = None
    relayed: bool = False
    video: bool = True  # the check sent video (a camera was there)


@dataclass(frozen=True)
class Advice:
    verdict: Verdict
    headline: str
    advice: str
    reasons: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """The stored advice: what to do, why, and the relay note (fits the 500-character column)."""
        parts = [self.advice]
        if self.reasons:
            parts.append("Why: " + "; ".join(self.reasons) + ".")
        return " ".join(parts)[:500]


def _over(value: float | None, limit: float) -> bool:
    return value is not None and value > limit


def _problems(figures: Figures, limits: Limits) -> list[str]:
    """The figures that miss these limits, said plainly."""
    found = []
    if _over(figures.rtt_ms, limits.rtt_ms):
        found.append(f"round trip {figures.rtt_ms:.0f} ms (up to {limits.rtt_ms:.0f} ms is good)")
    if _over(figures.jitter_ms, limits.jitter_ms):
        found.append(f"jitter {figures.jitter_ms:.0f} ms (up to {limits.jitter_ms:.0f} ms)")
    if _over(figures.loss_percent, limits.loss_percent):
        found.append(
            f"{figures.loss_percent:.1f}% packets lost (up to {limits.loss_percent:g}% is good)"
        )
    least = limits.video_kbps if figures.video else limits.audio_kbps
    if figures.bitrate_kbps is not None and figures.bitrate_kbps < least:
        found.append(f"{figures.bitrate_kbps:.0f} kbit/s received (at least {least:.0f} needed)")
    return found


def advise(figures: Figures) -> Advice:
    """The verdict and the plain advice for a check's figures."""
    if not figures.bitrate_kbps:
        verdict, reasons = Verdict.FAILED, ["no audio or video came back from the server"]
    elif not (fine_misses := _problems(figures, FINE)):
        verdict, reasons = Verdict.FINE, []
    else:
        audio_misses = _problems(figures, AUDIO)
        verdict = Verdict.WEAK if audio_misses else Verdict.AUDIO_ONLY
        reasons = audio_misses or fine_misses
    advice = ADVICE[verdict] + (f" {RELAYED}" if figures.relayed else "")
    return Advice(verdict, HEADLINES[verdict], advice, tuple(reasons))


def parse_figures(data: Mapping[str, Any]) -> Figures:
    """Figures from a browser's JSON, each in its range; a clear BadRequest otherwise."""
    values: dict[str, float | None] = {}
    for name, (low, high) in RANGES.items():
        raw = data.get(name)
        if raw is None:
            values[name] = None
            continue
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
            raise BadRequest(f"{name} must be a number or null.")
        if not low <= raw <= high:
            raise BadRequest(f"{name} must be between {low:g} and {high:g}; got {raw:g}.")
        values[name] = float(raw)
    flags = {}
    for name in ("relayed", "video"):
        raw = data.get(name, name == "video")
        if not isinstance(raw, bool):
            raise BadRequest(f"{name} must be true or false.")
        flags[name] = raw
    return Figures(**values, **flags)
