"""Benchmark of the scenario engine: Social Golfer instances and realistic cohorts, against random.

    python bench/scheduler.py            # the full table (several minutes)
    python bench/scheduler.py --quick    # a smoke run
    python bench/scheduler.py --seeds 5

Each row is measured in this run, next to plain random assignment of the same input. Columns:
repeat pairs E (mean and worst over seeds), the most meetings of one pair, the lower bound LB =
max(0, M - C(N, 2)) with M the pairs inside all groups, E - LB, trainees left unseated, the spread
of mediator turns, seconds (mean and worst), and "zero" = seeds reaching E = LB. Figures are
indicative: the machine is shared.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulator.scheduling.availability import parse_availability  # noqa: E402
from simulator.scheduling.engine import allowed_sizes, build_schedule, feasibility  # noqa: E402
from simulator.scheduling.frame import frame_round  # noqa: E402
from simulator.scheduling.model import CaseSpec, Person, Slot  # noqa: E402

ZONES = (
    # zone, country, languages (the first is the local one)
    ("Africa/Nairobi", "KE", ("sw", "en")),
    ("Africa/Lagos", "NG", ("yo", "en")),
    ("Africa/Johannesburg", "ZA", ("zu", "en")),
    ("Europe/London", "GB", ("en",)),
    ("Europe/Berlin", "DE", ("de", "en")),
    ("Europe/Paris", "FR", ("fr", "en")),
    ("America/New_York", "US", ("en", "es")),
    ("America/Chicago", "US", ("en",)),
    ("America/Los_Angeles", "US", ("en", "es")),
    ("America/Mexico_City", "MX", ("es", "en")),
    ("America/Sao_Paulo", "BR", ("pt", "en")),
    ("Asia/Taipei", "TW", ("zh", "en")),
    ("Asia/Kolkata", "IN", ("hi", "en")),
    ("Asia/Tokyo", "JP", ("ja", "en")),
    ("Australia/Sydney", "AU", ("en",)),
    ("Asia/Singapore", "SG", ("en", "zh")),
)
WINDOWS = (
    "Mon-Thu 18:00-22:00; Sat 10:00-14:00",
    "Mon-Fri 19:00-23:00; Sat 09:00-13:00",
    "Tue,Thu 12:00-14:00; Sat 08:00-12:00",
    "Mon-Fri 06:30-09:00; Sun 15:00-19:00",
    "Sat-Sun 09:00-17:00",
    "Wed-Fri 17:00-21:00; Sun 14:00-18:00",
    "Mon-Fri 20:00-23:30; Fri 22:00-01:00",
    "",
)
FIRST_MONDAY = datetime(2027, 2, 22, tzinfo=UTC)  # rounds cross US, EU and Australian DST changes
# The programme offers sessions in each region's evenings, Monday to Thursday (UTC hours: the
# Americas at 00 and 02, Asia and Oceania at 10 and 12, Europe and Africa at 17 and 19), and
# around the clock at weekends.
SLOT_OFFSETS = tuple((day, hour) for day in range(4) for hour in (0, 2, 10, 12, 17, 19)) + tuple(
    (day, hour) for day in (5, 6) for hour in (1, 8, 14, 20)
)


def library_cases() -> list[CaseSpec]:
    """The bundled case library, as the CLI uses it by default."""
    from scenarios.loader import load_bundled_cases

    return [CaseSpec.from_case(case) for case in load_bundled_cases()]


def realistic_cohort(n: int, seed: int) -> tuple[list[Person], list[Slot]]:
    """A cohort of n trainees (and n/12 coaches) over 16 zones with 8 weekly rounds of 32 slots."""
    rng = np.random.default_rng(seed)
    people = []
    for i in range(n + max(2, n // 12)):
        zone, country, langs = ZONES[int(rng.integers(len(ZONES)))]
        # English is the programme's language; a local language comes on top for most.
        spoken = ["en"]
        if langs[0] != "en" and rng.random() < 0.8:
            spoken.append(langs[0])
        coach = i >= n
        windows = WINDOWS[int(rng.integers(len(WINDOWS)))] if not coach else "Mon-Sun 06:00-23:00"
        people.append(
            Person(
                id=f"c{i - n + 1:03d}" if coach else f"t{i + 1:04d}",
                name=f"Person {i + 1}",
                email=f"p{i + 1}@bench.test",
                role="coach" if coach else "trainee",
                timezone=zone,
                country=country,
                languages=tuple(dict.fromkeys(spoken)),
                experience=("new", "intermediate", "advanced")[int(rng.integers(3))],
                availability=parse_availability(windows),
            )
        )
    slots = [
        Slot(r + 1, FIRST_MONDAY + timedelta(days=7 * r + day, hours=hour), 90)
        for r in range(8)
        for day, hour in SLOT_OFFSETS
    ]
    return people, slots


def pure_cohort(n: int) -> list[Person]:
    return [Person(id=f"g{i:03d}", name=f"G{i}", email=f"g{i}@bench.test") for i in range(n)]


def pair_stats(groups_by_round: list[list[list[int]]], n: int) -> tuple[int, int, int]:
    """(repeat pairs, most meetings of a pair, lower bound) of plain index groups."""
    meet = np.zeros((n, n), dtype=np.int64)
    slots = 0
    for groups in groups_by_round:
        for g in groups:
            slots += len(g) * (len(g) - 1) // 2
            idx = np.array(g)
            meet[np.ix_(idx, idx)] += 1
    np.fill_diagonal(meet, 0)
    upper = meet[np.triu_indices(n, 1)]
    return (
        int(np.maximum(upper - 1, 0).sum()),
        int(upper.max(initial=0)),
        max(0, slots - n * (n - 1) // 2),
    )


def random_groups(
    people: list[Person], slots: list[Slot] | int, group_size: int, seed: int
) -> list[list[list[int]]]:
    """Random groups in each slot, on the same seating as the engine's frame."""
    rng = np.random.default_rng(seed + 1000)
    trainees = [p for p in people if not p.is_coach]
    anytime = isinstance(slots, int)
    rounds = range(1, slots + 1) if anytime else sorted({s.round for s in slots})
    allowed = allowed_sizes(group_size, library_cases() if not anytime else [])
    out = []
    seated = np.zeros(len(trainees), dtype=np.int64)
    for r in rounds:
        here = [Slot(r, FIRST_MONDAY, 90)] if anytime else [s for s in slots if s.round == r]
        frame = frame_round(
            r, feasibility(trainees, here, anytime), group_size, allowed, [], seated, rng
        )
        groups = []
        for s in range(len(here)):
            members = [p for p, slot in frame.slot_of.items() if slot == s]
            rng.shuffle(members)
            sizes = [g.size for g in frame.groups if g.slot == s]
            at = 0
            for size in sizes:
                groups.append(members[at : at + size])
                at += size
        out.append(groups)
    return out


