"""The located YAML reader: positions, refusals of hostile input, pydantic messages."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import pytest
from pydantic import BaseModel, ConfigDict, Field

import coaching
import scenarios
from scenarios.located_yaml import (
    MAX_BYTES,
    MAX_DEPTH,
    Problem,
    Violation,
    read_yaml,
    validate,
    yaml_files,
)


def read(text: str | bytes) -> tuple[object, list[tuple[int, int, str]]]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    located, problems = read_yaml(data, "f.yaml")
    return located, [(p.line, p.col, p.message) for p in problems]


def test_the_coaching_copy_is_identical() -> None:
    ours = Path(scenarios.__file__).parent / "located_yaml.py"
    theirs = Path(coaching.__file__).parent / "located_yaml.py"
    assert ours.read_bytes() == theirs.read_bytes()


def test_values_and_keys_keep_their_one_based_positions() -> None:
    located, problems = read("a: 1\nb:\n  - x\n  - {c: 日本, d: true}\n")
    assert problems == []
    assert located is not None
    assert located.data == {"a": 1, "b": ["x", {"c": "日本", "d": True}]}
    assert located.values[("a",)] == (1, 4)
    assert located.keys[("b",)] == (2, 1)
    assert located.values[("b", 0)] == (3, 5)
    assert located.values[("b", 1, "d")] == (4, 16)  # columns count characters, not bytes
    assert located.problem(("b", 1, "missing"), "m") == Problem("f.yaml", 4, 5, "m")
    assert located.problem(("b",), "m", at_key=True).line == 2


def test_byte_order_mark_is_skipped() -> None:
    located, problems = read(b"\xef\xbb\xbfa: 1\n")
    assert problems == [] and located is not None and located.data == {"a": 1}


def test_not_utf8_points_at_the_first_bad_byte() -> None:
    assert read(b"a: ok\nb: caf" + b"\xe9 au lait\n")[1] == [
        (2, 7, "byte 0xE9 is not UTF-8 text: save the file as UTF-8")
    ]
    assert read("a: é".encode() + b"\xff")[1][0][:2] == (1, 5)


def test_control_characters_are_refused_with_their_position() -> None:
    assert read("a: 1\nb: x\x07y\n")[1] == [
        (2, 5, "control character U+0007 is not allowed: remove it")
    ]


def test_duplicate_keys_are_reported_and_the_first_value_kept() -> None:
    located, problems = read("a: 1\nb: 2\na: 3\n")
    assert problems == [(3, 1, "duplicate key `a` (first at line 1): keep only one of them")]
    assert located is not None and located.data == {"a": 1, "b": 2}


def test_billion_laughs_is_refused_quickly() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [
        f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)
    ]
    started = time.perf_counter()
    located, problems = read("\n".join(lines))
    assert time.perf_counter() - started < 1
    assert located is None
    assert problems[0] == (2, 8, "aliases (*name) are not allowed: write the value out in full")


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000,
        "- " * 100_000,
        "".join(" " * depth + "a:\n" for depth in range(1000)),
        "{a: " * 50_000,
    ],
    ids=["flow-lists", "block-lists", "block-mappings", "flow-mappings"],
)
def test_deep_nesting_is_refused_without_recursion(text: str) -> None:
    located, problems = read(text)
    assert located is None
    assert problems[-1][2] == f"nested more than {MAX_DEPTH} levels deep: flatten the structure"


def test_nesting_up_to_the_limit_is_read() -> None:
    located, problems = read("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    assert problems == [] and located is not None


def test_size_limit_is_one_mebibyte() -> None:
    assert read(b"#" * MAX_BYTES)[1] == [(1, 1, "the file is empty: write the YAML mapping "
                                          "(key: value lines) in it")]  # fmt: skip
    assert read(b"#" * (MAX_BYTES + 1))[1] == [
        (1, 1, "the file is larger than 1 MiB: split it or shorten it")
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: !!binary aGVsbG8=\n", "the YAML tag !!binary is not supported: remove it"),
        ("a: !!set {x}\n", "the YAML tag !!set is not supported: remove it"),
        ("a: !custom x\n", "the YAML tag !custom is not supported: remove it"),
        ("a: 2024-13-45\n", "cannot read '2024-13-45' as a date: fix it or quote it"),
        ("a: " + "9" * 5000 + "\n", "cannot read '9999999999999999999999999999999999999999' as "
         "a whole number: fix it or quote it"),
        ("? [x]\n: 1\n", "a key must be a plain word or number, not a list or mapping"),
    ],
)  # fmt: skip
def test_unsupported_values_are_refused(text: str, message: str) -> None:
    located, problems = read(text)
    assert located is None
    assert problems[0][2] == message


def test_merge_key_is_plain_text() -> None:
    located, problems = read("<<: {a: 1}\n")
    assert problems == [] and located is not None and located.data == {"<<": {"a": 1}}


class _Inner(BaseModel):
    model_config = ConfigDict(extra="forbid")
    size: int = Field(strict=True, ge=1, description="a whole number above 0")


class _Outer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(strict=True, description="a name")
    items: tuple[_Inner, ...] = Field(min_length=1, description="a list of items")
    table: dict[Annotated[int, Field(strict=True, description="a number")], str] = {}


def test_validate_maps_pydantic_errors_to_positions_and_messages() -> None:
    text = "name: x\nitems:\n  - size: 0\n  - {}\ntable: {a: b}\nextra: 1\n"
    located, _ = read_yaml(text.encode(), "f.yaml")
    assert located is not None
    result, problems = validate(located, _Outer, [])
    assert result is None
    assert [str(p) for p in problems] == [
        "f.yaml:3:11: items[0].size must be a whole number above 0, got 0",
        "f.yaml:4:5: items[1] has no `size`: add it; it must be a whole number above 0",
        'f.yaml:5:9: each key of table must be a number, got "a"',
        "f.yaml:6:1: unknown key `extra` in the file: remove it (allowed: name, items, table)",
    ]


def test_validate_adds_rule_violations_and_refuses_the_object() -> None:
    located, _ = read_yaml(b"name: x\nitems: [{size: 1}]\n", "f.yaml")
    assert located is not None
    result, problems = validate(located, _Outer, [Violation(("items", 0, "size"), "too small")])
    assert result is None
    assert problems == [Problem("f.yaml", 2, 16, "too small")]
    result, problems = validate(located, _Outer, [])
    assert problems == [] and result is not None and result.items[0].size == 1


def test_yaml_files_lists_files_once_and_reports_bad_paths(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("a: 1")
    (tmp_path / "y.txt").write_text("a: 1")
    files, problems = yaml_files([tmp_path, tmp_path / "x.yaml", tmp_path / "y.txt", "/nope"])
    assert files == [tmp_path / "x.yaml", tmp_path / "y.txt"]
    assert [str(p) for p in problems] == ["/nope:1:1: no such file or folder: check the path"]
