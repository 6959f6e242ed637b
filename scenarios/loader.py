"""Load case files: parse, validate, and report every problem with its place in the file.

Files inside the bundled library folder (scenarios/library/) also follow the bundled-library
rules: the case id equals the file name without .yaml, and the case lasts 45 to 120 minutes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from scenarios.located_yaml import (
    Located,
    Problem,
    Violation,
    check_all,
    is_within,
    read_capped,
    read_yaml,
    validate,
    yaml_files,
)
from scenarios.schema import SLUG_PATTERN, Case, case_rule_violations

__all__ = [
    "CASE_TABLE_HEADER",
    "CaseLibraryError",
    "Problem",
    "bundled_library_dir",
    "case_table_rows",
    "load_bundled_cases",
    "load_case_bytes",
    "load_case_file",
    "validate_paths",
]

BUNDLED_MINUTES = (45, 120)
CASE_TABLE_HEADER = ("id", "title", "domain", "difficulty", "parties", "minutes")


class CaseLibraryError(ValueError):
    """The bundled case library has problems; the message lists every one."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(str(problem) for problem in self.problems)
        super().__init__(f"the bundled case library has problems:\n{lines}")


def load_case_bytes(
    data: bytes,
    filename: str,
    *,
    rubric_ids: set[str] | None = None,
    bundled: bool = False,
) -> tuple[Case | None, list[Problem]]:
    """A case and no problems, or None and every problem; rubric_ids None skips that check."""
    case, problems, _ = _load(data, filename, rubric_ids, bundled)
    return case, problems


def load_case_file(
    path: str | Path, *, rubric_ids: set[str] | None = None
) -> tuple[Case | None, list[Problem]]:
    """Load one case file (bundled-library rules apply inside the bundled folder)."""
    case, problems, _ = _load_path(Path(path), rubric_ids)
    return case, problems


def validate_paths(
    paths: Iterable[str | Path], *, rubric_ids: set[str] | None = None
) -> list[Problem]:
    """Every problem in the files and folders given, including case ids used twice."""
    files, problems = yaml_files(paths)
    problems.extend(check_all(files, lambda path: _load_path(path, rubric_ids), "case"))
    return problems


def bundled_library_dir() -> Path:
    """The folder of cases shipped with the package."""
    return Path(str(resources.files("scenarios").joinpath("library")))


def load_bundled_cases(*, rubric_ids: set[str] | None = None) -> list[Case]:
    """The bundled cases, sorted by id; CaseLibraryError if any file has a problem."""
    cases, problems = [], []
    for path in sorted(bundled_library_dir().glob("*.yaml")):
        case, file_problems, _ = _load_path(path, rubric_ids)
        problems.extend(file_problems)
        if case is not None:
            cases.append(case)
    if problems:
        raise CaseLibraryError(problems)
    return sorted(cases, key=lambda case: case.id)


def case_table_rows(cases: Iterable[Case]) -> list[tuple[str, str, str, int, str, int]]:
    """One row per case for `cases list`, in the order of CASE_TABLE_HEADER."""
    rows = []
    for case in cases:
        fewest, most = case.party_count_range
        parties = str(fewest) if fewest == most else f"{fewest}-{most}"
        row = (
            case.id,
            case.title,
            str(case.domain),
            case.difficulty,
            parties,
            case.duration_minutes,
        )
        rows.append(row)
    return rows


def _load_path(
    path: Path, rubric_ids: set[str] | None
) -> tuple[Case | None, list[Problem], Located | None]:
    data = read_capped(path)
    if isinstance(data, Problem):
        return None, [data], None
    return _load(data, str(path), rubric_ids, is_within(path, bundled_library_dir()))


def _load(
    data: bytes, filename: str, rubric_ids: set[str] | None, bundled: bool
) -> tuple[Case | None, list[Problem], Located | None]:
    located, problems = read_yaml(data, filename)
    if located is None:
        return None, problems, None
    violations = case_rule_violations(located.data)
    violations += _context_violations(located.data, Path(filename).stem, rubric_ids, bundled)
    case, more = validate(located, Case, violations)
    problems = sorted(problems + more)
    return (None if problems else case), problems, located


def _context_violations(
    data: Any, stem: str, rubric_ids: set[str] | None, bundled: bool
) -> list[Violation]:
    """Rules that depend on where the case lives: known rubrics, the bundled library's rules."""
    if not isinstance(data, Mapping):
        return []
    violations = []
    rubric, case_id, minutes = data.get("rubric"), data.get("id"), data.get("duration_minutes")
    if rubric_ids is not None and _is_slug(rubric) and rubric not in rubric_ids:
        known = ", ".join(sorted(rubric_ids)) or "none are installed"
        message = f"rubric `{rubric}` is not a known rubric: use one of the known ids ({known})"
        violations.append(Violation(("rubric",), message))
    if bundled and _is_slug(case_id) and case_id != stem:
        message = (
            f"a bundled case's id must equal its file name: set `id: {stem}` or rename the file"
        )
        violations.append(Violation(("id",), message))
    low, high = BUNDLED_MINUTES
    if bundled and type(minutes) is int and 10 <= minutes <= 480 and not low <= minutes <= high:
        message = f"bundled cases last {low} to {high} minutes, got {minutes}: change it"
        violations.append(Violation(("duration_minutes",), message))
    return violations


def _is_slug(value: Any) -> bool:
    return isinstance(value, str) and re.fullmatch(SLUG_PATTERN, value) is not None
