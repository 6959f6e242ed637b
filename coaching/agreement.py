"""Inter-rater agreement for calibration: Krippendorff's alpha and pairwise agreement rates.

Alpha follows Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": values that
share a unit are paired into a coincidence matrix, and alpha = 1 - D_o / D_e compares the
disagreement observed within units with the disagreement expected by chance among all the
pairable values. Units with fewer than two values are dropped (they cannot be paired).

Alpha is undefined, and returned as None, when no unit has two values, or when every pairable
value is the same: then D_e = 0 and the data cannot tell agreement from chance (the exact
agreement rate, 100 % in that case, is the figure to show instead).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Literal

__all__ = [
    "Agreement",
    "CoachPosition",
    "Level",
    "Offset",
    "Rating",
    "agreement",
    "agreement_by_coach_pair",
    "agreement_by_criterion",
    "coach_positions",
    "describe_offset",
    "krippendorff_alpha",
]

Level = Literal["nominal", "ordinal", "interval"]
LEVELS: tuple[Level, ...] = ("nominal", "ordinal", "interval")
Matrix = Sequence[Sequence[float | None]]  # raters x units; None where a rater gave no value
Unit = tuple[str, str, str]  # trainee, session, criterion
IN_LINE = 0.05  # offsets smaller than this read as "in line with your colleagues"


@dataclass(frozen=True)
class Rating:
    """One coach's level for one trainee on one criterion in one session."""

    coach: str
    trainee: str
    session: str
    criterion: str
    level: float


@dataclass(frozen=True)
class Agreement:
    """How far raters agree: alpha, and the share of rating pairs that match or differ by one."""

    alpha: float | None
    exact_percent: float | None
    adjacent_percent: float | None
    pairs: int  # pairs of raters who rated the same unit, counted once per unit
    units: int  # units with at least two ratings


@dataclass(frozen=True)
class Offset:
    """A coach's mean signed difference from the mean of the other coaches on shared units."""

    mean_difference: float
    units: int


@dataclass(frozen=True)
class CoachPosition:
    """Where one coach stands against the others: over all criteria and per criterion."""

    overall: Offset
    by_criterion: dict[str, Offset]


def krippendorff_alpha(data: Matrix, level: Level = "ordinal") -> float | None:
    """Krippendorff's alpha of a raters x units matrix; None when it is undefined."""
    return _alpha(_units(data), level)


def agreement(data: Matrix, level: Level = "ordinal") -> Agreement:
    """Alpha, exact and adjacent (differ by at most 1) agreement of a raters x units matrix."""
    units = _units(data)
    alpha = _alpha(units, level)
    pairs = [pair for values in units for pair in combinations(values, 2)]
    if not pairs:
        return Agreement(alpha, None, None, 0, 0)
    exact = sum(a == b for a, b in pairs)
    adjacent = sum(abs(a - b) <= 1 for a, b in pairs)
    return Agreement(
        alpha=alpha,
        exact_percent=100 * exact / len(pairs),
        adjacent_percent=100 * adjacent / len(pairs),
        pairs=len(pairs),
        units=len(units),
    )


def agreement_by_criterion(
    ratings: Iterable[Rating], level: Level = "ordinal"
) -> dict[str, Agreement]:
    """Agreement per criterion, the units being each trainee in each session, sorted by id."""
    table = _table(ratings)
    by_criterion: dict[str, dict[Unit, dict[str, float]]] = defaultdict(dict)
    for unit, levels in table.items():
        by_criterion[unit[2]][unit] = levels
    return {
        criterion: agreement(_matrix(units), level)
        for criterion, units in sorted(by_criterion.items())
    }


def agreement_by_coach_pair(
    ratings: Iterable[Rating], level: Level = "ordinal"
) -> dict[tuple[str, str], Agreement]:
    """Agreement of each pair of coaches over the units both rated (pairs sharing none omitted)."""
    table = _table(ratings)
    coaches = sorted({coach for levels in table.values() for coach in levels})
    result = {}
    for first, second in combinations(coaches, 2):
        shared = [(levels[first], levels[second]) for levels in _shared(table, first, second)]
        if shared:
            result[(first, second)] = agreement(list(zip(*shared, strict=True)), level)
    return result


