"""Read YAML into plain data that remembers where each value was written, and check it.

This module is copied byte for byte as coaching/located_yaml.py, because scenarios and coaching
may not import each other; a test keeps the two copies identical.
"""

from __future__ import annotations

import difflib
import json
import re
import types
import typing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from yaml.constructor import SafeConstructor

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 32
RULES_ERROR = "rules"  # error type a model raises for its cross-field rules (see Violation)

Loc = tuple[Any, ...]  # mapping keys and list indexes from the top of the document
M = TypeVar("M", bound=BaseModel)

_CORE = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_CORE + name for name in ("str", "int", "float", "bool", "null", "timestamp")}
_SCALAR_NAMES = {_CORE + "int": "a whole number", _CORE + "timestamp": "a date"}
_AS_TEXT_TAGS = {_CORE + "merge", _CORE + "value"}  # "<<" and "=" are plain text here
_NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_NOTHING: Any = object()
_SKIP: Any = object()


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a file: where it is (1-based) and what to do about it."""

    file: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.message}"


class Violation(NamedTuple):
    """A broken cross-field rule, found on plain data so that it can be located in the file."""

    loc: Loc
    message: str
    at_key: bool = False


@dataclass(frozen=True)
class Located:
    """A YAML document as plain data, with the 1-based (line, col) of each value and key."""

    file: str
    data: Any
    values: dict[Loc, tuple[int, int]]
    keys: dict[Loc, tuple[int, int]]

    def problem(self, loc: Loc, message: str, *, at_key: bool = False) -> Problem:
        """A problem at the value (or key) at loc, or at the nearest enclosing value known."""
        position = self.keys.get(loc) if at_key else None
        if position is None:
            position = next(
                (self.values[loc[:n]] for n in range(len(loc), -1, -1) if loc[:n] in self.values),
                (1, 1),
            )
        return Problem(self.file, position[0], position[1], message)


def read_yaml(data: bytes, file: str) -> tuple[Located | None, list[Problem]]:
    """Parse one YAML document; refuse what could hurt (huge, deep, aliased or binary input)."""
    if len(data) > MAX_BYTES:
        return None, [Problem(file, 1, 1, "the file is larger than 1 MiB: split it or shorten it")]
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        line, col = _byte_position(data, error.start)
        message = f"byte 0x{data[error.start]:02X} is not UTF-8 text: save the file as UTF-8"
        return None, [Problem(file, line, col, message)]
    bad = _NOT_PRINTABLE.search(text)
    if bad:
        line, col = _text_position(text, bad.start())
        message = f"control character U+{ord(bad.group()):04X} is not allowed: remove it"
        return None, [Problem(file, line, col, message)]
    builder = _Builder(file)
    try:
        for event in yaml.parse(text, Loader=_LOADER):
            if not builder.feed(event):
                break
    except yaml.MarkedYAMLError as error:
        builder.syntax_error(error)
    except yaml.YAMLError as error:
        builder.fail((0, 0), f"the file is not valid YAML ({error}): check its syntax")
    return builder.result()


def validate(
    located: Located, model: type[M], violations: Iterable[Violation]
) -> tuple[M | None, list[Problem]]:
    """Validate located data against model plus rule violations; return all problems, sorted."""
    problems = [located.problem(v.loc, v.message, at_key=v.at_key) for v in violations]
    try:
        result: M | None = model.model_validate(located.data)
    except ValidationError as error:
        result = None
        for detail in error.errors(include_url=False):
            if not _echo(detail, bool(problems)):
                problems.append(_problem_for(detail, model, located))
    return (None if problems else result), sorted(problems)


def yaml_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[Problem]]:
    """Files named, plus every *.yaml / *.yml under folders named; a bad path is a problem."""
    files: dict[Path, Path] = {}
    problems = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()
            )
            if not found:
                problems.append(Problem(str(path), 1, 1, "no .yaml or .yml files in this folder"))
            files.update((p.resolve(), p) for p in found)
        elif path.is_file():
            files.setdefault(path.resolve(), path)
        elif path.exists():
            problems.append(Problem(str(path), 1, 1, "not a file or folder: give a YAML file"))
        else:
            problems.append(Problem(str(path), 1, 1, "no such file or folder: check the path"))
    return list(files.values()), problems


def read_capped(path: Path) -> bytes | Problem:
    """The file's bytes, reading no more than one byte past the size limit."""
    try:
        with path.open("rb") as handle:
            return handle.read(MAX_BYTES + 1)
    except OSError as error:
        return Problem(str(path), 1, 1, f"cannot read the file ({error.strerror}): check it")


