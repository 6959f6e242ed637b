"""The rubric library: files validated by `coaching`, stored as versions by `simulator`.

The one place that joins the two packages (the simulator never imports coaching), used by the
routes, the CLI and the tests. Parsed rubrics are cached by the SHA-256 of their text, so a
request reads a few rows and never parses YAML again.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlmodel import Session
from starlette.requests import Request

from coaching.rubric import (
    Problem,
    Rubric,
    RubricLibraryError,
    bundled_rubrics_dir,
    load_rubric_bytes,
    load_rubric_file,
)
from simulator import rubric_store
from simulator.errors import NotFound
from simulator.models import RubricVersion
from simulator.rubric_store import RubricFile
from web.coaching_context import shape_of

_PARSED: dict[str, Rubric] = {}  # sha256 -> rubric; a text never changes meaning, so never stale
_PARSED_MAX = 512


def rubric_file(rubric: Rubric, source: str) -> RubricFile:
    return RubricFile(rubric.id, rubric.title, source, shape_of(rubric))


def bundled_rubric_files() -> list[RubricFile]:
    """The rubrics shipped in coaching/rubrics/; RubricLibraryError if any has a problem."""
    files, problems = [], []
    for path in sorted(bundled_rubrics_dir().glob("*.yaml")):
        rubric, found = load_rubric_file(path)
        problems += found
        if rubric is not None:
            files.append(rubric_file(rubric, path.read_text(encoding="utf-8")))
    if problems:
        raise RubricLibraryError(problems)
    return files


def sync_bundled_rubrics(session: Session) -> int:
    """Load the bundled rubrics into the database (idempotent); how many versions were new."""
    return rubric_store.sync_bundled_rubrics(session, bundled_rubric_files())


def parsed(version: RubricVersion) -> Rubric:
    """The rubric of a stored version (its text was valid when stored)."""
    rubric = _PARSED.get(version.sha256)
    if rubric is None:
        rubric, problems = load_rubric_bytes(version.source.encode("utf-8"), version.rubric_id)
        if rubric is None:  # stored texts were valid when stored; a failure here is a bug
            raise ValueError("; ".join(str(p) for p in problems))
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[version.sha256] = rubric
    return rubric


def latest_rubrics(session: Session) -> dict[str, Rubric]:
    """Every stored rubric at its newest version, by id."""
    return {v.rubric_id: parsed(v) for v in rubric_store.latest_versions(session)}


async def rubrics_of(request: Request) -> dict[str, Rubric]:
    """The stored rubrics, for a route: read from the database, parsed once per text."""
    return await request.app.state.db.run(latest_rubrics)


async def rubric_for(request: Request, rubric_id: str) -> Rubric:
    """One stored rubric at its newest version; NotFound says how to get it installed."""
    rubric = (await rubrics_of(request)).get(rubric_id)
    if rubric is None:
        raise NotFound(
            f"The rubric {rubric_id!r} is not installed: staff can upload it on the Rubrics page."
        )
    return rubric


class Saved(NamedTuple):
    """What saving a rubric text did: the version now current (None if refused), whether it is
    new, and every problem with its line."""

    version: RubricVersion | None
    changed: bool
    problems: list[Problem]


def save_rubric(
    session: Session,
    data: bytes,
    filename: str,
    *,
    created_by: int | None,
    expect_id: str | None,
) -> Saved:
    """Validate and store a rubric file; unchanged text stores nothing.

    `expect_id` is the rubric being edited (its id must stay, since scores hang on it); None
    means a new rubric, whose id must not be taken yet.
    """
    rubric, problems = load_rubric_bytes(data, filename)
    if rubric is None:
        return Saved(None, False, problems)
    source = data.decode("utf-8").replace("\r\n", "\n")
    current = rubric_store.newest(session, rubric.id)
    if expect_id is not None and rubric.id != expect_id:
        message = (
            f"this edits the rubric `{expect_id}`: keep `id: {expect_id}` "
            "(to make a new rubric, add it from the Rubrics page instead)"
        )
        return Saved(None, False, [Problem(filename, _key_line(source, "id"), 1, message)])
    if expect_id is None and rubric.id == "new":  # /rubrics/new is the upload form
        message = "the id `new` is reserved for the upload page: choose another id"
        return Saved(None, False, [Problem(filename, _key_line(source, "id"), 1, message)])
    if expect_id is None and current is not None:
        message = (
            f"a rubric with id `{rubric.id}` exists already: choose another id, "
            "or edit that rubric to change it"
        )
        return Saved(None, False, [Problem(filename, _key_line(source, "id"), 1, message)])
    version, lost = rubric_store.store_rubric(
        session, rubric_file(rubric, source), created_by=created_by
    )
    problems = [Problem(filename, _key_line(source, loss.key), 1, loss.message) for loss in lost]
    changed = version is not None and (current is None or version.id != current.id)
    return Saved(version, changed, problems)


def _key_line(text: str, key: str) -> int:
    """The line of a top-level key, to point a problem about that part of the file at it."""
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith(f"{key}:"):
            return number
    return 1