@dataclass
class Row:
    name: str
    n: int
    rounds: int
    method: str
    repeats: list[int]
    worst_pair: list[int]
    bound: int
    unseated: list[int]
    turns: list[tuple[int, int]]
    seconds: list[float]
    random_repeats: list[int]

    def cells(self) -> list[str]:
        e_mean = statistics.mean(self.repeats)
        excess = [e - self.bound for e in self.repeats]
        zero = sum(1 for x in excess if x == 0)
        rnd = statistics.mean(self.random_repeats)
        share = f"{100 * e_mean / rnd:.1f}%" if rnd else "-"
        spread = max(hi - lo for lo, hi in self.turns)
        return [
            self.name,
            str(self.n),
            str(self.rounds),
            self.method,
            f"{e_mean:.1f}/{max(self.repeats)}",
            str(max(self.worst_pair)),
            str(self.bound),
            f"{statistics.mean(excess):.1f}",
            f"{zero}/{len(self.repeats)}",
            str(max(self.unseated)),
            str(spread),
            f"{statistics.mean(self.seconds):.2f}/{max(self.seconds):.2f}",
            f"{rnd:.0f}",
            share,
        ]


HEADER = [
    "instance",
    "N",
    "R",
    "method",
    "E mean/max",
    "max meet",
    "LB",
    "E-LB",
    "E=LB",
    "unseated",
    "med. spread",
    "s mean/max",
    "random E",
    "E/random",
]


