"""Rubric files: every rule of the format, with positions, and no traceback on any input."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import coaching
from coaching import rubric as rubric_module
from coaching.rubric import (
    Rubric,
    RubricLibraryError,
    bundled_rubrics_dir,
    load_bundled_rubrics,
    load_rubric_bytes,
    load_rubric_file,
    validate_rubric_paths,
)

FIXTURE = Path(__file__).parent / "fixtures" / "core-skills.yaml"
VALID = FIXTURE.read_text(encoding="utf-8")  # line numbers below refer to this file
VALID_DATA = yaml.safe_load(VALID)
FAST = settings(max_examples=250, deadline=None)


def edited(old: str, new: str, text: str = VALID) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def problems_of(text: str) -> list[tuple[int, int, str]]:
    rubric, problems = load_rubric_bytes(text.encode("utf-8"), "rubric.yaml")
    assert rubric is None and problems
    return [(p.line, p.col, p.message) for p in problems]


def test_valid_rubric_loads() -> None:
    rubric, problems = load_rubric_bytes(VALID.encode(), "core-skills.yaml", bundled=True)
    assert problems == []
    assert rubric is not None
    assert rubric.scale_values == (1, 2, 3)
    assert rubric.label_for(2) == "Developing"
    assert rubric.criterion("looping").weight == 2
    assert rubric.criterion("impartiality").weight == 1
    assert rubric.criteria[0].descriptors[3].startswith("Loops until")
    assert rubric.description == "How coaches score the core skills."
    with pytest.raises(KeyError):
        rubric.label_for(4)
    with pytest.raises(KeyError):
        rubric.criterion("caucus")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("id: core-skills", "id: Core Skills", [(1, 5, "id must be 3 to 64 lowercase letters, "
         'digits and single hyphens, such as looping, got "Core Skills"')]),
        ("title: Core mediation skills\n", "", [(1, 1, "the file has no `title`: add it; "
         "it must be 1 to 120 characters")]),
        ("description: How coaches", "descripton: How coaches", [(3, 1, "unknown key "
         "`descripton` in the file: did you mean `description`? (allowed: id, title, "
         "description, scale, criteria)")]),
        ("  - value: 3\n    label: Secure\n", "", [(17, 7, "level 3 is not on the scale (1, 2): "
         "remove it"), (24, 7, "level 3 is not on the scale (1, 2): remove it")]),
        ("  - value: 3", "  - value: 2", [(9, 12, "scale value 2 is used twice: give each "
         "level its own value")]),
        ("  - value: 3", "  - value: 0", [(9, 12, "list the scale from lowest to highest "
         "value: 0 comes after 2")]),
        ("  - value: 3", "  - value: three", [(9, 12, "scale[2].value must be a whole number, "
         'got "three"')]),
        ("    label: Secure", "    label: ''", [(10, 12, "scale[2].label must be 1 to 60 "
         "characters, got empty text")]),
        ("    label: Secure", "    label: Secure\n    colour: green", [(11, 5, "unknown key "
         "`colour` in scale[2]: remove it (allowed: value, label)")]),
        ("    weight: 2", "    weight: 0", [(15, 13, "criteria[0].weight must be a number above "
         "0, got 0")]),
        ("    weight: 2", "    weight: -1.5", [(15, 13, "criteria[0].weight must be a number "
         "above 0, got -1.5")]),
        ("    weight: 2", "    weight: heavy", [(15, 13, "criteria[0].weight must be a number "
         'above 0, got "heavy"')]),
        ("    weight: 2", "    weight: .nan", [(15, 13, "criteria[0].weight must be a number "
         "above 0, got nan")]),
        ("  - id: impartiality", "  - id: looping", [(20, 9, "criterion id `looping` is already "
         "used by criteria[0]: give each criterion its own id")]),
        ("    description: Treats the parties even-handedly.\n", "", [(20, 5, "criteria[1] has "
         "no `description`: add it; it must be Markdown text, not empty")]),
        ("      3: Loops until the party confirms they feel understood.\n", "", [(17, 7,
         "criteria[0].descriptors has no text for scale value 3: add `3: ...`")]),
        ("      3: Loops until", "      4: Loops until", [(17, 7, "criteria[0].descriptors has "
         "no text for scale value 3: add `3: ...`"), (19, 7, "level 4 is not on the scale "
         "(1, 2, 3): remove it")]),
        ("      2: Reflects often", "      '2': Reflects often", [(17, 7, "criteria[0]."
         "descriptors has no text for scale value 2: add `2: ...`"), (18, 7, "each key of "
         'criteria[0].descriptors must be a scale value (a whole number), got "2"')]),
        ("      1: Sides with one party in words or manner.", "      1: ' '", [(24, 10,
         "criteria[1].descriptors[1] must be Markdown text, not empty, got empty text")]),
        ("      1: Sides with one party in words or manner.", "      1: Sides\n      1: Again",
         [(25, 7, "duplicate key `1` (first at line 24): keep only one of them")]),
        ("criteria:\n", "criteria: []\nold:\n", [(11, 11, "criteria must be a list of at least "
         "one criterion, got a list"), (12, 1, "unknown key `old` in the file: remove it "
         "(allowed: id, title, description, scale, criteria)")]),
    ],
)  # fmt: skip
def test_rules_with_positions(old: str, new: str, expected: list[tuple[int, int, str]]) -> None:
    assert problems_of(edited(old, new)) == expected


def test_scale_has_two_to_ten_levels() -> None:
    message = (
        "scale must be a list of 2 to 10 levels (each with value and label), lowest value "
        "first, got a list"
    )
    for count in (1, 11):
        levels = "".join(f"  - {{value: {n}, label: L{n}}}\n" for n in range(count))
        text = f"id: a-b-c\ntitle: T\nscale:\n{levels}criteria: []\n"
        assert problems_of(text)[0] == (4, 3, message)


@pytest.mark.parametrize("value", ["x", "2", "0"])
def test_descriptor_checks_wait_for_a_sound_scale(value: str) -> None:
    text = edited("  - value: 3", f"  - value: {value}")
    assert [(line, col) for line, col, _ in problems_of(text)] == [(9, 12)]


def test_bundled_rubric_id_equals_file_stem() -> None:
    rubric, problems = load_rubric_bytes(VALID.encode(), "rubrics/other.yaml", bundled=True)
    assert rubric is None
    assert [str(p) for p in problems] == [
        "rubrics/other.yaml:1:5: a bundled rubric's id must equal its file name: set "
        "`id: other` or rename it"
    ]


@pytest.mark.parametrize(
    ("data", "start"),
    [
        (b"", "the file is empty"),
        (b"\xff\xfe\x00", "byte 0xFF is not UTF-8 text"),
        (b"id: [", "YAML syntax error"),
        (b"a: &a [1]\nb: *a\n", "aliases (*name) are not allowed"),
        (b"[" * 5000, "nested more than 32 levels deep"),
        (b"- 1\n", "the file must be a mapping with the keys id, title, description"),
    ],
)
def test_bad_bytes_are_problems(data: bytes, start: str) -> None:
    rubric, problems = load_rubric_bytes(data, "rubric.yaml")
    assert rubric is None and problems[0].message.startswith(start)


def test_rules_hold_when_a_rubric_is_built_in_code() -> None:
    data = copy.deepcopy(VALID_DATA)
    data["criteria"][1]["descriptors"].pop(3)
    with pytest.raises(ValueError, match="no text for scale value 3"):
        Rubric.model_validate(data)
    assert Rubric.model_validate(VALID_DATA).scale_values == (1, 2, 3)


def test_files_and_folders(tmp_path: Path) -> None:
    (tmp_path / "core-skills.yaml").write_text(VALID, encoding="utf-8")
    (tmp_path / "copy.yml").write_text(VALID, encoding="utf-8")
    rubric, problems = load_rubric_file(tmp_path / "core-skills.yaml")
    assert problems == [] and rubric is not None
    assert [str(p) for p in validate_rubric_paths([tmp_path, tmp_path / "nope.yaml"])] == [
        f"{tmp_path / 'nope.yaml'}:1:1: no such file or folder: check the path",
        f"{tmp_path / 'core-skills.yaml'}:1:5: rubric id `core-skills` is also used by "
        f"{tmp_path / 'copy.yml'}: change one",
    ]


def test_bundled_rubrics(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert bundled_rubrics_dir() == Path(coaching.__file__).parent / "rubrics"
    monkeypatch.setattr(rubric_module, "bundled_rubrics_dir", lambda: tmp_path)
    (tmp_path / "core-skills.yaml").write_text(VALID, encoding="utf-8")
    assert [r.id for r in load_bundled_rubrics()] == ["core-skills"]
    (tmp_path / "misnamed.yaml").write_text(VALID, encoding="utf-8")
    with pytest.raises(RubricLibraryError) as raised:
        load_bundled_rubrics()
    assert [p.message for p in raised.value.problems] == [
        "a bundled rubric's id must equal its file name: set `id: misnamed` or rename it"
    ]


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 20), st.floats(), st.text(max_size=20)
)
keys = st.one_of(
    st.sampled_from(["id", "title", "scale", "criteria", "value", "label", "descriptors",
                     "weight", "name", "description"]),
    st.integers(0, 5),
    st.text(max_size=8),
)  # fmt: skip
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(keys, inner, max_size=6)),
    max_leaves=40,
)


def assert_answered(data: bytes) -> None:
    rubric, problems = load_rubric_bytes(data, "rubric.yaml")
    assert (rubric is None) == bool(problems)
    for problem in problems:
        assert 1 <= problem.line <= len(data.decode("utf-8", "replace").splitlines()) + 2
        assert problem.col >= 1 and problem.message
        assert str(problem).startswith(f"rubric.yaml:{problem.line}:{problem.col}: ")


def dump(document: Any) -> bytes:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True).encode("utf-8")


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
def test_mutated_valid_rubric(data: st.DataObject) -> None:
    document = copy.deepcopy(VALID_DATA)
    for _ in range(data.draw(st.integers(1, 3))):
        locs: list[tuple[Any, ...]] = []
        stack: list[tuple[Any, tuple[Any, ...]]] = [(document, ())]
        while stack:
            node, loc = stack.pop()
            if not isinstance(node, dict | list):
                continue
            for key, value in node.items() if isinstance(node, dict) else enumerate(node):
                locs.append((*loc, key))
                stack.append((value, (*loc, key)))
        if not locs:
            break
        loc = data.draw(st.sampled_from(sorted(locs, key=repr)))
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
