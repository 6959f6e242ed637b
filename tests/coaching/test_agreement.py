"""Inter-rater agreement: alpha checked by hand and against Krippendorff's published example."""

from __future__ import annotations

from collections import Counter
from itertools import permutations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coaching.agreement import (
    Agreement,
    Offset,
    Rating,
    agreement,
    agreement_by_coach_pair,
    agreement_by_criterion,
    coach_positions,
    describe_offset,
    krippendorff_alpha,
)

N = None

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers,
# 12 units. Unit 12 has one value and is dropped, leaving n = 40 pairable values:
# n_1 = 9, n_2 = 13, n_3 = 10, n_4 = 5, n_5 = 3.
PAPER = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
    [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
]


def test_paper_example_nominal() -> None:
    # Disagreeing units: 2 (2,3,2,2) and 8 (1,1,2,1) each add 3*1*2 ordered pairs / (4-1) = 2,
    # unit 6 (1,2,3,4) adds 12 / 3 = 4: sum of o_ck over c != k = 8.
    # Expected: n^2 - sum n_c^2 = 1600 - (81 + 169 + 100 + 25 + 9) = 1216.
    # alpha = 1 - (n - 1) * 8 / 1216 = 1 - 312 / 1216 = 0.7434
    assert krippendorff_alpha(PAPER, "nominal") == pytest.approx(1 - 312 / 1216)
    assert round(krippendorff_alpha(PAPER, "nominal") or 0, 3) == 0.743


def test_paper_example_interval() -> None:
    # Observed: units 2 and 8 give 6 ordered pairs at distance 1, / 3 = 2 each; unit 6 gives
    # 2 * (1 + 4 + 9 + 1 + 4 + 1) / 3 = 40 / 3. Sum = 52 / 3.
    # Expected: 2 * sum_{c<k} n_c n_k (c-k)^2 = 2 * (117 + 360 + 405 + 432 + 130 + 260 + 351
    #           + 50 + 120 + 15) = 2 * 2240 = 4480.
    # alpha = 1 - 39 * (52 / 3) / 4480 = 1 - 676 / 4480 = 0.8491
    assert krippendorff_alpha(PAPER, "interval") == pytest.approx(1 - 676 / 4480)
    assert round(krippendorff_alpha(PAPER, "interval") or 0, 3) == 0.849


def test_paper_example_ordinal() -> None:
    # delta^2(c, k) = (sum_{g=c}^{k} n_g - (n_c + n_k) / 2)^2, for c < k:
    # (1,2) 11^2 = 121, (1,3) 22.5^2 = 506.25, (1,4) 30^2 = 900, (1,5) 34^2 = 1156,
    # (2,3) 11.5^2 = 132.25, (2,4) 19^2 = 361, (2,5) 23^2 = 529, (3,4) 7.5^2 = 56.25,
    # (3,5) 11.5^2 = 132.25, (4,5) 4^2 = 16.
    # Observed: unit 2: 6 * 132.25 / 3 = 264.5; unit 8: 6 * 121 / 3 = 242;
    # unit 6: 2 * (121 + 506.25 + 900 + 132.25 + 361 + 56.25) / 3 = 2 * 2076.75 / 3 = 1384.5.
    # Sum = 1891.
    # Expected: 2 * (117*121 + 90*506.25 + 45*900 + 27*1156 + 130*132.25 + 65*361 + 39*529
    #           + 50*56.25 + 30*132.25 + 15*16) = 2 * 199740 = 399480.
    # alpha = 1 - 39 * 1891 / 399480 = 0.8154
    assert krippendorff_alpha(PAPER, "ordinal") == pytest.approx(1 - 39 * 1891 / 399480)
    assert round(krippendorff_alpha(PAPER) or 0, 3) == 0.815


def test_paper_example_pairwise_rates() -> None:
    # Units 1 and 10 have 3 values (3 pairs each), unit 11 has 2 (1 pair), 8 units have 4 (6
    # pairs each): 55 pairs. Mismatches: unit 2 and unit 8: 3 pairs each (off by one);
    # unit 6: 6 pairs, 3 off by one, 3 off by more. Exact: 55 - 12 = 43; adjacent: 55 - 3 = 52.
    result = agreement(PAPER)
    assert result.pairs == 55
    assert result.units == 11
    assert result.exact_percent == pytest.approx(100 * 43 / 55)
    assert result.adjacent_percent == pytest.approx(100 * 52 / 55)