def coach_positions(ratings: Iterable[Rating]) -> dict[str, CoachPosition]:
    """Each coach's mean signed difference from the others, for coaches who share a unit."""
    differences: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for (_, _, criterion), levels in _table(ratings).items():
        for coach, own in levels.items():
            others = [value for other, value in levels.items() if other != coach]
            if others:
                differences[coach][criterion].append(own - sum(others) / len(others))
    return {
        coach: CoachPosition(
            overall=_offset([d for values in per_criterion.values() for d in values]),
            by_criterion={c: _offset(values) for c, values in sorted(per_criterion.items())},
        )
        for coach, per_criterion in sorted(differences.items())
    }


def describe_offset(offset: Offset, criterion_name: str | None = None) -> str:
    """A sentence for a coach about their offset, such as 'You score 0.4 levels higher ...'."""
    where = f" on {criterion_name}" if criterion_name else ""
    size = abs(offset.mean_difference)
    if size < IN_LINE:
        return f"You score in line with your colleagues{where}."
    direction = "higher" if offset.mean_difference > 0 else "lower"
    return f"You score {size:.1f} levels {direction} than your colleagues{where}."


def _check_level(level: str) -> None:
    if level not in LEVELS:
        raise ValueError(f"unknown level of measurement {level!r}: use one of {', '.join(LEVELS)}")


def _alpha(units: list[list[float]], level: Level) -> float | None:
    _check_level(level)
    coincidences, counts = _coincidences(units)
    if len(counts) < 2:
        return None
    total = sum(counts.values())
    delta = _distance(level, counts)
    observed = sum(o * delta(c, k) for (c, k), o in coincidences.items())
    expected = sum(counts[c] * counts[k] * delta(c, k) for c in counts for k in counts)
    return 1 - (total - 1) * observed / expected


def _units(data: Matrix) -> list[list[float]]:
    """The values of each unit (column) that has at least two of them."""
    width = max((len(row) for row in data), default=0)
    if any(len(row) != width for row in data):
        raise ValueError("every rater's row must have one entry per unit: use None for no value")
    columns = [[value for row in data if (value := row[u]) is not None] for u in range(width)]
    return [column for column in columns if len(column) > 1]


def _coincidences(
    units: list[list[float]],
) -> tuple[dict[tuple[float, float], float], Counter[float]]:
    """The coincidence matrix o_ck and the value totals n_c (Krippendorff 2011, section C)."""
    coincidences: dict[tuple[float, float], float] = defaultdict(float)
    for values in units:
        weight = 1 / (len(values) - 1)
        for i, c in enumerate(values):
            for j, k in enumerate(values):
                if i != j:
                    coincidences[(c, k)] += weight
    # n_c, the sum of row c of the coincidences, is the number of pairable values equal to c
    return coincidences, Counter(value for values in units for value in values)


def _distance(level: Level, counts: Counter[float]) -> Callable[[float, float], float]:
    """The squared difference function delta^2(c, k) for the level of measurement."""
    if level == "nominal":
        return lambda c, k: 0.0 if c == k else 1.0
    if level == "interval":
        return lambda c, k: (c - k) ** 2
    ordered = sorted(counts)
    cumulative: dict[float, float] = {}
    running = 0.0
    for value in ordered:
        running += counts[value]
        cumulative[value] = running  # n_g summed over every g up to and including value

    def ordinal(c: float, k: float) -> float:
        low, high = min(c, k), max(c, k)
        between = cumulative[high] - cumulative[low] + counts[low]
        return (between - (counts[c] + counts[k]) / 2) ** 2

    return ordinal


def _table(ratings: Iterable[Rating]) -> dict[Unit, dict[str, float]]:
    """Unit -> coach -> level; a coach may rate a unit once."""
    table: dict[Unit, dict[str, float]] = defaultdict(dict)
    for rating in ratings:
        unit = (rating.trainee, rating.session, rating.criterion)
        if rating.coach in table[unit]:
            raise ValueError(
                f"coach {rating.coach!r} rated trainee {rating.trainee!r} on {rating.criterion!r}"
                f" in session {rating.session!r} twice: pass one rating per coach and unit"
            )
        table[unit][rating.coach] = rating.level
    return table


def _matrix(units: dict[Unit, dict[str, float]]) -> list[list[float | None]]:
    coaches = sorted({coach for levels in units.values() for coach in levels})
    return [[levels.get(coach) for levels in units.values()] for coach in coaches]


def _shared(table: dict[Unit, dict[str, float]], first: str, second: str) -> list[dict[str, float]]:
    return [levels for levels in table.values() if first in levels and second in levels]


def _offset(differences: list[float]) -> Offset:
    return Offset(sum(differences) / len(differences), len(differences))
