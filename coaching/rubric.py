"""Rubrics: the scale and criteria coaches score against, and the loader for rubric files.

Files inside the bundled rubric folder (coaching/rubrics/) must also have an id equal to the
file name without .yaml.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from coaching.located_yaml import (
    RULES_ERROR,
    Located,
    Problem,
    Violation,
    check_all,
    is_within,
    loc_name,
    read_capped,
    read_yaml,
    validate,
    yaml_files,
)

__all__ = [
    "Criterion",
    "Problem",
    "Rubric",
    "RubricLibraryError",
    "ScaleLevel",
    "bundled_rubrics_dir",
    "load_bundled_rubrics",
    "load_rubric_bytes",
    "load_rubric_file",
    "rubric_rule_violations",
    "validate_rubric_paths",
]

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

Slug = Annotated[
    str,
    Field(
        strict=True,
        min_length=3,
        max_length=64,
        pattern=SLUG_PATTERN,
        description="3 to 64 lowercase letters, digits and single hyphens, such as looping",
    ),
]
ShortText = Annotated[
    str,
    Field(
        strict=True, min_length=1, max_length=120, pattern=r"\S", description="1 to 120 characters"
    ),
]
Markdown = Annotated[str, Field(strict=True, pattern=r"\S", description="Markdown text, not empty")]
ScaleValue = Annotated[int, Field(strict=True, description="a scale value (a whole number)")]


class ScaleLevel(BaseModel):
    """One level of the rubric's scale."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    value: int = Field(strict=True, description="a whole number")
    label: str = Field(
        strict=True, min_length=1, max_length=60, pattern=r"\S", description="1 to 60 characters"
    )


class Criterion(BaseModel):
    """One skill scored on the scale, with what each level looks like."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    name: ShortText
    description: Markdown
    weight: float = Field(
        default=1.0, strict=True, gt=0, allow_inf_nan=False, description="a number above 0"
    )
    descriptors: dict[ScaleValue, Markdown] = Field(
        description="a mapping from each scale value to Markdown text, such as `1: ...`"
    )


class Rubric(BaseModel):
    """A rubric as written in a rubric file; construction enforces every rule."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    title: ShortText
    description: Markdown | None = None
    scale: tuple[ScaleLevel, ...] = Field(
        min_length=2,
        max_length=10,
        description="a list of 2 to 10 levels (each with value and label), lowest value first",
    )
    criteria: tuple[Criterion, ...] = Field(
        min_length=1, description="a list of at least one criterion"
    )

    @model_validator(mode="after")
    def _check_rules(self) -> Rubric:
        violations = rubric_rule_violations(self.model_dump(exclude_unset=True))
        if violations:
            details = "; ".join(v.message for v in violations)
            raise PydanticCustomError(RULES_ERROR, "{details}", {"details": details})
        return self

    @property
    def scale_values(self) -> tuple[int, ...]:
        """The scale's values, lowest first."""
        return tuple(level.value for level in self.scale)

    def label_for(self, value: int) -> str:
        """The label of a scale value; KeyError if it is not on the scale."""
        for level in self.scale:
            if level.value == value:
                return level.label
        raise KeyError(value)

    def criterion(self, criterion_id: str) -> Criterion:
        """The criterion with this id; KeyError if the rubric has none."""
        for criterion in self.criteria:
            if criterion.id == criterion_id:
                return criterion
        raise KeyError(criterion_id)