SMALL = [[1, 2, 3, 3], [1, 2, 3, 4]]


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        # n_1 = 2, n_2 = 2, n_3 = 3, n_4 = 1, n = 8; only unit 4 disagrees: o_34 = o_43 = 1.
        # Nominal: observed 2, expected 64 - (4 + 4 + 9 + 1) = 46: 1 - 7 * 2 / 46.
        ("nominal", 1 - 14 / 46),
        # Interval: observed 2 * 1; expected 2 * (4*1 + 6*4 + 2*9 + 6*1 + 2*4 + 3*1) = 126.
        ("interval", 1 - 14 / 126),
        # Ordinal: delta^2(3,4) = (3 + 1 - 2)^2 = 4, observed 2 * 4 = 8; other delta^2: (1,2) 4,
        # (1,3) 20.25, (1,4) 42.25, (2,3) 6.25, (2,4) 20.25; expected 2 * (4*4 + 6*20.25
        # + 2*42.25 + 6*6.25 + 2*20.25 + 3*4) = 2 * 312 = 624.
        ("ordinal", 1 - 7 * 8 / 624),
    ],
)
def test_two_raters_by_hand(level: str, expected: float) -> None:
    assert krippendorff_alpha(SMALL, level) == pytest.approx(expected)  # type: ignore[arg-type]


def test_missing_values_by_hand() -> None:
    # Unit 3 has one value and is dropped. Unit 1 (1, 2): o_12 = o_21 = 1. Unit 2 (2, 2, 2):
    # 6 ordered pairs / 2 = 3 in o_22. n_1 = 1, n_2 = 4, n = 5. Observed 2 * delta, expected
    # 2 * 1 * 4 * delta, so alpha = 1 - 4 * 2 / 8 = 0 whatever the metric.
    data = [[1, 2, N], [2, 2, 3], [N, 2, N]]
    for level in ("nominal", "ordinal", "interval"):
        assert krippendorff_alpha(data, level) == pytest.approx(0)  # type: ignore[arg-type]
    # Pairs: (1, 2) in unit 1, three (2, 2) in unit 2.
    assert agreement(data) == Agreement(pytest.approx(0), 75.0, 100.0, 4, 2)


def test_systematic_disagreement_is_negative() -> None:
    # n_1 = n_2 = 2, o_12 = o_21 = 2: 1 - 3 * 4 / (2 * 2 * 2) = -0.5
    assert krippendorff_alpha([[1, 2], [2, 1]], "nominal") == pytest.approx(-0.5)


def test_perfect_agreement_is_one() -> None:
    data = [[1, 2, 3, 4, N], [1, 2, 3, 4, 2], [N, 2, 3, 4, 2]]
    for level in ("nominal", "ordinal", "interval"):
        assert krippendorff_alpha(data, level) == 1  # type: ignore[arg-type]
    assert agreement(data).exact_percent == 100


@pytest.mark.parametrize(
    "data",
    [
        pytest.param([[1, 2, 3, 4]], id="one rater"),
        pytest.param([[N, N], [N, N]], id="all missing"),
        pytest.param([[1, N], [N, 2]], id="no unit rated twice"),
        pytest.param([], id="no raters"),
        pytest.param([[], []], id="no units"),
    ],
)
def test_nothing_to_pair(data: list[list[float | None]]) -> None:
    assert krippendorff_alpha(data) is None
    assert agreement(data) == Agreement(None, None, None, 0, 0)


def test_all_values_identical_gives_none_but_full_agreement() -> None:
    # Expected disagreement is 0: alpha would be 0/0.
    data = [[3, 3, 3], [3, 3, N]]
    assert krippendorff_alpha(data) is None
    assert agreement(data) == Agreement(None, 100.0, 100.0, 2, 2)


