"""Known designs: each table entry is what it claims (no pair twice, every round a partition)."""

from __future__ import annotations

import pytest

from simulator.scheduling.designs import parallel_classes, repeat_free


@pytest.mark.parametrize(
    ("points", "size", "rounds"),
    [
        (9, 3, 4),
        (18, 3, 8),
        (21, 3, 10),
        (28, 4, 9),
        (40, 4, 13),
        (15, 3, 7),
        (16, 4, 5),
        (25, 5, 6),
        (27, 3, 13),
        (32, 4, 10),
        (64, 4, 21),
        (49, 7, 8),
    ],
)
def test_constructions_are_repeat_free_with_the_rounds_expected(
    points: int, size: int, rounds: int
) -> None:
    classes = parallel_classes(points, size)
    assert len(classes) >= rounds
    assert repeat_free(classes)
    for rnd in classes:
        assert sorted(p for block in rnd for p in block) == list(range(points))
        assert {len(block) for block in rnd} == {size}


def test_without_a_design_one_round_is_still_a_partition() -> None:
    (only,) = parallel_classes(24, 4)
    assert sorted(p for block in only for p in block) == list(range(24))


def test_the_32_person_design_misses_each_person_exactly_once() -> None:
    """8-4-10: 480 of the 496 pairs meet once; the other 16 pairs (a perfect matching) never."""
    classes = parallel_classes(32, 4)
    met = {frozenset(pair) for rnd in classes for block in rnd for pair in _pairs(block)}
    assert len(classes) == 10 and len(met) == 480
    unmet = [frozenset((a, b)) for a in range(32) for b in range(a + 1, 32) if {a, b} not in met]
    assert len(unmet) == 16 and len(set().union(*unmet)) == 32


def _pairs(block: tuple[int, ...]) -> list[tuple[int, int]]:
    return [(a, b) for i, a in enumerate(block) for b in block[i + 1 :]]