def is_within(path: str | Path, folder: Path) -> bool:
    """Whether path lies inside folder (after resolving links)."""
    return Path(path).resolve().is_relative_to(folder.resolve())


def check_all(
    files: Iterable[Path],
    load: Callable[[Path], tuple[Any, list[Problem], Located | None]],
    what: str,
) -> Iterator[Problem]:
    """Load each file; yield its problems, and a problem for each id used by an earlier file."""
    first_file: dict[str, Path] = {}
    for path in files:
        loaded, problems, located = load(path)
        yield from problems
        if loaded is None or located is None:
            continue
        if loaded.id in first_file:
            message = f"{what} id `{loaded.id}` is also used by {first_file[loaded.id]}: change one"
            yield located.problem(("id",), message)
        else:
            first_file[loaded.id] = path


def loc_name(loc: Loc) -> str:
    """A location as written in messages: roles[1].brief."""
    text = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)
    return text.removeprefix(".")


class _Frame:
    __slots__ = ("container", "loc", "key", "discard")

    def __init__(self, container: dict[Any, Any] | list[Any], loc: Loc | None) -> None:
        self.container = container
        self.loc = loc
        self.discard = loc is None
        self.key: Any = _NOTHING  # in a mapping: the key read, waiting for its value


@dataclass
class _Builder:
    """Builds plain data from parser events without recursion, recording positions."""

    file: str
    problems: list[Problem] = field(default_factory=list)
    values: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    stack: list[_Frame] = field(default_factory=list)
    root: Any = _NOTHING
    documents: int = 0
    blocked: bool = False
    constructor: SafeConstructor = field(default_factory=SafeConstructor)
    resolver: yaml.resolver.Resolver = field(default_factory=yaml.resolver.Resolver)

    def feed(self, event: yaml.Event) -> bool:
        mark = (event.start_mark.line, event.start_mark.column) if event.start_mark else (0, 0)
        if isinstance(event, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                self.fail(mark, "one YAML document per file: remove the `---` and what follows")
                return False
        elif isinstance(event, yaml.AliasEvent):
            self.fail(mark, "aliases (*name) are not allowed: write the value out in full")
            self.place(None, mark)
        elif isinstance(event, yaml.ScalarEvent):
            self.place(self.scalar(event, mark), mark)
        elif isinstance(event, yaml.CollectionStartEvent):
            if len(self.stack) >= MAX_DEPTH:
                self.fail(mark, f"nested more than {MAX_DEPTH} levels deep: flatten the structure")
                return False
            is_map = isinstance(event, yaml.MappingStartEvent)
            if event.tag not in (None, "!", _CORE + ("map" if is_map else "seq")):
                self.fail(mark, f"the YAML tag {_short(event.tag)} is not supported: remove it")
            container: dict[Any, Any] | list[Any] = {} if is_map else []
            self.stack.append(_Frame(container, self.place(container, mark)))
        elif isinstance(event, yaml.CollectionEndEvent):
            self.stack.pop()
        return True

    def scalar(self, event: yaml.ScalarEvent, mark: tuple[int, int]) -> Any:
        tag = event.tag
        if tag in (None, "!"):
            tag = self.resolver.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag in _AS_TEXT_TAGS:
            return event.value
        if tag not in _SCALAR_TAGS:
            self.fail(mark, f"the YAML tag {_short(tag)} is not supported: remove it")
            return None
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            return SafeConstructor.yaml_constructors[tag](self.constructor, node)
        except (yaml.YAMLError, ValueError, ArithmeticError, TypeError):
            wanted = _SCALAR_NAMES.get(tag) or _short(tag)
            self.fail(mark, f"cannot read {event.value[:40]!r} as {wanted}: fix it or quote it")
            return None

    def place(self, value: Any, mark: tuple[int, int]) -> Loc | None:
        """Put value where the document says; return its location, or None if it is dropped."""
        position = (mark[0] + 1, mark[1] + 1)
        if not self.stack:
            self.root, loc = value, ()
        elif (frame := self.stack[-1]).discard:
            return None
        elif isinstance(frame.container, list):
            loc = (*frame.loc, len(frame.container))
            frame.container.append(value)
        elif frame.key is _NOTHING:
            return self.place_key(frame, value, mark)
        elif frame.key is _SKIP:
            frame.key = _NOTHING
            return None
        else:
            loc = (*frame.loc, frame.key)
            frame.container[frame.key] = value
            frame.key = _NOTHING
        self.values[loc] = position
        return loc

    def place_key(self, frame: _Frame, key: Any, mark: tuple[int, int]) -> None:
        """Take a mapping key, refusing duplicates and keys that are lists or mappings."""
        assert isinstance(frame.container, dict) and frame.loc is not None
        frame.key = _SKIP
        if isinstance(key, dict | list):
            self.fail(mark, "a key must be a plain word or number, not a list or mapping")
        elif key in frame.container:
            first = self.keys[(*frame.loc, key)][0]
            message = f"duplicate key `{key}` (first at line {first}): keep only one of them"
            self.problems.append(Problem(self.file, mark[0] + 1, mark[1] + 1, message))
        else:
            frame.key = key
            frame.container[key] = None
            self.keys[(*frame.loc, key)] = (mark[0] + 1, mark[1] + 1)

    def fail(self, mark: tuple[int, int], message: str) -> None:
        self.problems.append(Problem(self.file, mark[0] + 1, mark[1] + 1, message))
        self.blocked = True

    def syntax_error(self, error: yaml.MarkedYAMLError) -> None:
        mark = error.problem_mark or error.context_mark
        where = (mark.line, mark.column) if mark else (0, 0)
        context = f" ({error.context})" if error.context else ""
        self.fail(
            where, f"YAML syntax error: {error.problem}{context}; check indentation and quotes"
        )

    def result(self) -> tuple[Located | None, list[Problem]]:
        if not self.problems and (self.root is _NOTHING or self.root is None):
            self.fail((0, 0), "the file is empty: write the YAML mapping (key: value lines) in it")
        if self.blocked:
            return None, sorted(self.problems)
        return Located(self.file, self.root, self.values, self.keys), sorted(self.problems)


def _echo(detail: Any, located_rules: bool) -> bool:
    """Whether an error repeats others: rules already located, or a list short by bad items."""
    if detail["type"] == RULES_ERROR:
        return located_rules
    if detail["type"] == "too_short" and isinstance(detail.get("input"), list):
        return len(detail["input"]) >= detail.get("ctx", {}).get("min_length", 0)
    return False


def _problem_for(detail: Any, model: type[BaseModel], located: Located) -> Problem:
    """Turn one pydantic error into a message that says what the value should be."""
    loc, kind, value = tuple(detail["loc"]), detail["type"], detail.get("input")
    if kind == "missing":
        parent, key = loc[:-1], loc[-1]
        wanted = _expectation(model, loc) or "see the format"
        message = f"{_where(parent)} has no `{key}`: add it; it must be {wanted}"
        return located.problem(parent, message)
    if kind == "extra_forbidden":
        return located.problem(loc, _unknown_key(model, loc), at_key=True)
    if kind == "invalid_key":
        message = f"keys in {_where(loc[:-1])} must be words, got {_shown(value)}: fix or remove it"
        return located.problem((*loc[:-1], value), message, at_key=True)
    at_key = bool(loc) and loc[-1] == "[key]"
    name = f"each key of {_where(loc[:-2])}" if at_key else _where(loc)
    wanted = _expectation(model, loc)
    if wanted is None:
        message = f"{name}: {detail['msg']}"
    else:
        message = f"{name} must be {wanted}, got {_shown(value)}"
        if kind == "string_too_long" and isinstance(value, str):
            message += f" ({len(value)} characters)"
        if kind == "string_type" and not isinstance(value, dict | list | type(None)):
            message += " (put it in quotes to make it text)"
    return located.problem(loc[:-1] if at_key else loc, message, at_key=at_key)


def _unknown_key(model: type[BaseModel], loc: Loc) -> str:
    parent, key = loc[:-1], str(loc[-1])
    annotation, _ = _walk(model, parent)
    allowed = list(annotation.model_fields) if _is_model(annotation) else []
    close = difflib.get_close_matches(key, allowed, n=1)
    advice = f"did you mean `{close[0]}`?" if close else "remove it"
    return f"unknown key `{key}` in {_where(parent)}: {advice} (allowed: {', '.join(allowed)})"


def _expectation(model: type[BaseModel], loc: Loc) -> str | None:
    annotation, description = _walk(model, loc)
    if description:
        return description
    if _is_model(annotation):
        return "a mapping with the keys " + ", ".join(annotation.model_fields)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return "one of " + ", ".join(str(member.value) for member in annotation)
    return None


def _walk(model: type[BaseModel], loc: Loc) -> tuple[Any, str | None]:
    """The type expected at loc in model, and its description."""
    annotation: Any = model
    description = None
    for index, part in enumerate(loc):
        annotation, _ = _unwrap(annotation)
        origin = typing.get_origin(annotation)
        if part == "[key]":
            continue  # dict keys are handled one step earlier, at the key itself
        if _is_model(annotation):
            found = annotation.model_fields.get(part) if isinstance(part, str) else None
            if found is None:
                return None, None
            annotation, description = found.annotation, found.description
        elif origin in (list, tuple):
            annotation, description = typing.get_args(annotation)[0], None
        elif origin is dict:
            is_key = loc[index + 1 : index + 2] == ("[key]",)
            annotation, description = typing.get_args(annotation)[0 if is_key else 1], None
        else:
            return None, None
        annotation, inner = _unwrap(annotation)
        description = description or inner
    return annotation, description


def _unwrap(annotation: Any) -> tuple[Any, str | None]:
    """Strip Annotated and Optional, keeping a description found on the way."""
    description = None
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            infos = [m for m in annotation.__metadata__ if isinstance(m, FieldInfo)]
            description = description or next((i.description for i in infos if i.description), None)
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            options = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(options) != 1:
                return annotation, description
            annotation = options[0]
        else:
            return annotation, description


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _where(loc: Loc) -> str:
    return loc_name(loc) if loc else "the file"


def _shown(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        if not value.strip():
            return "empty text"
        return json.dumps(value if len(value) <= 40 else value[:39] + "…", ensure_ascii=False)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _short(tag: str) -> str:
    return "!!" + tag.removeprefix(_CORE) if tag.startswith(_CORE) else tag


def _text_position(text: str, index: int) -> tuple[int, int]:
    """Line and column of text[index], counting line breaks as YAML does."""
    breaks = list(_LINE_BREAK.finditer(text, 0, index))
    return len(breaks) + 1, index - (breaks[-1].end() if breaks else 0) + 1


def _byte_position(data: bytes, index: int) -> tuple[int, int]:
    before = data[:index].decode("utf-8", "replace")
    return _text_position(before, len(before))