def test_bad_input_is_explained() -> None:
    with pytest.raises(ValueError, match="one entry per unit"):
        krippendorff_alpha([[1, 2], [1]])
    with pytest.raises(ValueError, match="use one of nominal, ordinal, interval"):
        krippendorff_alpha(SMALL, "ratio")  # type: ignore[arg-type]


def _brute_alpha(data: list[list[int | None]], level: str) -> float | None:
    """Alpha from its pairwise definition: D_o over pairs within units, D_e over all pairs."""
    units = [[v for v in column if v is not None] for column in zip(*data, strict=True)]
    units = [u for u in units if len(u) > 1]
    values = [v for u in units for v in u]
    counts = Counter(values)
    if len(counts) < 2:
        return None

    def delta(c: int, k: int) -> float:
        if level == "nominal":
            return float(c != k)
        if level == "interval":
            return float((c - k) ** 2)
        low, high = sorted((c, k))
        between = sum(counts[g] for g in counts if low <= g <= high)
        return (between - (counts[c] + counts[k]) / 2) ** 2

    n = len(values)
    observed = (
        sum(sum(delta(a, b) for a, b in permutations(u, 2)) / (len(u) - 1) for u in units) / n
    )
    expected = sum(delta(a, b) for a, b in permutations(values, 2)) / (n * (n - 1))
    return 1 - observed / expected


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda units: st.lists(
            st.lists(st.one_of(st.none(), st.integers(1, 4)), min_size=units, max_size=units),
            min_size=1,
            max_size=4,
        )
    ),
    st.sampled_from(["nominal", "ordinal", "interval"]),
)
def test_matches_pairwise_definition(data: list[list[int | None]], level: str) -> None:
    expected = _brute_alpha(data, level)
    alpha = krippendorff_alpha(data, level)  # type: ignore[arg-type]
    assert (alpha is None) == (expected is None)
    if expected is not None:
        assert alpha == pytest.approx(expected)
        assert krippendorff_alpha(data[::-1], level) == pytest.approx(alpha)  # type: ignore[arg-type]


def ratings(*rows: tuple[str, str, str, str, float]) -> list[Rating]:
    return [Rating(*row) for row in rows]


# Two sessions, trainees t1 and t2, coaches a, b and c.
CALIBRATION = ratings(
    ("a", "t1", "s1", "looping", 3),
    ("b", "t1", "s1", "looping", 2),
    ("c", "t1", "s1", "looping", 2),
    ("a", "t2", "s1", "looping", 4),
    ("b", "t2", "s1", "looping", 3),
    ("a", "t1", "s1", "caucus", 2),
    ("b", "t1", "s1", "caucus", 2),
    ("a", "t1", "s2", "caucus", 1),
    ("c", "t1", "s2", "caucus", 4),
    ("b", "t2", "s2", "caucus", 3),  # rated by nobody else: not comparable
)


def test_agreement_by_criterion_by_hand() -> None:
    result = agreement_by_criterion(CALIBRATION)
    assert list(result) == ["caucus", "looping"]
    # Looping: units (3, 2, 2) and (4, 3). Pairs: 3-2, 3-2, 2-2, 4-3: exact 1/4, adjacent 4/4.
    # Interval alpha: values 3,2,2,4,3 (n=5). Observed: unit 1: 2 * (1 + 1 + 0) / 2 = 2,
    # unit 2: 2 * 1 / 1 = 2: total 4. Expected: n_2 = 2, n_3 = 2, n_4 = 1:
    # 2 * (2*2*1 + 2*1*4 + 2*1*1) = 28. alpha = 1 - 4 * 4 / 28 = 3/7.
    looping = agreement_by_criterion(CALIBRATION, "interval")["looping"]
    assert looping.alpha == pytest.approx(3 / 7)
    assert (looping.exact_percent, looping.adjacent_percent) == (25.0, 100.0)
    assert (looping.pairs, looping.units) == (4, 2)
    # Caucus: units (2, 2) and (1, 4); the lone rating is dropped. Exact 1/2, adjacent 1/2.
    caucus = result["caucus"]
    assert (caucus.exact_percent, caucus.adjacent_percent, caucus.units) == (50.0, 50.0, 2)
    # Nominal alpha on caucus: n_1 = 1, n_2 = 2, n_4 = 1, n = 4; observed 2;
    # expected 16 - (1 + 4 + 1) = 10: 1 - 3 * 2 / 10 = 0.4.
    assert agreement_by_criterion(CALIBRATION, "nominal")["caucus"].alpha == pytest.approx(0.4)


