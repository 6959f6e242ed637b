"""Cases in the database: each file's text stored as a numbered version, parsed on demand.

A scheduled session points at the version it was given, so editing a case later never changes
a session that was already planned.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from sqlmodel import Session, col, func, select

from scenarios.loader import Problem, bundled_library_dir, load_case_bytes
from scenarios.schema import Case
from simulator.errors import BadRequest, NotFound
from simulator.models import CaseVersion


@lru_cache(maxsize=512)
def _parse(source: str, filename: str) -> Case:
    case, problems = load_case_bytes(source.encode(), filename)
    if case is None:  # stored sources were valid when stored; a failure here is a bug
        raise ValueError("; ".join(str(p) for p in problems))
    return case


def case_of(version: CaseVersion) -> Case:
    """The parsed case of a stored version (cached by its text)."""
    return _parse(version.source, f"{version.case_id}.yaml")


def latest_versions(session: Session) -> list[CaseVersion]:
    """The newest version of every case, ordered by title."""
    newest = (
        select(CaseVersion.case_id, func.max(CaseVersion.version).label("v"))
        .group_by(col(CaseVersion.case_id))
        .subquery()
    )
    query = select(CaseVersion).join(
        newest,
        (col(CaseVersion.case_id) == newest.c.case_id) & (col(CaseVersion.version) == newest.c.v),
    )
    return sorted(session.exec(query), key=lambda v: v.title.lower())


def latest_version(session: Session, case_id: str) -> CaseVersion:
    version = session.exec(
        select(CaseVersion)
        .where(CaseVersion.case_id == case_id)
        .order_by(col(CaseVersion.version).desc())
    ).first()
    if version is None:
        raise NotFound(f"There is no case {case_id!r} in the library.")
    return version


def versions_of(session: Session, case_id: str) -> list[CaseVersion]:
    """Every stored version of a case, oldest first."""
    versions = list(
        session.exec(
            select(CaseVersion)
            .where(CaseVersion.case_id == case_id)
            .order_by(col(CaseVersion.version))
        )
    )
    if not versions:
        raise NotFound(f"There is no case {case_id!r} in the library.")
    return versions


def _id_line(text: str) -> int:
    """The line of the top-level `id:` key, to point a renaming problem at it."""
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("id:"):
            return number
    return 1


def store_case(
    session: Session,
    source: bytes,
    filename: str,
    *,
    rubric_ids: set[str] | None,
    expect_id: str | None = None,
    bundled: bool = False,
) -> tuple[CaseVersion | None, list[Problem]]:
    """Validate and store a case file; unchanged text keeps its version, changed text adds one.

    `expect_id` is the case being edited: a file that renames it is refused, since sessions and
    versions hang on the id.
    """
    case, problems = load_case_bytes(source, filename, rubric_ids=rubric_ids, bundled=bundled)
    if case is None:
        return None, problems
    if expect_id is not None and case.id != expect_id:
        line = _id_line(source.decode("utf-8"))
        message = f"This edits the case {expect_id!r}; keep its id (to make a new case, upload it instead)."
        return None, [Problem(filename, line, 1, message)]
    text = source.decode("utf-8")
    digest = hashlib.sha256(source).hexdigest()
    current = session.exec(
        select(CaseVersion)
        .where(CaseVersion.case_id == case.id)
        .order_by(col(CaseVersion.version).desc())
    ).first()
    if current is not None and current.sha256 == digest:
        return current, []
    low, high = case.party_count_range
    version = CaseVersion(
        case_id=case.id,
        version=(current.version + 1) if current else 1,
        title=case.title,
        domain=case.domain,
        difficulty=case.difficulty,
        parties_min=low,
        parties_max=high,
        duration_minutes=case.duration_minutes,
        languages=";".join(case.languages),
        source=text,
        sha256=digest,
    )
    session.add(version)
    session.flush()
    return version, []


def sync_bundled_cases(session: Session, *, rubric_ids: set[str] | None) -> int:
    """Load the bundled library; idempotent. Returns how many new versions were stored."""
    added = 0
    for path in sorted(bundled_library_dir().glob("*.yaml")):
        before = session.exec(
            select(func.count()).select_from(CaseVersion).where(CaseVersion.case_id == path.stem)
        ).one()
        version, problems = store_case(
            session, path.read_bytes(), path.name, rubric_ids=rubric_ids, bundled=True
        )
        if version is None:
            raise BadRequest(
                "The bundled case library is invalid:\n" + "\n".join(map(str, problems))
            )
        added += int(version.version > before)
    return added
