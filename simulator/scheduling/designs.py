"""Known combinatorial designs: schedules where no pair meets twice, for when search cannot get there.

Each construction returns parallel classes (rounds) over points 0..n-1, every class a partition
into blocks of one size. The engine relabels them onto a cohort at random (per seed).

- Resolvable transversal designs from the affine plane over GF(q): k rows of q points, q rounds
  of "lines" meeting each row once; a row splits into further rounds by the same recipe when k
  divides q (AG(2, q) itself when k == q).
- Designs developed from base rounds over the cyclic group Z_n acting on m orbits of points,
  with up to two fixed points: Kirkman triple systems on 15 and 21 points, resolvable (28, 4, 1)
  and (40, 4, 1) designs, and the near-resolvable triple system on 18 points (its unmet pairs
  form a perfect matching).
- Designs stored round by round from the literature where no cyclic form is known here: the
  10-round schedule of 32 people in groups of 4.
"""

from __future__ import annotations

from functools import cache

Round = tuple[tuple[int, ...], ...]

# Base rounds over Z_n, keyed by (n, orbits, fixed points). A block is written as points
# separated by spaces and blocks by "|": a letter names the orbit (a, b, c, ...) and the number
# its element of Z_n; "x0", "x1" are the fixed points. Each was found once by an exact-cover
# search over the difference conditions (every pair orbit of Z_n covered once, the unmet pairs
# of the near-resolvable ones excepted); tests/simulator/scheduling/test_designs.py checks them.
_BASE_TEXT: dict[tuple[int, int, int], tuple[str, ...]] = {
    # Kirkman triple system on 15 points (7 rounds of 5 triples): the schoolgirl problem.
    (7, 2, 1): ("x0 a1 b3 | a0 a3 b0 | a2 b5 a4 | a5 a6 b4 | b1 b6 b2",),
    # Near-resolvable triple system on 18 points (8 rounds of 6 triples; the pairs that never
    # meet form a perfect matching): the 6-3-8 social golfer problem.
    (4, 4, 2): (
        "x0 a2 c3 | a3 b1 c2 | b0 c0 d0 | b3 c1 d2 | x1 b2 d3 | a0 a1 d1",
        "x0 b2 d0 | a3 b0 b3 | a2 b1 c0 | c2 c3 d1 | x1 a1 c1 | a0 d2 d3",
    ),
    # Kirkman triple system on 21 points (10 rounds of 7 triples).
    (5, 4, 1): (
        "x0 b0 d0 | a4 d2 d4 | b4 c4 d1 | a2 c0 d3 | a1 c1 c3 | a3 b3 c2 | a0 b1 b2",
        "x0 a3 c4 | a2 a4 d1 | c0 d0 d4 | b3 c1 d2 | b0 b2 d3 | a0 a1 b4 | b1 c2 c3",
    ),
    # Resolvable (40, 4, 1) design: 13 rounds of 10 groups of 4 (the base round is also fixed
    # by x -> 3x, which made it quick to find).
    (13, 3, 1): (
        "x0 a0 b0 c0 | a1 a2 b10 b6 | a3 a6 b4 b5 | a9 a5 b12 b2 | a4 c12 c3 a11 | a12 c10 c9 a7"
        " | a10 c4 c1 a8 | b1 b8 c6 c11 | b3 b11 c5 c7 | b9 b7 c2 c8",
    ),
    # Resolvable (28, 4, 1) design: 9 rounds of 7 groups of 4, every pair once.
    (9, 3, 1): (
        "x0 a3 b5 c3 | a0 a4 c8 a6 | a1 c2 b1 c4 | a2 c7 b7 b3 | a5 b2 b0 b8 | a7 b6 a8 c5"
        " | b4 c0 c6 c1",
    ),
}


