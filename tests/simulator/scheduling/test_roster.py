"""The roster CSV: every problem reported as `line N, column NAME: message`, nothing imported."""

from __future__ import annotations

import pytest

from simulator.scheduling.csvtable import CsvError
from simulator.scheduling.roster import parse_roster

HEADER = "id,name,email,role,timezone,country,languages,experience,availability\n"
GOOD = (
    "t01,Amina Odhiambo,amina@example.org,trainee,Africa/Nairobi,KE,en;sw,new,Mon-Fri 18:00-22:00\n"
    "t02,Lin Wei,lin@example.org,trainee,Asia/Taipei,TW,zh;en,advanced,\n"
    'c01,"Coach, Senior",coach@example.org,coach,America/New_York,US,en,,"Sat 09:00-13:00; Sun 10:00-12:00"\n'
)


def errors_of(text: str | bytes) -> list[str]:
    with pytest.raises(CsvError) as caught:
        parse_roster(text)
    return caught.value.errors


def test_reads_trainees_and_coaches() -> None:
    people = parse_roster(HEADER + GOOD)
    assert [p.id for p in people] == ["t01", "t02", "c01"]
    amina, lin, coach = people
    assert amina.languages == ("en", "sw") and amina.experience == "new"
    assert len(amina.availability) == 5
    assert lin.availability == ()
    assert coach.is_coach and coach.name == "Coach, Senior" and len(coach.availability) == 2


def test_bom_blank_lines_and_column_order_are_fine() -> None:
    columns = HEADER.strip().split(",")
    reordered = ",".join(reversed(columns)) + "\n"
    row = "Mon 10:00-12:00,new,en,KE,Africa/Nairobi,trainee,a@example.org,A,t01\n"
    people = parse_roster(("\ufeff" + reordered + "\n" + row + "\n").encode())
    assert people[0].id == "t01" and people[0].timezone == "Africa/Nairobi"


def test_every_bad_row_is_reported_with_its_file_line_and_column() -> None:
    text = (
        HEADER
        + GOOD
        + "\n"
        + "t03,,bad-email,student,Mars/Olympus,KE,en;xx,guru,Someday 10:00-11:00\n"
        + "t01,Dup,amina@example.org,trainee,UTC,KE,en,new,\n"
    )
    errors = errors_of(text)
    assert "line 6, column name: is empty" in errors
    assert "line 6, column email: 'bad-email' is not an email address" in errors
    assert any(e.startswith("line 6, column role:") for e in errors)
    assert any(e.startswith("line 6, column timezone: 'Mars/Olympus'") for e in errors)
    assert any(e.startswith("line 6, column languages: 'xx'") for e in errors)
    assert any(e.startswith("line 6, column experience:") for e in errors)
    assert any(e.startswith("line 6, column availability: 'Someday'") for e in errors)
    assert "line 7, column id: 't01' is already used on line 2" in errors
    assert "line 7, column email: 'amina@example.org' is already used on line 2" in errors


def test_line_numbers_stay_true_after_a_quoted_field_spanning_lines() -> None:
    text = (
        HEADER
        + 't01,"Two\nLines",a@example.org,trainee,UTC,KE,en,new,\n'
        + "t02,B,b@x.org,trainee,UTC,KE,,new,\n"
    )
    assert errors_of(text) == [
        "line 4, column languages: is empty; list the languages spoken, like en;sw"
    ]


def test_a_wrong_header_is_one_clear_error() -> None:
    errors = errors_of("id,name,email,role,zone\nt01,A,a@x.org,trainee,UTC\n")
    assert len(errors) == 1
    assert errors[0].startswith("line 1: missing column(s) timezone, country")
    assert "unknown column(s) zone" in errors[0]


def test_a_row_with_the_wrong_number_of_fields_is_reported() -> None:
    errors = errors_of(HEADER + "t01,A,a@x.org,trainee,UTC\n")
    assert errors[0].startswith("line 2: 5 fields where the header has 9")


def test_empty_files_and_files_without_people_are_refused() -> None:
    assert errors_of("")[0].startswith("line 1: the file is empty")
    assert errors_of(HEADER) == ["line 1: the roster has a header but no people"]


def test_a_file_that_is_not_utf8_is_refused_with_its_line() -> None:
    data = (HEADER + "t01,Jos\xe9,j@x.org,trainee,UTC,ES,es,new,\n").encode("latin-1")
    assert errors_of(data) == ["line 2: the file is not UTF-8 text; save it as CSV UTF-8"]
