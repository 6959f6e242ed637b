"""Searching the case library: the filters staff and coaches use to pick a case."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from scenarios.schema import Case

DURATION_BANDS: dict[str, tuple[int, int]] = {
    "short": (0, 60),
    "medium": (61, 90),
    "long": (91, 10_000),
}


@dataclass(frozen=True)
class CaseFilter:
    """What a person asked for; empty fields match everything."""

    text: str = ""
    domain: str = ""
    difficulty: int | None = None
    parties: int | None = None
    duration: str = ""
    language: str = ""

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> CaseFilter:
        """Read a filter from URL parameters, ignoring values that make no sense."""

        def number(name: str) -> int | None:
            value = query.get(name, "").strip()
            return int(value) if value.isdigit() else None

        duration = query.get("duration", "")
        return cls(
            text=query.get("q", "").strip()[:200],
            domain=query.get("domain", "").strip(),
            difficulty=number("difficulty"),
            parties=number("parties"),
            duration=duration if duration in DURATION_BANDS else "",
            language=query.get("language", "").strip().lower(),
        )

    def matches(self, case: Case) -> bool:
        low, high = case.party_count_range
        if self.domain and case.domain != self.domain:
            return False
        if self.difficulty is not None and case.difficulty != self.difficulty:
            return False
        if self.parties is not None and not low <= self.parties <= high:
            return False
        if self.duration:
            shortest, longest = DURATION_BANDS[self.duration]
            if not shortest <= case.duration_minutes <= longest:
                return False
        if self.language and self.language not in case.languages:
            return False
        return not self.text or self.text.lower() in _searchable(case)


def _searchable(case: Case) -> str:
    """Public text only: a search must never reveal which case holds a confidential phrase."""
    parts = [case.id, case.title, case.summary, *case.learning_objectives]
    parts += [f"{role.name} {role.brief}" for role in case.roles]
    return " ".join(parts).lower()


def filter_cases(cases: Iterable[Case], wanted: CaseFilter) -> list[Case]:
    return [case for case in cases if wanted.matches(case)]