def test_agreement_by_coach_pair_by_hand() -> None:
    result = agreement_by_coach_pair(CALIBRATION)
    # b and c share only t1/s1/looping: (2, 2).
    assert list(result) == [("a", "b"), ("a", "c"), ("b", "c")]
    # a and b: (3,2), (4,3), (2,2) -> exact 1/3, adjacent 3/3.
    # Interval alpha: values 3,2,4,3,2,2: n_2 = 3, n_3 = 2, n_4 = 1, n = 6.
    # Observed 2 * (1 + 1) = 4; expected 2 * (3*2*1 + 3*1*4 + 2*1*1) = 40: 1 - 5 * 4 / 40 = 0.5.
    a_b = agreement_by_coach_pair(CALIBRATION, "interval")[("a", "b")]
    assert a_b.alpha == pytest.approx(0.5)
    assert a_b.exact_percent == pytest.approx(100 / 3)
    assert (a_b.adjacent_percent, a_b.pairs, a_b.units) == (100.0, 3, 3)
    # a and c: (3, 2) and (1, 4): exact 0, adjacent 1/2.
    assert (result[("a", "c")].exact_percent, result[("a", "c")].adjacent_percent) == (0.0, 50.0)
    # b and c agree on their one shared unit, where every value is 2: alpha undefined.
    assert result[("b", "c")] == Agreement(None, 100.0, 100.0, 1, 1)


def test_coach_positions_by_hand() -> None:
    result = coach_positions(CALIBRATION)
    assert list(result) == ["a", "b", "c"]
    # a on looping: 3 - (2 + 2)/2 = +1 and 4 - 3 = +1; on caucus: 2 - 2 = 0 and 1 - 4 = -3.
    a = result["a"]
    assert a.by_criterion == {"caucus": Offset(-1.5, 2), "looping": Offset(1.0, 2)}
    assert a.overall == Offset(-0.25, 4)
    # b on looping: 2 - (3 + 2)/2 = -0.5 and 3 - 4 = -1; caucus: 2 - 2 = 0 (t2/s2 unshared).
    b = result["b"]
    assert b.by_criterion == {"caucus": Offset(0.0, 1), "looping": Offset(-0.75, 2)}
    assert b.overall == Offset(-0.5, 3)
    # c on looping: 2 - (3 + 2)/2 = -0.5; caucus: 4 - 1 = +3.
    assert result["c"].by_criterion == {"caucus": Offset(3.0, 1), "looping": Offset(-0.5, 1)}


def test_a_coach_who_shares_nothing_has_no_position() -> None:
    only = ratings(("a", "t1", "s1", "looping", 3), ("b", "t2", "s1", "looping", 2))
    assert coach_positions(only) == {}
    assert agreement_by_coach_pair(only) == {}
    assert agreement_by_criterion(only)["looping"] == Agreement(None, None, None, 0, 0)


def test_a_coach_may_rate_a_unit_once() -> None:
    twice = ratings(("a", "t1", "s1", "looping", 3), ("a", "t1", "s1", "looping", 2))
    with pytest.raises(ValueError, match="twice"):
        agreement_by_criterion(twice)


@pytest.mark.parametrize(
    ("offset", "name", "sentence"),
    [
        (0.4, "Looping", "You score 0.4 levels higher than your colleagues on Looping."),
        (-1.25, "Caucus use", "You score 1.2 levels lower than your colleagues on Caucus use."),
        (0.04, "Looping", "You score in line with your colleagues on Looping."),
        (-0.75, None, "You score 0.8 levels lower than your colleagues."),
    ],
)
def test_describe_offset(offset: float, name: str | None, sentence: str) -> None:
    assert describe_offset(Offset(offset, 3), name) == sentence
