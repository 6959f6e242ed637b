"""A server-rendered SVG chart of each criterion's level over sessions, readable without JavaScript.

Lines differ by colour, marker and dash pattern, so no reader depends on colour alone, and sit a
few pixels apart where they share a level, so none hides another; the
<desc> lists every value for screen readers, and each point carries a <title> tooltip. Pass dates
already converted to the reader's time zone. Style it with `.level-chart { max-width: 100%;
height: auto; }`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from markupsafe import Markup, escape

__all__ = ["EMPTY_MESSAGE", "level_chart"]

EMPTY_MESSAGE = "No published levels yet: the chart appears after your first scored session."
WIDTH = 720
LEFT, RIGHT, TOP, PLOT_HEIGHT = 130, 24, 16, 240
PAD = 24  # between the y axis and the first and last session
MAX_X_LABELS = 9
LEGEND_TOP_GAP, LEGEND_ROW, LEGEND_COLUMNS, LEGEND_CHARS = 62, 24, 2, 38
Y_LABEL_CHARS = 14
MARKER = 5.0
DODGE_STEP, DODGE_SPAN = 3.0, 24.0  # pixels between lines that share a level, at most
FONT = 'font-family="system-ui, sans-serif" font-size="12" fill="#1d2433"'
COLOURS = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#8a6d00",
    "#1f78b4",
    "#000000",
    "#882255",
    "#117733",
    "#6a3d9a",
)
DASHES = ("", "8 4", "2 3", "8 3 2 3", "12 4 2 4 2 4")

Point = tuple[datetime, float]


def level_chart(
    series: Mapping[str, Sequence[Point]],
    criteria: Mapping[str, str],
    scale: Sequence[tuple[int, str]],
    *,
    title: str = "Your level on each criterion over your sessions",
) -> Markup:
    """A line chart of each criterion's (date, level) points in criteria order; a note if none."""
    levels = sorted(scale)
    if len(levels) < 2:
        raise ValueError("a chart needs a scale of at least two levels")
    lines = [(c, criteria[c], sorted(series[c])) for c in criteria if series.get(c)]
    if not lines:
        return Markup('<p class="chart-empty">{}</p>').format(EMPTY_MESSAGE)
    labels = dict(levels)
    low, high = levels[0][0], levels[-1][0]
    for _, name, points in lines:
        for _, level in points:
            if not low <= level <= high:
                raise ValueError(f"level {level:g} of {name} is off the scale ({low} to {high})")
    dates = sorted({date for _, _, points in lines for date, _ in points})
    plot_width = WIDTH - LEFT - RIGHT
    step = (plot_width - 2 * PAD) / (len(dates) - 1) if len(dates) > 1 else 0
    start = LEFT + PAD if len(dates) > 1 else LEFT + plot_width / 2
    columns = {date: start + index * step for index, date in enumerate(dates)}

    def x(date: datetime) -> float:
        return columns[date]

    def y(level: float) -> float:
        return TOP + (high - level) * PLOT_HEIGHT / (high - low)

    def nudged_y(index: int) -> Callable[[float], float]:
        # lines at the same level sit a few pixels apart instead of hiding each other
        offset = (index - (len(lines) - 1) / 2) * min(DODGE_STEP, DODGE_SPAN / len(lines))
        return lambda level: y(level) + offset

    legend_top = TOP + PLOT_HEIGHT + LEGEND_TOP_GAP
    height = legend_top + math.ceil(len(lines) / LEGEND_COLUMNS) * LEGEND_ROW
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="level-chart" role="img"'
        f' width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(_description(lines, levels, labels, dates))}</desc>",
        *_y_axis(levels, y),
        *_x_axis(dates, x),
    ]
    for index, (criterion, name, points) in enumerate(lines):
        parts.append(_line(index, criterion, name, points, labels, x, nudged_y(index)))
        parts.append(_legend_entry(index, name, legend_top))
    parts.append("</svg>")
    return Markup("".join(parts))


def _description(
    lines: list[tuple[str, str, list[Point]]],
    levels: list[tuple[int, str]],
    labels: dict[int, str],
    dates: list[datetime],
) -> str:
    span = _long_date(dates[0])
    if len(dates) > 1:
        span = f"{len(dates)} sessions from {span} to {_long_date(dates[-1])}"
    (low, low_label), (high, high_label) = levels[0], levels[-1]
    text = [f"Levels from {low_label} ({low}) to {high_label} ({high}), {span}."]
    for _, name, points in lines:
        values = ", ".join(f"{_long_date(d)} {_level(level, labels)}" for d, level in points)
        text.append(f"{name}: {values}.")
    return " ".join(text)


def _y_axis(levels: list[tuple[int, str]], y: Callable[[float], float]) -> list[str]:
    right = WIDTH - RIGHT
    parts = [
        f'<text x="14" y="{TOP + PLOT_HEIGHT / 2:.1f}" {FONT} text-anchor="middle"'
        f' transform="rotate(-90 14 {TOP + PLOT_HEIGHT / 2:.1f})">Level</text>'
    ]
    for value, label in levels:
        level_y = y(value)
        parts.append(
            f'<line x1="{LEFT}" y1="{level_y:.1f}" x2="{right}" y2="{level_y:.1f}"'
            ' stroke="#d9dee8" stroke-width="1"/>'
            f'<text x="{LEFT - 8}" y="{level_y + 4:.1f}" {FONT} text-anchor="end">'
            f"{_tooltip(label, Y_LABEL_CHARS)}{escape(_clip(label, Y_LABEL_CHARS))} ({value})</text>"
        )
    return parts


