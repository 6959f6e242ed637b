"""Case files: every rule of the format, reported with the line and column to fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import scenarios
from scenarios import loader
from scenarios.loader import (
    CASE_TABLE_HEADER,
    CaseLibraryError,
    Problem,
    bundled_library_dir,
    case_table_rows,
    load_bundled_cases,
    load_case_bytes,
    load_case_file,
    validate_paths,
)
from scenarios.schema import Domain, RoleKind

FIXTURE = Path(__file__).parent / "fixtures" / "quiet-hours.yaml"
VALID = FIXTURE.read_text(encoding="utf-8")  # line numbers below refer to this file
RUBRICS = {"core-mediation-skills", "advanced-skills"}


def edited(old: str, new: str, text: str = VALID) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def problems_of(text: str, **options: Any) -> list[tuple[int, int, str]]:
    case, problems = load_case_bytes(text.encode("utf-8"), "case.yaml", **options)
    assert case is None
    assert problems
    return [(p.line, p.col, p.message) for p in problems]


def only_problem(text: str, **options: Any) -> tuple[int, int, str]:
    found = problems_of(text, **options)
    assert len(found) == 1, found
    return found[0]


def test_valid_case_loads_with_every_field() -> None:
    case, problems = load_case_bytes(VALID.encode(), "quiet-hours.yaml", rubric_ids=RUBRICS)
    assert problems == []
    assert case is not None
    assert case.id == "quiet-hours"
    assert case.domain is Domain.COMMUNITY
    assert case.languages == ("en", "sw")
    assert case.reveal_after is True
    assert [role.id for role in case.roles] == ["mediator", "tenant", "owner", "landlord"]
    assert case.roles[0].kind is RoleKind.MEDIATOR and case.roles[0].confidential is None
    assert case.roles[3].optional is True
    assert case.summary == "Two neighbours disagree about noise after ten at night.\n"


def test_problem_prints_as_file_line_col_message() -> None:
    assert str(Problem("a/b.yaml", 3, 7, "fix this")) == "a/b.yaml:3:7: fix this"


@pytest.mark.parametrize(
    ("old", "new", "line", "col", "message"),
    [
        ("difficulty: 2", "difficulty: 7", 6, 13,
         "difficulty must be a whole number from 1 to 5, got 7"),
        ("difficulty: 2", "difficulty: 2.5", 6, 13,
         "difficulty must be a whole number from 1 to 5, got 2.5"),
        ("difficulty: 2", 'difficulty: "2"', 6, 13,
         'difficulty must be a whole number from 1 to 5, got "2"'),
        ("difficulty: 2", "difficulty: true", 6, 13,
         "difficulty must be a whole number from 1 to 5, got true"),
        ("duration_minutes: 60", "duration_minutes: 500", 7, 19,
         "duration_minutes must be a whole number of minutes from 10 to 480, got 500"),
        ("domain: community", "domain: comunity", 5, 9,
         "domain must be one of family, workplace, commercial, community, public-policy, "
         'international, health, education, other, got "comunity"'),
        ("id: quiet-hours", "id: Quiet_Hours", 1, 5,
         "id must be 3 to 64 lowercase letters, digits and single hyphens, such as quiet-hours, "
         'got "Quiet_Hours"'),
        ("id: quiet-hours", "id: quiet--hours", 1, 5, "id must be 3 to 64 lowercase"),
        ("id: quiet-hours", "id: qh", 1, 5, "id must be 3 to 64 lowercase"),
        ("id: quiet-hours", "id: " + "q" * 65, 1, 5, "id must be 3 to 64 lowercase"),
        ("title: Quiet Hours", "title: " + "t" * 121, 2, 8,
         "title must be 1 to 120 characters, got "),
        ("title: Quiet Hours", 'title: ""', 2, 8,
         "title must be 1 to 120 characters, got empty text"),
        ("title: Quiet Hours", "title: 1984", 2, 8,
         "title must be 1 to 120 characters, got 1984 (put it in quotes to make it text)"),
        ("summary: |\n  Two neighbours disagree about noise after ten at night.\n", "summary:\n",
         3, 9, "summary must be Markdown text, not empty, seen by everyone, got nothing"),
        ("languages: [en, sw]", "languages: []", 8, 12,
         "languages must be a list of at least one ISO 639-1 language code, such as [en], "
         "got a list"),
        ("languages: [en, sw]", "languages: en", 8, 12,
         "languages must be a list of at least one ISO 639-1 language code, such as [en], "
         'got "en"'),
        ("languages: [en, sw]", "languages: [en, xx]", 8, 17,
         "languages[1] must be a two-letter ISO 639-1 language code in lowercase, such as en or "
         'sw, got "xx"'),
        ("languages: [en, sw]", "languages: [EN]", 8, 13, "languages[0] must be a two-letter"),
        ("languages: [en, sw]", "languages: [en, no]", 8, 17,
         "languages[1] must be a two-letter ISO 639-1 language code in lowercase, such as en or "
         "sw, got false (put it in quotes to make it text)"),
        ("  - Loop each party until they confirm they feel understood.", "  - ''", 10, 5,
         "learning_objectives[0] must be a plain sentence of 1 to 300 characters, got empty text"),
        ("learning_objectives:\n  - Loop each party until they confirm they feel understood.",
         "learning_objectives: []", 9, 22,
         "learning_objectives must be a list of at least one learning objective"),
        ("rubric: core-mediation-skills", "rubric: Core Skills", 11, 9,
         "rubric must be a rubric id (3 to 64 lowercase letters, digits and single hyphens), "
         'such as core-mediation-skills, got "Core Skills"'),
        ("  - id: tenant", "  - id: Tenant", 17, 9,
         "roles[1].id must be 3 to 64 lowercase letters, digits and single hyphens, such as "
         'tenant, got "Tenant"'),
        ("coach_notes: |\n  Watch whether the mediator loops before moving on.\n",
         "coach_notes: '   '\n", 33, 14,
         "coach_notes must be Markdown text, not empty, for coaches and staff, got empty text"),
        ("    optional: true", "    optional: yes please", 32, 15,
         'roles[3].optional must be true or false (parties only: true if the case works without '
         'this role), got "yes please"'),
        ("coach_notes: |", "reveal_after: 'no'\ncoach_notes: |", 33, 15,
         'reveal_after must be true or false, got "no"'),
        ("    kind: mediator", "    kind: chair", 14, 11,
         'roles[0].kind must be one of mediator, party, observer, got "chair"'),
        ("    brief: You chair a meeting between two neighbours.", "    brief: ' '", 16, 12,
         "roles[0].brief must be Markdown text, not empty, seen by everyone in the session, "
         "got empty text"),
        ("    name: The mediator", "    name: [The, mediator]", 15, 11,
         "roles[0].name must be the role's display name, 1 to 120 characters, got a list"),
        ("roles:\n  - id: mediator", "roles:\n  - mediator\n  - id: chair", 13, 5,
         "roles[0] must be a mapping with the keys id, kind, name, brief, confidential, optional, "
         'got "mediator"'),
    ],
)  # fmt: skip
def test_wrong_value_points_at_the_value(
    old: str, new: str, line: int, col: int, message: str
) -> None:
    found_line, found_col, found_message = only_problem(edited(old, new))
    assert (found_line, found_col) == (line, col)
    assert found_message.startswith(message)


def test_missing_top_level_key_points_at_the_file_mapping() -> None:
    text = edited("domain: community\n", "")
    assert only_problem(text) == (
        1,
        1,
        "the file has no `domain`: add it; it must be one of family, workplace, commercial, "
        "community, public-policy, international, health, education, other",
    )


def test_missing_role_key_points_at_the_role_mapping() -> None:
    text = edited("    brief: The agent manages the building.\n", "")
    assert only_problem(text) == (
        27,
        5,
        "roles[3] has no `brief`: add it; it must be Markdown text, not empty, seen by everyone "
        "in the session",
    )


def test_unknown_keys_are_errors_at_every_level_with_a_suggestion() -> None:
    text = edited("summary: |", "sumary: |")
    text = edited("    brief: Mei has", "    colour: red\n    brief: Mei has", text)
    found = problems_of(text)
    assert found[0] == (1, 1, found[0][2])
    assert found[0][2].startswith("the file has no `summary`")
    assert found[1][:2] == (3, 1)
    assert found[1][2].startswith("unknown key `sumary` in the file: did you mean `summary`?")
    assert found[2] == (
        25,
        5,
        "unknown key `colour` in roles[2]: remove it (allowed: id, kind, name, brief, "
        "confidential, optional)",
    )


def test_rubric_must_be_known_when_rubric_ids_are_given() -> None:
    text = edited("rubric: core-mediation-skills", "rubric: core-skills")
    assert only_problem(text, rubric_ids=RUBRICS) == (
        11,
        9,
        "rubric `core-skills` is not a known rubric: use one of the known ids "
        "(advanced-skills, core-mediation-skills)",
    )
    case, problems = load_case_bytes(text.encode(), "case.yaml", rubric_ids=None)
    assert problems == [] and case is not None


def test_no_rubrics_installed_says_so() -> None:
    assert only_problem(VALID, rubric_ids=set())[2].endswith("(none are installed)")


def test_case_needs_a_mediator() -> None:
    text = edited("    kind: mediator", "    kind: observer")
    assert only_problem(text) == (12, 1, "the case needs a role with `kind: mediator`: add one")


def test_case_needs_two_required_parties() -> None:
    text = edited("    confidential: Mei has", "    optional: true\n    confidential: Mei has")
    assert only_problem(text) == (
        12,
        1,
        "the case needs at least two parties that are not optional, it has 1: add a party or "
        "remove `optional: true` from one",
    )


def test_role_ids_are_unique() -> None:
    text = edited("  - id: owner", "  - id: tenant")
    assert only_problem(text) == (
        22,
        9,
        "role id `tenant` is already used by roles[1]: give each role its own id",
    )


def test_role_id_observer_is_reserved() -> None:
    text = edited("  - id: landlord", "  - id: observer")
    assert only_problem(text) == (
        27,
        9,
        "role id `observer` is kept for the scheduler's extra seats: choose another id",
    )


def test_optional_is_only_for_parties() -> None:
    text = edited("    name: The mediator", "    name: The mediator\n    optional: false")
    assert only_problem(text) == (
        16,
        5,
        "`optional` is only for party roles: remove it from this mediator role",
    )


def test_party_needs_confidential_text() -> None:
    text = edited(
        "    confidential: Mei has already written to the landlord but not sent it.\n", ""
    )
    assert only_problem(text) == (
        22,
        5,
        "party role `owner` has no confidential instructions: add `confidential:` with what "
        "only this party knows",
    )


def test_party_confidential_may_not_be_blank() -> None:
    text = edited("    confidential: Mei has already written to the landlord but not sent it.",
                  "    confidential: ''")  # fmt: skip
    assert only_problem(text) == (
        26,
        19,
        "roles[2].confidential must be Markdown text, not empty, seen only by the holder, "
        "coaches and staff, got empty text",
    )


def test_mediator_may_have_confidential_text() -> None:
    text = edited("    brief: You chair", "    confidential: Only you know the timetable.\n"
                  "    brief: You chair")  # fmt: skip
    case, problems = load_case_bytes(text.encode(), "case.yaml")
    assert problems == []
    assert case is not None and case.roles[0].confidential == "Only you know the timetable."


def test_every_problem_of_a_file_is_reported_at_once_in_order() -> None:
    text = edited("difficulty: 2", "difficulty: 0")
    text = edited("  - id: owner", "  - id: tenant", text)
    text = edited("    kind: mediator", "    kind: mediatr", text)
    text = edited("duration_minutes: 60", "duration_minutes: sixty", text)
    found = problems_of(text)
    assert [(line, col) for line, col, _ in found] == [(6, 13), (7, 19), (14, 11), (22, 9)]


def test_duplicate_key_is_an_error_that_names_the_first_line() -> None:
    text = VALID + "difficulty: 3\n"
    assert only_problem(text) == (
        35,
        1,
        "duplicate key `difficulty` (first at line 6): keep only one of them",
    )


def test_bundled_case_id_equals_file_stem() -> None:
    case, problems = load_case_bytes(VALID.encode(), "library/other.yaml", bundled=True)
    assert case is None
    assert [str(p) for p in problems] == [
        "library/other.yaml:1:5: a bundled case's id must equal its file name: set "
        "`id: other` or rename the file"
    ]
    case, problems = load_case_bytes(VALID.encode(), "library/other.yaml")
    assert case is not None and problems == []


def test_bundled_case_lasts_45_to_120_minutes() -> None:
    text = edited("duration_minutes: 60", "duration_minutes: 30")
    case, problems = load_case_bytes(text.encode(), "quiet-hours.yaml", bundled=True)
    assert [(p.line, p.col, p.message) for p in problems] == [
        (7, 19, "bundled cases last 45 to 120 minutes, got 30: change it")
    ]
    assert load_case_bytes(text.encode(), "quiet-hours.yaml")[1] == []


@pytest.mark.parametrize(
    ("data", "line", "col", "start"),
    [
        (b"", 1, 1, "the file is empty"),
        (b"   \n\n", 1, 1, "the file is empty"),
        (b"# only a comment\n", 1, 1, "the file is empty"),
        (b"- a\n- b\n", 1, 1, "the file must be a mapping with the keys id, title"),
        (b"just words", 1, 1, "the file must be a mapping with the keys id, title"),
        (b"id: quiet-hours\ntitle: \xe9t\xe9\n", 2, 8, "byte 0xE9 is not UTF-8 text"),
        (b"id: a\x00b\n", 1, 6, "control character U+0000 is not allowed"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", 1, 1, "byte 0x89 is not UTF-8 text"),
        (b"id: quiet-hours\ntitle: [unclosed\n", 3, 1, "YAML syntax error:"),
        (b"id: x\n  bad: indent\n", 2, 6, "YAML syntax error:"),
        (b"a: 1\n---\nb: 2\n", 2, 1, "one YAML document per file"),
        (b"id: !!python/object:os.system x\n", 1, 5, "the YAML tag !!python/object:os.system"),
        (b"id: &x a\ntitle: *x\n", 2, 8, "aliases (*name) are not allowed"),
    ],
)
def test_bad_bytes_are_problems_not_tracebacks(
    data: bytes, line: int, col: int, start: str
) -> None:
    case, problems = load_case_bytes(data, "bad.yaml")
    assert case is None
    assert (problems[0].line, problems[0].col) == (line, col)
    assert problems[0].message.startswith(start)


def test_file_over_one_mebibyte_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# " + b"x" * (1024 * 1024) + b"\n")
    case, problems = load_case_file(big)
    assert case is None
    assert [str(p) for p in problems] == [
        f"{big}:1:1: the file is larger than 1 MiB: split it or shorten it"
    ]


def test_load_case_file_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "quiet-hours.yaml"
    path.write_text(VALID, encoding="utf-8")
    case, problems = load_case_file(path, rubric_ids=RUBRICS)
    assert problems == [] and case is not None and case.title == "Quiet Hours"
    case, problems = load_case_file(str(path), rubric_ids={"something-else"})
    assert case is None and problems[0].file == str(path)


def test_validate_paths_walks_folders_and_reports_every_file(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "deep").mkdir()
    (tmp_path / "a" / "quiet-hours.yaml").write_text(VALID, encoding="utf-8")
    (tmp_path / "a" / "deep" / "broken.yml").write_text("id: [\n", encoding="utf-8")
    (tmp_path / "a" / "notes.txt").write_text("not a case", encoding="utf-8")
    other = edited("id: quiet-hours", "id: second-case")
    (tmp_path / "b.yaml").write_text(edited("difficulty: 2", "difficulty: 9", other))
    problems = validate_paths([tmp_path / "a", str(tmp_path / "b.yaml"), tmp_path / "missing"])
    assert [str(p) for p in problems] == [
        f"{tmp_path / 'missing'}:1:1: no such file or folder: check the path",
        f"{tmp_path / 'a' / 'deep' / 'broken.yml'}:2:1: YAML syntax error: did not find "
        "expected node content (while parsing a flow node); check indentation and quotes",
        f"{tmp_path / 'b.yaml'}:6:13: difficulty must be a whole number from 1 to 5, got 9",
    ]


def test_validate_paths_flags_case_ids_used_twice(tmp_path: Path) -> None:
    (tmp_path / "one.yaml").write_text(VALID, encoding="utf-8")
    (tmp_path / "two.yaml").write_text(VALID, encoding="utf-8")
    problems = validate_paths([tmp_path, tmp_path / "one.yaml"])
    assert [str(p) for p in problems] == [
        f"{tmp_path / 'two.yaml'}:1:5: case id `quiet-hours` is also used by "
        f"{tmp_path / 'one.yaml'}: change one"
    ]


def test_validate_paths_on_an_empty_folder_says_so(tmp_path: Path) -> None:
    assert [p.message for p in validate_paths([tmp_path])] == [
        "no .yaml or .yml files in this folder"
    ]


def test_validate_paths_checks_rubric_ids(tmp_path: Path) -> None:
    (tmp_path / "quiet-hours.yaml").write_text(VALID, encoding="utf-8")
    assert validate_paths([tmp_path], rubric_ids=RUBRICS) == []
    assert [p.line for p in validate_paths([tmp_path], rubric_ids={"other-rubric"})] == [11]


def test_bundled_library_dir_is_the_package_folder() -> None:
    assert bundled_library_dir() == Path(scenarios.__file__).parent / "library"


def test_files_in_the_bundled_folder_follow_bundled_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "bundled_library_dir", lambda: tmp_path)
    (tmp_path / "renamed.yaml").write_text(VALID, encoding="utf-8")
    outside = tmp_path.parent / f"{tmp_path.name}-outside.yaml"
    outside.write_text(edited("id: quiet-hours", "id: other-case"), encoding="utf-8")
    try:
        assert [p.message for p in validate_paths([tmp_path, outside])] == [
            "a bundled case's id must equal its file name: set `id: renamed` or rename the file"
        ]
    finally:
        outside.unlink()


def test_load_bundled_cases_returns_valid_cases_sorted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "bundled_library_dir", lambda: tmp_path)
    (tmp_path / "quiet-hours.yaml").write_text(VALID, encoding="utf-8")
    (tmp_path / "a-first-case.yaml").write_text(edited("id: quiet-hours", "id: a-first-case"))
    cases = load_bundled_cases(rubric_ids=RUBRICS)
    assert [case.id for case in cases] == ["a-first-case", "quiet-hours"]


def test_load_bundled_cases_raises_listing_every_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "bundled_library_dir", lambda: tmp_path)
    (tmp_path / "quiet-hours.yaml").write_text(edited("difficulty: 2", "difficulty: 6"))
    (tmp_path / "wrong-name.yaml").write_text(VALID, encoding="utf-8")
    with pytest.raises(CaseLibraryError) as raised:
        load_bundled_cases()
    assert [(Path(p.file).name, p.line) for p in raised.value.problems] == [
        ("quiet-hours.yaml", 6),
        ("wrong-name.yaml", 1),
    ]
    assert str(raised.value).startswith("the bundled case library has problems:\n")
    assert f"{tmp_path / 'quiet-hours.yaml'}:6:13: difficulty must be" in str(raised.value)


def test_case_table_rows_show_party_ranges() -> None:
    case, _ = load_case_bytes(VALID.encode(), "case.yaml")
    fixed, _ = load_case_bytes(edited("    optional: true\n", "").encode(), "case.yaml")
    assert case is not None and fixed is not None
    assert CASE_TABLE_HEADER == ("id", "title", "domain", "difficulty", "parties", "minutes")
    assert case_table_rows([case, fixed]) == [
        ("quiet-hours", "Quiet Hours", "community", 2, "2-3", 60),
        ("quiet-hours", "Quiet Hours", "community", 2, "3", 60),
    ]