# Designs stored round by round, for when no cyclic form is known here. Points are letters
# (A-P then a-p for 32 points); blocks are separated by spaces and rounds by new lines.
_EXPLICIT_TEXT: dict[tuple[int, int], str] = {
    # 32 people in groups of 4 for 10 rounds, no pair twice (a resolvable 4-GDD of type 2^16:
    # each person misses exactly one other). The social golfer instance 8-4-10, solved in the
    # literature (Aguado, 2004); these rounds are the solution shown in Wolfram's "Social Golfer
    # Problem" demonstration. test_designs.py checks it.
    (32, 4): """
        ABCD EFGH IJKL MNOP abcd efgh ijkl mnop
        AEIm BcgH DFKp dfkP aeiM bCGh jLNo JlnO
        Aflo Bhkm DGiN aFLO bHKM CeJP cEjp dgIn
        AciL BdjK bDJk FgoP fGOp aCIl EhMn eHmN
        AgKN BElP DHIo dhiO beLp Cfjm cFJM aGkn
        AhJp BFin cDmO bfIN eGKl CdMo EgkL aHjP
        AdeF BGJo aDEf chlN iKmP CHLn bgjO IkMp
        AbnP aBNp DglM ceko fHiJ CEKO FhIj dGLm
        AGjM BeIO DhLP agJm cfKn CFkN bEio dHlp
        AHkO BfLM Dejn bFlm cGIP Cgip dEJN ahKo
    """,
}
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _explicit(points: int, k: int) -> list[Round]:
    letters = {
        c: i for i, c in enumerate(_LETTERS[: points // 2] + _LETTERS[26 : 26 + points // 2])
    }
    return [
        tuple(tuple(letters[c] for c in block) for block in line.split())
        for line in _EXPLICIT_TEXT[points, k].strip().splitlines()
    ]


def _point(text: str) -> tuple[object, int]:
    kind, number = text[0], int(text[1:])
    return ("inf", number) if kind == "x" else (ord(kind) - ord("a"), number)


_BASE = {
    key: tuple(
        tuple(tuple(_point(p) for p in block.split()) for block in base.split("|"))
        for base in bases
    )
    for key, bases in _BASE_TEXT.items()
}


def _prime_power(q: int) -> tuple[int, int] | None:
    for p in range(2, q + 1):
        if q % p == 0:
            e, rest = 0, q
            while rest % p == 0:
                rest //= p
                e += 1
            return (p, e) if rest == 1 else None
    return None


@cache
def _field(q: int) -> tuple[tuple[tuple[int, ...], ...], tuple[tuple[int, ...], ...]]:
    """Addition and multiplication tables of GF(q), elements 0..q-1 as base-p digit vectors."""
    pe = _prime_power(q)
    if pe is None:
        raise ValueError(f"{q} is not a prime power")
    p, e = pe

    def digits(x: int) -> list[int]:
        return [(x // p**i) % p for i in range(e)]

    def number(d: list[int]) -> int:
        return sum(c * p**i for i, c in enumerate(d))

    modulus = next(m for m in _monic(p, e) if _irreducible(m, p))

    def mul(a: int, b: int) -> int:
        prod = [0] * (2 * e - 1)
        for i, x in enumerate(digits(a)):
            for j, y in enumerate(digits(b)):
                prod[i + j] = (prod[i + j] + x * y) % p
        for deg in range(2 * e - 2, e - 1, -1):
            c = prod[deg]
            if c:
                for i in range(e + 1):
                    prod[deg - e + i] = (prod[deg - e + i] - c * modulus[i]) % p
        return number(prod[:e])

    add = tuple(
        tuple(
            number([(x + y) % p for x, y in zip(digits(a), digits(b), strict=True)])
            for b in range(q)
        )
        for a in range(q)
    )
    return add, tuple(tuple(mul(a, b) for b in range(q)) for a in range(q))


def _monic(p: int, e: int) -> list[list[int]]:
    """Monic polynomials of degree e over GF(p), as coefficient lists (lowest first)."""
    return [[(c // p**i) % p for i in range(e)] + [1] for c in range(p**e)]


def _irreducible(poly: list[int], p: int) -> bool:
    e = len(poly) - 1
    if e == 1:
        return True
    # No factor of degree <= e/2: try every monic divisor by polynomial long division.
    for d in range(1, e // 2 + 1):
        for divisor in _monic(p, d):
            rest = list(poly)
            for deg in range(e, d - 1, -1):
                c = rest[deg]
                if c:
                    for i in range(d + 1):
                        rest[deg - d + i] = (rest[deg - d + i] - c * divisor[i]) % p
            if not any(rest[:d]):
                return False
    return True


def _transversal(q: int, k: int) -> list[Round]:
    """Resolvable TD(k, q) on k*q points (row r, column c) -> r*q + c, plus rounds inside rows."""
    add, mul = _field(q)
    rounds: list[Round] = []
    for slope in range(q):
        rounds.append(
            tuple(tuple(r * q + add[c0][mul[slope][r]] for r in range(k)) for c0 in range(q))
        )
    if q % k == 0:
        inner = parallel_classes(q, k)
        for sub in inner:
            rounds.append(tuple(tuple(r * q + c for c in block) for r in range(k) for block in sub))
    return rounds


def _developed(n: int, orbits: int, fixed: int) -> list[Round]:
    """Rounds developed from stored base rounds by adding each x in Z_n to every point."""

    def index(point: tuple[object, int], shift: int) -> int:
        kind, x = point
        if kind == "inf":
            return orbits * n + x
        assert isinstance(kind, int)
        return kind * n + (x + shift) % n

    rounds: list[Round] = []
    for base in _BASE[n, orbits, fixed]:
        for shift in range(n):
            rounds.append(tuple(tuple(index(p, shift) for p in block) for block in base))
    return rounds


@cache
def parallel_classes(points: int, k: int) -> tuple[Round, ...]:
    """The most rounds known here in which no pair of `points` people meets twice (maybe none)."""
    best: list[Round] = []
    if points % k == 0:
        best = [tuple(tuple(range(i, i + k)) for i in range(0, points, k))]
    candidates: list[list[Round]] = []
    if points % k == 0 and _prime_power(points // k) and k <= points // k:
        candidates.append(_transversal(points // k, k))
    for n, orbits, fixed in _BASE:
        base = _BASE[n, orbits, fixed]
        if n * orbits + fixed == points and len(base[0][0]) == k:
            candidates.append(_developed(n, orbits, fixed))
    if (points, k) in _EXPLICIT_TEXT:
        candidates.append(_explicit(points, k))
    for rounds in candidates:
        if len(rounds) > len(best):
            best = rounds
    return tuple(best)


def repeat_free(rounds: tuple[Round, ...] | list[Round]) -> bool:
    """Whether no pair meets twice and each round is a partition (a check for the tables)."""
    seen: set[tuple[int, int]] = set()
    for rnd in rounds:
        members = [p for block in rnd for p in block]
        if len(members) != len(set(members)):
            return False
        for block in rnd:
            for i, a in enumerate(block):
                for b in block[i + 1 :]:
                    pair = (min(a, b), max(a, b))
                    if pair in seen:
                        return False
                    seen.add(pair)
    return True