def _x_axis(dates: list[datetime], x: Callable[[datetime], float]) -> list[str]:
    axis_y = TOP + PLOT_HEIGHT
    parts = [
        f'<line x1="{LEFT}" y1="{axis_y}" x2="{WIDTH - RIGHT}" y2="{axis_y}"'
        ' stroke="#5a6478" stroke-width="1"/>',
        f'<text x="{LEFT + (WIDTH - LEFT - RIGHT) / 2:.1f}" y="{axis_y + 44}" {FONT}'
        ' text-anchor="middle">Session date</text>',
    ]
    with_year = dates[0].year != dates[-1].year
    labelled = _labelled(len(dates))
    for index, date in enumerate(dates):
        date_x = x(date)
        parts.append(
            f'<line x1="{date_x:.1f}" y1="{axis_y}" x2="{date_x:.1f}" y2="{axis_y + 5}"'
            ' stroke="#5a6478" stroke-width="1"/>'
        )
        if index in labelled:
            parts.append(
                f'<text class="x-label" x="{date_x:.1f}" y="{axis_y + 20}" {FONT}'
                f' text-anchor="middle">{escape(_short_date(date, with_year))}</text>'
            )
    return parts


def _labelled(count: int) -> set[int]:
    """Indexes of the dates to label: all of them, or an even spread including both ends."""
    if count <= MAX_X_LABELS:
        return set(range(count))
    return {round(k * (count - 1) / (MAX_X_LABELS - 1)) for k in range(MAX_X_LABELS)}


def _line(
    index: int,
    criterion: str,
    name: str,
    points: list[Point],
    labels: dict[int, str],
    x: Callable[[datetime], float],
    y: Callable[[float], float],
) -> str:
    colour, dash = _style(index)
    parts = [f'<g class="series" data-criterion="{escape(criterion)}">']
    if len(points) > 1:
        coordinates = " ".join(f"{x(date):.1f},{y(level):.1f}" for date, level in points)
        dasharray = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<polyline points="{coordinates}" fill="none" stroke="{colour}"'
            f' stroke-width="2"{dasharray}/>'
        )
    for date, level in points:
        tip = f"{name}, {_long_date(date)}: {_level(level, labels)}"
        parts.append(
            f"<g><title>{escape(tip)}</title>{_marker(index, x(date), y(level), colour)}</g>"
        )
    parts.append("</g>")
    return "".join(parts)


def _legend_entry(index: int, name: str, legend_top: float) -> str:
    colour, dash = _style(index)
    column_width = (WIDTH - LEFT - RIGHT) / LEGEND_COLUMNS
    left = LEFT + (index % LEGEND_COLUMNS) * column_width
    middle = legend_top + (index // LEGEND_COLUMNS) * LEGEND_ROW + LEGEND_ROW / 2
    dasharray = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<g class="legend-entry">{_tooltip(name, LEGEND_CHARS)}'
        f'<line x1="{left:.1f}" y1="{middle:.1f}" x2="{left + 36:.1f}" y2="{middle:.1f}"'
        f' stroke="{colour}" stroke-width="2"{dasharray}/>'
        f"{_marker(index, left + 18, middle, colour)}"
        f'<text x="{left + 44:.1f}" y="{middle + 4:.1f}" {FONT}>'
        f"{escape(_clip(name, LEGEND_CHARS))}</text></g>"
    )


def _style(index: int) -> tuple[str, str]:
    """The colour and dash pattern of a line; with the marker, no two of the first ten match."""
    return COLOURS[index % len(COLOURS)], DASHES[(index + index // 5) % len(DASHES)]


def _marker(index: int, cx: float, cy: float, colour: str) -> str:
    """One of five shapes, filled for lines 1 to 5, hollow for lines 6 to 10, and so on."""
    shape = index % 5
    fill = colour if index % 10 < 5 else "#ffffff"
    paint = f'fill="{fill}" stroke="{colour}" stroke-width="1.5"'
    r = MARKER
    if shape == 0:
        return f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r}" {paint}/>'
    corners = {
        1: ((-r, -r), (r, -r), (r, r), (-r, r)),
        2: ((0, -r * 1.2), (r * 1.1, r * 0.8), (-r * 1.1, r * 0.8)),
        3: ((0, -r * 1.3), (r * 1.1, 0), (0, r * 1.3), (-r * 1.1, 0)),
        4: ((-r * 1.1, -r * 0.8), (r * 1.1, -r * 0.8), (0, r * 1.2)),
    }[shape]
    points = " ".join(f"{cx + dx:.1f},{cy + dy:.1f}" for dx, dy in corners)
    return f'<polygon points="{points}" {paint}/>'


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "\u2026"


def _tooltip(text: str, length: int) -> str:
    """The full text as a tooltip, for text clipped to length."""
    return f"<title>{escape(text)}</title>" if len(text) > length else ""


def _level(level: float, labels: dict[int, str]) -> str:
    label = labels.get(int(level)) if level == int(level) else None
    return f"{label} ({level:g})" if label else f"{level:g}"


def _short_date(date: datetime, with_year: bool) -> str:
    return f"{date.day} {date:%b %Y}" if with_year else f"{date.day} {date:%b}"


def _long_date(date: datetime) -> str:
    return f"{date.day} {date:%b %Y}"
