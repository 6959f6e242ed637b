"""Whatever the input, the case loader answers with a case or with problems, never a traceback."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.loader import load_case_bytes
from scenarios.schema import Case

FIXTURE = Path(__file__).parent / "fixtures" / "quiet-hours.yaml"
VALID = FIXTURE.read_text(encoding="utf-8")
VALID_DATA = yaml.safe_load(VALID)
RUBRICS = {"core-mediation-skills"}
KEYS = sorted({*VALID_DATA, *VALID_DATA["roles"][1], "reveal_after", "optional"})
FAST = settings(max_examples=250, deadline=None)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(),
    st.text(max_size=30),
    st.sampled_from(["party", "mediator", "observer", "en", "community", "quiet-hours", ""]),
)
keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=12), st.integers(), st.none())
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(keys, inner, max_size=6)),
    max_leaves=40,
)


def dump(document: Any) -> bytes:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True).encode("utf-8")


def assert_answered(data: bytes) -> None:
    case, problems = load_case_bytes(data, "case.yaml", rubric_ids=RUBRICS)
    assert (case is None) == bool(problems)
    assert case is None or isinstance(case, Case)
    lines = len(data.decode("utf-8", "replace").splitlines()) + 2  # YAML also breaks at \r
    for problem in problems:
        assert 1 <= problem.line <= lines and problem.col >= 1 and problem.message
        assert str(problem).startswith(f"case.yaml:{problem.line}:{problem.col}: ")


def walk(node: Any, loc: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [loc]
    if isinstance(node, dict):
        for key, value in node.items():
            found += walk(value, (*loc, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += walk(value, (*loc, index))
    return found


@FAST
@given(st.binary(max_size=400))
def test_arbitrary_bytes(data: bytes) -> None:
    assert_answered(data)


@FAST
@given(st.text(max_size=300))
def test_arbitrary_text(text: str) -> None:
    assert_answered(text.encode("utf-8"))


@FAST
@given(documents)
def test_arbitrary_yaml_documents(document: Any) -> None:
    assert_answered(dump(document))


@FAST
@given(st.data())
def test_mutated_valid_case(data: st.DataObject) -> None:
    document = copy.deepcopy(VALID_DATA)
    for _ in range(data.draw(st.integers(1, 3))):
        loc = data.draw(st.sampled_from(walk(document)[1:]))
        parent = document
        for part in loc[:-1]:
            parent = parent[part]
        action = data.draw(st.sampled_from(["drop", "replace", "rename"]))
        if action == "drop":
            del parent[loc[-1]]
        elif action == "replace":
            parent[loc[-1]] = data.draw(documents)
        elif isinstance(parent, dict):
            parent[data.draw(keys)] = parent.pop(loc[-1])
    assert_answered(dump(document))


@FAST
@given(st.data())
def test_edited_valid_text(data: st.DataObject) -> None:
    lines = VALID.splitlines(keepends=True)
    for _ in range(data.draw(st.integers(1, 3))):
        index = data.draw(st.integers(0, len(lines) - 1))
        action = data.draw(st.sampled_from(["delete", "duplicate", "insert", "indent"]))
        if action == "delete":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, lines[index])
        elif action == "insert":
            column = data.draw(st.integers(0, len(lines[index])))
            piece = data.draw(st.text(alphabet=":-[]{}&*!|>'\"# \t\nabc1", max_size=6))
            lines[index] = lines[index][:column] + piece + lines[index][column:]
        else:
            lines[index] = " " + lines[index]
        if not lines:
            break
    assert_answered("".join(lines).encode("utf-8"))


def test_the_valid_case_stays_valid_through_dumping() -> None:
    case, problems = load_case_bytes(dump(VALID_DATA), "case.yaml", rubric_ids=RUBRICS)
    assert problems == [] and case is not None
