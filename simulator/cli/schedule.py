"""`mediation-sim schedule`: the scenario engine offline, from a roster CSV to a schedule JSON."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import click

from simulator.cli.output import print_table
from simulator.scheduling.csvtable import CsvError
from simulator.scheduling.engine import Progress, build_schedule
from simulator.scheduling.model import CaseSpec, Person, Schedule, Slot
from simulator.scheduling.roster import parse_roster
from simulator.scheduling.schedule_json import dumps
from simulator.scheduling.slots import parse_slots

T = TypeVar("T")

FIGURES = (
    ("repeat_pairs", "pairs meeting again (sum of extra meetings)"),
    ("max_pair_meetings", "most meetings of one pair"),
    ("repeats_over_bound", "repeats above the bound that group sizes force"),
    ("unassigned", "seats left empty (trainee x round)"),
    ("mediator_turns_min", "fewest turns as mediator"),
    ("mediator_turns_max", "most turns as mediator"),
    ("case_repeats", "a trainee given a case again"),
    ("mean_countries_per_session", "countries per session, on average"),
    ("sessions_without_common_language", "sessions with no language all share"),
    ("sessions_without_coach", "sessions no coach can take"),
    ("availability_violations", "seats outside someone's availability"),
    ("seconds", "time taken"),
)


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise click.ClickException(f"cannot read the {what} {path}: {exc.strerror}") from None


def _csv(parse: Callable[[bytes], T], path: Path, what: str) -> T:
    try:
        return parse(_read(path, what))
    except CsvError as exc:
        lines = "\n".join(f"{path}: {error}" for error in exc.errors)
        raise click.ClickException(
            f"the {what} has problems; nothing was scheduled:\n{lines}"
        ) from None


def _cases(directory: Path | None) -> list[CaseSpec]:
    from scenarios.loader import (
        CaseLibraryError,
        load_bundled_cases,
        load_case_file,
        validate_paths,
    )

    if directory is None:
        try:
            return [CaseSpec.from_case(c) for c in load_bundled_cases()]
        except CaseLibraryError as exc:
            raise click.ClickException(str(exc)) from None
    if not directory.is_dir():
        raise click.ClickException(f"--cases {directory}: no such folder")
    problems = validate_paths([directory])
    if problems:
        lines = "\n".join(str(p) for p in problems)
        raise click.ClickException(f"the case files have problems; nothing was scheduled:\n{lines}")
    specs = []
    for path in sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]):
        case, _ = load_case_file(path)
        if case is not None:
            specs.append(CaseSpec.from_case(case))
    if not specs:
        raise click.ClickException(f"--cases {directory}: the folder holds no case files (*.yaml)")
    return specs


def _slots(path: Path, rounds: int) -> list[Slot]:
    slots = [s for s in _csv(parse_slots, path, "slots file") if s.round <= rounds]
    missing = sorted(set(range(1, rounds + 1)) - {s.round for s in slots})
    if missing:
        listed = ", ".join(str(r) for r in missing)
        raise click.ClickException(f"{path}: round(s) {listed} have no slot; add rows for them")
    return slots


@click.command("schedule")
@click.argument("roster", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--rounds", type=click.IntRange(1, 500), required=True, help="Number of rounds.")
@click.option("--group-size", type=click.IntRange(2, 50), required=True, help="Target group size.")
@click.option(
    "--slots",
    "slots_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Slots CSV (round,start,duration_minutes); without it each round has one open slot.",
)
@click.option(
    "--cases",
    "cases_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of case files (default: the bundled library).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same schedule.")
@click.option(
    "--time-limit",
    type=click.FloatRange(0.0, 3600.0),
    default=10.0,
    show_default=True,
    help="Seconds the search may take; the best schedule found by then is returned.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("schedule.json"),
    show_default=True,
    help="Where to write the schedule JSON ('-' for standard output).",
)
def schedule(
    roster: Path,
    rounds: int,
    group_size: int,
    slots_path: Path | None,
    cases_dir: Path | None,
    seed: int,
    time_limit: float,
    output: Path,
) -> None:
    """Mix a cohort into groups for every round and write the schedule JSON."""
    people = _csv(parse_roster, roster, "roster")
    slots_or_rounds: list[Slot] | int = rounds if slots_path is None else _slots(slots_path, rounds)
    cases = _cases(cases_dir)
    try:
        result = _run(people, slots_or_rounds, cases, group_size, seed, time_limit)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    text = dumps(result)
    to_stdout = str(output) == "-"
    if to_stdout:
        click.echo(text, nl=False)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise click.ClickException(f"cannot write {output}: {exc.strerror}") from None
    _summary(result, None if to_stdout else output)


def _run(
    people: Sequence[Person],
    slots_or_rounds: Sequence[Slot] | int,
    cases: list[CaseSpec],
    group_size: int,
    seed: int,
    time_limit: float,
) -> Schedule:
    """The engine, with a progress bar on stderr when that is a terminal."""

    def run(progress: Progress | None) -> Schedule:
        return build_schedule(
            people,
            slots_or_rounds,
            cases,
            group_size=group_size,
            seed=seed,
            time_limit=time_limit,
            progress=progress,
        )

    if not sys.stderr.isatty():
        return run(None)
    with click.progressbar(length=100, label="Scheduling", file=sys.stderr) as bar:
        done = [0]

        def progress(fraction: float, message: str) -> None:
            step = int(fraction * 100) - done[0]
            if step > 0:
                bar.update(step)
                done[0] += step

        return run(progress)


def _summary(result: Schedule, output: Path | None) -> None:
    """The quality figures as a table (on stderr when the JSON went to stdout)."""
    err = output is None
    metrics = result.metrics
    rows = [(label, metrics.get(key, "")) for key, label in FIGURES]
    if err:
        for label, value in rows:
            click.echo(f"{label}: {value}", err=True)
        return
    print_table(("figure", "value"), rows)
    click.echo(f"Wrote {output}: {len(result.rounds)} round(s), {len(result.sessions)} session(s).")
