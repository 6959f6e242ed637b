"""Terminal output shared by the commands: problem lists and plain tables."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import click


def print_problems(problems: Sequence[object], *, what: str) -> None:
    """One line per problem on stderr and exit 1, or a short all-clear."""
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        noun = "problem" if len(problems) == 1 else "problems"
        click.echo(f"{len(problems)} {noun} found.", err=True)
        raise SystemExit(1)
    click.echo(f"All {what} files are valid.")


def print_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """A left-aligned table with a rule under the header."""
    body = [[str(cell) for cell in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in body)]) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    click.echo(line.rstrip())
    click.echo("  ".join("-" * w for w in widths))
    for row in body:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