def golfer_row(spec: str, seeds: int, limit: float, use_designs: bool) -> Row:
    g, k, w = (int(x) for x in spec.split("-"))
    people = pure_cohort(g * k)
    row = Row(
        spec, g * k, w, "design+search" if use_designs else "search only", [], [], 0, [], [], [], []
    )
    for seed in range(seeds):
        t0 = time.monotonic()
        result = build_schedule(
            people, w, (), group_size=k, seed=seed, time_limit=limit, use_designs=use_designs
        )
        row.seconds.append(time.monotonic() - t0)
        m = result.metrics
        row.repeats.append(int(m["repeat_pairs"]))
        row.worst_pair.append(int(m["max_pair_meetings"]))
        row.bound = int(m["repeat_lower_bound"])
        row.unseated.append(int(m["unassigned"]))
        row.turns.append((int(m["mediator_turns_min"]), int(m["mediator_turns_max"])))
        row.random_repeats.append(pair_stats(random_groups(people, w, k, seed), g * k)[0])
    return row


def cohort_row(n: int, seeds: int, limit: float, constrained: bool, group_size: int = 4) -> Row:
    label = f"cohort {n}" + (" constrained" if constrained else " pure")
    row = Row(label, n, 8, "greedy+search", [], [], 0, [], [], [], [])
    for seed in range(seeds):
        people, slots = realistic_cohort(n, seed)
        if not constrained:
            people = [Person(id=p.id, role=p.role, name=p.name, email=p.email) for p in people]
        source: list[Slot] | int = slots if constrained else 8
        cases = library_cases() if constrained else []
        t0 = time.monotonic()
        result = build_schedule(
            people, source, cases, group_size=group_size, seed=seed, time_limit=limit
        )
        row.seconds.append(time.monotonic() - t0)
        m = result.metrics
        row.repeats.append(int(m["repeat_pairs"]))
        row.worst_pair.append(int(m["max_pair_meetings"]))
        row.bound = int(m["repeat_lower_bound"])
        row.unseated.append(int(m["unassigned"]))
        row.turns.append((int(m["mediator_turns_min"]), int(m["mediator_turns_max"])))
        trainees = len([p for p in people if not p.is_coach])
        row.random_repeats.append(
            pair_stats(random_groups(people, source, group_size, seed), trainees)[0]
        )
        if constrained:
            assert m["availability_violations"] == 0, m
    return row


def print_rows(rows: list[Row]) -> None:
    table = [HEADER, *(r.cells() for r in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADER))]
    for index, line in enumerate(table):
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
        if index == 0:
            print("  ".join("-" * w for w in widths))
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a small subset, for a smoke run")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per instance (default 3)")
    args = parser.parse_args()
    seeds = 1 if args.quick else args.seeds
    rows: list[Row] = []
    if args.quick:
        golfers = [("5-3-7", 1.0), ("6-3-7", 1.0), ("8-4-7", 1.0)]
        cohorts = [(100, 10.0)]
    else:
        golfers = [
            ("5-3-7", 1.0),
            ("6-3-7", 1.0),
            ("8-4-7", 1.0),
            ("6-3-8", 10.0),
            ("8-4-8", 10.0),
            ("10-4-10", 10.0),
            ("8-4-9", 60.0),
            ("8-4-10", 30.0),
            ("7-4-9", 20.0),
            ("10-4-13", 20.0),
            ("7-3-10", 20.0),
            ("6-3-10", 10.0),
            ("5-4-8", 10.0),
            ("8-4-12", 20.0),
        ]
        cohorts = [(100, 10.0), (300, 9.0), (3000, 45.0)]
    for spec, limit in golfers:
        for use_designs in (False, True):
            rows.append(golfer_row(spec, seeds, limit, use_designs))
            print(" ".join(rows[-1].cells()), file=sys.stderr, flush=True)
    print_rows(rows)
    print()
    cohort_rows = []
    for n, limit in cohorts:
        for constrained in (False, True):
            cohort_rows.append(cohort_row(n, seeds if n < 3000 else 1, limit, constrained))
            print(" ".join(cohort_rows[-1].cells()), file=sys.stderr, flush=True)
    print_rows(cohort_rows)


if __name__ == "__main__":
    main()
