"""`mediation-sim cases ...`: validate case files and list the library."""

from __future__ import annotations

import click

from simulator.cli.output import print_problems, print_table


def _rubric_ids() -> set[str]:
    from coaching.rubric import load_bundled_rubrics

    return {r.id for r in load_bundled_rubrics()}


@click.group()
def cases() -> None:
    """The case library."""


@cases.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def validate(paths: tuple[str, ...]) -> None:
    """Check case files (or folders of them); print FILE:LINE:COL: message per problem."""
    from scenarios.loader import validate_paths

    problems = validate_paths(paths, rubric_ids=_rubric_ids())
    print_problems(problems, what="case")


@cases.command("list")
def list_cases() -> None:
    """List the bundled cases: id, title, domain, difficulty, parties, minutes."""
    from scenarios.loader import case_table_rows, load_bundled_cases

    rows = case_table_rows(load_bundled_cases(rubric_ids=_rubric_ids()))
    print_table(("id", "title", "domain", "difficulty", "parties", "minutes"), rows)
