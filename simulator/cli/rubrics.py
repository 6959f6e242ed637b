"""`mediation-sim rubrics validate`: check rubric files."""

from __future__ import annotations

import click

from simulator.cli.output import print_problems


@click.group()
def rubrics() -> None:
    """Scoring rubrics."""


@rubrics.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def validate(paths: tuple[str, ...]) -> None:
    """Check rubric files (or folders of them); print FILE:LINE:COL: message per problem."""
    from coaching.rubric import validate_rubric_paths

    print_problems(validate_rubric_paths(paths), what="rubric")