class RubricLibraryError(ValueError):
    """The bundled rubrics have problems; the message lists every one."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(str(problem) for problem in self.problems)
        super().__init__(f"the bundled rubrics have problems:\n{lines}")


def rubric_rule_violations(data: Any) -> list[Violation]:
    """Rules across fields, checked on plain data however malformed (the rest is pydantic's)."""
    if not isinstance(data, Mapping):
        return []
    violations: list[Violation] = []
    levels = _scale_levels(data.get("scale"), violations)
    criteria = data.get("criteria")
    first_index: dict[str, int] = {}
    for index, criterion in enumerate(criteria if isinstance(criteria, list | tuple) else ()):
        if not isinstance(criterion, Mapping):
            continue
        criterion_id, descriptors = criterion.get("id"), criterion.get("descriptors")
        loc = ("criteria", index)
        if isinstance(criterion_id, str) and criterion_id in first_index:
            message = (
                f"criterion id `{criterion_id}` is already used by criteria"
                f"[{first_index[criterion_id]}]: give each criterion its own id"
            )
            violations.append(Violation((*loc, "id"), message))
        elif isinstance(criterion_id, str):
            first_index[criterion_id] = index
        if levels and isinstance(descriptors, Mapping):
            violations += _descriptor_violations((*loc, "descriptors"), descriptors, levels)
    return violations


def load_rubric_bytes(
    data: bytes, filename: str, *, bundled: bool = False
) -> tuple[Rubric | None, list[Problem]]:
    """A rubric and no problems, or None and every problem."""
    rubric, problems, _ = _load(data, filename, bundled)
    return rubric, problems


def load_rubric_file(path: str | Path) -> tuple[Rubric | None, list[Problem]]:
    """Load one rubric file (its id must equal its name inside the bundled folder)."""
    rubric, problems, _ = _load_path(Path(path))
    return rubric, problems


def validate_rubric_paths(paths: Iterable[str | Path]) -> list[Problem]:
    """Every problem in the files and folders given, including rubric ids used twice."""
    files, problems = yaml_files(paths)
    problems.extend(check_all(files, _load_path, "rubric"))
    return problems


def bundled_rubrics_dir() -> Path:
    """The folder of rubrics shipped with the package."""
    return Path(str(resources.files("coaching").joinpath("rubrics")))


def load_bundled_rubrics() -> list[Rubric]:
    """The bundled rubrics, sorted by id; RubricLibraryError if any file has a problem."""
    rubrics, problems = [], []
    for path in sorted(bundled_rubrics_dir().glob("*.yaml")):
        rubric, file_problems, _ = _load_path(path)
        problems.extend(file_problems)
        if rubric is not None:
            rubrics.append(rubric)
    if problems:
        raise RubricLibraryError(problems)
    return sorted(rubrics, key=lambda rubric: rubric.id)


def _scale_levels(scale: Any, violations: list[Violation]) -> dict[int, Any]:
    """The scale's value -> label, or {} unless every value is a whole number, in order, once."""
    levels: dict[int, Any] = {}
    sound = True
    for index, level in enumerate(scale if isinstance(scale, list | tuple) else ()):
        value = level.get("value") if isinstance(level, Mapping) else None
        if type(value) is not int:
            return {}
        loc = ("scale", index, "value")
        if value in levels:
            message = f"scale value {value} is used twice: give each level its own value"
            violations.append(Violation(loc, message))
        elif levels and value < max(levels):
            message = (
                f"list the scale from lowest to highest value: {value} comes after {max(levels)}"
            )
            violations.append(Violation(loc, message))
        sound = sound and not (levels and value <= max(levels))
        levels.setdefault(value, level.get("label"))
    return levels if sound else {}


def _descriptor_violations(
    loc: tuple[Any, ...], descriptors: Mapping[Any, Any], levels: dict[int, Any]
) -> list[Violation]:
    violations = []
    on_scale = ", ".join(str(value) for value in levels)
    for key in descriptors:
        if type(key) is int and key not in levels:
            message = f"level {key} is not on the scale ({on_scale}): remove it"
            violations.append(Violation((*loc, key), message, at_key=True))
    missing = [value for value in levels if value not in descriptors]
    if missing:
        listed = ", ".join(str(value) for value in missing)
        message = f"{loc_name(loc)} has no text for scale value {listed}: add `{missing[0]}: ...`"
        violations.append(Violation(loc, message))
    return violations


def _load_path(path: Path) -> tuple[Rubric | None, list[Problem], Located | None]:
    data = read_capped(path)
    if isinstance(data, Problem):
        return None, [data], None
    return _load(data, str(path), is_within(path, bundled_rubrics_dir()))


def _load(
    data: bytes, filename: str, bundled: bool
) -> tuple[Rubric | None, list[Problem], Located | None]:
    located, problems = read_yaml(data, filename)
    if located is None:
        return None, problems, None
    violations = rubric_rule_violations(located.data)
    rubric_id, stem = _get(located.data, "id"), Path(filename).stem
    is_slug = isinstance(rubric_id, str) and re.fullmatch(SLUG_PATTERN, rubric_id)
    if bundled and is_slug and rubric_id != stem:
        message = f"a bundled rubric's id must equal its file name: set `id: {stem}` or rename it"
        violations.append(Violation(("id",), message))
    rubric, more = validate(located, Rubric, violations)
    problems = sorted(problems + more)
    return (None if problems else rubric), problems, located


def _get(data: Any, key: str) -> Any:
    return data.get(key) if isinstance(data, Mapping) else None
