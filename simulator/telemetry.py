"""Counters for operations, and the Prometheus text format they are read in.

Each server process counts in memory (a lock-free dict update per event). With several workers
and Redis, each process adds its counts to a shared Redis hash every few seconds, so a scrape of
any worker reports the whole deployment.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

Key = tuple[str, tuple[tuple[str, str], ...]]  # metric name, sorted labels


@dataclass(frozen=True)
class Metric:
    name: str
    kind: str  # counter | gauge
    help: str


METRICS: tuple[Metric, ...] = (
    Metric("mediation_live_rooms", "gauge", "Breakout rooms open now (not ended)."),
    Metric(
        "mediation_connected_participants", "gauge", "People connected to live rooms right now."
    ),
    Metric(
        "mediation_websocket_messages_total",
        "counter",
        "Room websocket messages received from clients.",
    ),
    Metric(
        "mediation_websocket_connections_total", "counter", "Room websocket connections accepted."
    ),
    Metric(
        "mediation_errors_total",
        "counter",
        "Errors by kind: http_5xx (a page or API call failed), ws_rejected (a room message was "
        "refused), ws_internal (a room message failed on the server).",
    ),
    Metric("mediation_http_requests_total", "counter", "HTTP requests answered, by status class."),
    Metric("mediation_schedule_runs_total", "counter", "Scheduling engine runs, by result."),
    Metric(
        "mediation_schedule_seconds_total", "counter", "Seconds spent in the scheduling engine."
    ),
)
KNOWN = {m.name: m for m in METRICS}


def key(name: str, labels: Mapping[str, str]) -> Key:
    return name, tuple(sorted(labels.items()))


class Counters:
    """Monotonic counts in this process; `take` hands over the counts not yet shared."""

    def __init__(self) -> None:
        self.totals: dict[Key, float] = defaultdict(float)
        self.unshared: dict[Key, float] = defaultdict(float)

    def inc(self, name: str, value: float = 1.0, **labels: str) -> None:
        if name not in KNOWN:
            raise KeyError(f"unknown metric {name}")
        k = key(name, labels)
        self.totals[k] += value
        self.unshared[k] += value

    def take(self) -> dict[Key, float]:
        """The counts added since the last call (for adding to a shared store)."""
        out, self.unshared = dict(self.unshared), defaultdict(float)
        return out


def encode_key(k: Key) -> str:
    name, labels = k
    return name + "|" + ",".join(f"{a}={b}" for a, b in labels)


def decode_key(text: str) -> Key:
    name, _, rest = text.partition("|")
    labels = tuple(tuple(part.split("=", 1)) for part in rest.split(",") if part)
    return name, labels  # type: ignore[return-value]


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def render(samples: Iterable[tuple[Key, float]]) -> str:
    """Prometheus text exposition format 0.0.4: HELP and TYPE once per metric, then samples."""
    by_name: dict[str, list[tuple[Key, float]]] = defaultdict(list)
    for k, value in samples:
        by_name[k[0]].append((k, value))
    lines = []
    for metric in METRICS:
        lines.append(f"# HELP {metric.name} {metric.help}")
        lines.append(f"# TYPE {metric.name} {metric.kind}")
        for (name, labels), value in sorted(by_name.get(metric.name, [])):
            label_text = ",".join(f'{a}="{_escape(b)}"' for a, b in labels)
            lines.append(
                f"{name}{{{label_text}}} {_number(value)}" if labels else f"{name} {_number(value)}"
            )
    return "\n".join(lines) + "\n"
