"""The roster CSV: trainees and coaches with zone, availability, country, languages, experience."""

from __future__ import annotations

import re

from simulator.scheduling.availability import AvailabilityError, parse_availability
from simulator.scheduling.csvtable import CsvError, read_rows, row_error
from simulator.scheduling.languages import is_language_code
from simulator.scheduling.model import EXPERIENCE_LEVELS, Person
from simulator.timeutil import is_valid_timezone

COLUMNS = (
    "id",
    "name",
    "email",
    "role",
    "timezone",
    "country",
    "languages",
    "experience",
    "availability",
)
ROLES = ("trainee", "coach")

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")


def parse_roster(data: str | bytes) -> tuple[Person, ...]:
    """Everyone in the file, or CsvError listing every problem (nothing is returned then)."""
    rows, errors = read_rows(data, COLUMNS)
    people: list[Person] = []
    seen_ids: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    for line, row in rows:
        problems: list[tuple[str, str]] = []
        person = _person(row, problems)
        pid, email = row["id"], row["email"].lower()
        if pid and pid in seen_ids:
            problems.append(("id", f"'{pid}' is already used on line {seen_ids[pid]}"))
        if email and email in seen_emails:
            problems.append(
                ("email", f"'{row['email']}' is already used on line {seen_emails[email]}")
            )
        seen_ids.setdefault(pid, line)
        seen_emails.setdefault(email, line)
        errors.extend(row_error(line, column, message) for column, message in problems)
        if person is not None and not problems:
            people.append(person)
    if errors:
        raise CsvError(sorted(errors, key=_line_of))
    if not people:
        raise CsvError(["line 1: the roster has a header but no people"])
    return tuple(people)


def _line_of(error: str) -> int:
    return int(error.split(",")[0].split(":")[0].removeprefix("line "))


def _person(row: dict[str, str], problems: list[tuple[str, str]]) -> Person | None:
    """The row as a Person; each problem is added as (column, message)."""
    pid, name, email, role = row["id"], row["name"], row["email"], row["role"].lower()
    if not _ID.match(pid):
        problems.append(
            ("id", f"'{pid}' is not an id (letters, digits, '.', '_' or '-', up to 64)")
            if pid
            else ("id", "is empty; give each person an id such as t01")
        )
    if not name:
        problems.append(("name", "is empty"))
    if not _EMAIL.match(email):
        problems.append(("email", f"'{email}' is not an email address"))
    if role not in ROLES:
        problems.append(("role", f"'{row['role']}' is not a role; use trainee or coach"))
    timezone = row["timezone"]
    if not is_valid_timezone(timezone):
        problems.append(
            ("timezone", f"'{timezone}' is not an IANA time zone (like Africa/Nairobi)")
        )
    languages = tuple(dict.fromkeys(code.strip().lower() for code in row["languages"].split(";")))
    languages = tuple(code for code in languages if code)
    bad = [code for code in languages if not is_language_code(code)]
    if bad:
        problems.append(
            ("languages", f"{', '.join(repr(c) for c in bad)}: not ISO 639-1 codes (like en;sw)")
        )
    elif not languages:
        problems.append(("languages", "is empty; list the languages spoken, like en;sw"))
    experience = row["experience"].lower()
    if experience not in EXPERIENCE_LEVELS and not (role == "coach" and not experience):
        problems.append(
            ("experience", f"'{row['experience']}' is not one of {', '.join(EXPERIENCE_LEVELS)}")
        )
    try:
        windows = parse_availability(row["availability"])
    except AvailabilityError as exc:
        problems.append(("availability", str(exc)))
        windows = ()
    if problems:
        return None
    return Person(
        id=pid,
        name=name,
        email=email,
        role=role,
        timezone=timezone,
        country=row["country"],
        languages=languages,
        experience=experience or "advanced",
        availability=windows,
    )
