"""Certificate rules: how far a trainee is from completion, and verification codes for certificates.

A verification code reads MSIM-XXXX-XXXX: seven random characters and one check character, from an
alphabet without 0, O, 1 and I. The check character makes the characters, read as elements of
GF(32), pass Damm's check with the quasigroup x * y = 2x + y: every single mistyped character and
every swap of two neighbouring characters is caught before any lookup.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from coaching.progress import SessionRecord

__all__ = [
    "CertificateProgress",
    "CertificateRules",
    "Requirement",
    "certificate_progress",
    "is_valid_verification_code",
    "new_verification_code",
    "parse_verification_code",
]

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 symbols: no 0, O, 1 or I
PREFIX = "MSIM"
RANDOM_LENGTH = 7
GF32_MODULUS = 0b100101  # x^5 + x^2 + 1, irreducible over GF(2)


@dataclass(frozen=True)
class CertificateRules:
    """A cohort's certificate requirements."""

    min_sessions: int = 8
    min_mediator_sessions: int = 3
    min_level: float = 3
    last_scored: int = 2  # every criterion at min_level in each of this many latest scored sessions
    min_hours: float | None = None

    def __post_init__(self) -> None:
        if self.min_sessions < 0 or self.min_mediator_sessions < 0:
            raise ValueError("session counts in certificate rules cannot be negative")
        if self.last_scored < 1:
            raise ValueError("certificate rules must look at one scored session or more")
        if self.min_hours is not None and self.min_hours < 0:
            raise ValueError("minimum hours cannot be negative: leave it unset for no minimum")


@dataclass(frozen=True)
class Requirement:
    """One requirement: where the trainee stands and, unless done, what is missing."""

    id: str
    label: str
    current: float
    target: float
    done: bool
    missing: str  # a plain sentence, empty when done


@dataclass(frozen=True)
class CertificateProgress:
    """Every requirement of the certificate for one trainee."""

    requirements: tuple[Requirement, ...]

    @property
    def complete(self) -> bool:
        """Whether every requirement is met."""
        return all(requirement.done for requirement in self.requirements)


def certificate_progress(
    rules: CertificateRules, history: Iterable[SessionRecord], criteria: Mapping[str, str]
) -> CertificateProgress:
    """Check a trainee's history against the rules; criteria maps rubric criterion ids to names."""
    records = sorted(history, key=lambda record: record.start)
    attended = [record for record in records if record.attended]
    mediated = sum(record.role_kind == "mediator" for record in attended)
    requirements = [
        _count("sessions", "Sessions attended", len(attended), rules.min_sessions, "session"),
        _count(
            "mediator",
            "Sessions as mediator",
            mediated,
            rules.min_mediator_sessions,
            "session",
            " as mediator",
        ),
        _levels(rules, [record for record in records if record.scored], criteria),
    ]
    if rules.min_hours is not None:
        requirements.append(_hours(sum(r.minutes for r in attended) / 60, rules.min_hours))
    return CertificateProgress(tuple(requirements))


def new_verification_code(choice: Callable[[str], str] = secrets.choice) -> str:
    """A fresh code such as MSIM-7KQ4-XP2T; pass another choice function only in tests."""
    body = "".join(choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    body += ALPHABET[_multiply_by_two(_damm(body))]
    return f"{PREFIX}-{body[:4]}-{body[4:]}"


def parse_verification_code(text: str) -> str:
    """The code in its canonical form; ValueError saying what to check if it cannot be one."""
    compact = "".join(text.split()).replace("-", "").upper()
    if compact.startswith(PREFIX):
        compact = compact[len(PREFIX) :]
    if len(compact) != RANDOM_LENGTH + 1:
        raise ValueError(
            "a verification code has 8 characters after MSIM, such as MSIM-7KQ4-XP2T:"
            " check that none is missing or extra"
        )
    strangers = sorted({char for char in compact if char not in ALPHABET})
    if strangers:
        raise ValueError(
            f"a verification code has no {', '.join(strangers)}: it uses the digits 2 to 9 and"
            " the letters other than I and O; check each character against the certificate"
        )
    if _damm(compact) != 0:
        raise ValueError(
            "this verification code contains a typing mistake: check each character"
            " against the certificate"
        )
    return f"{PREFIX}-{compact[:4]}-{compact[4:]}"


def is_valid_verification_code(text: str) -> bool:
    """Whether the text is a well-formed code whose check character matches."""
    try:
        parse_verification_code(text)
    except ValueError:
        return False
    return True


def _count(
    requirement_id: str, label: str, current: int, target: int, noun: str, suffix: str = ""
) -> Requirement:
    short = target - current
    missing = "" if short <= 0 else _more(short, noun, suffix)
    return Requirement(requirement_id, label, current, target, short <= 0, missing)


def _hours(current: float, target: float) -> Requirement:
    short = math.ceil((target - current) * 10 - 1e-9) / 10  # never round what is left down to 0
    missing = f"{_number(short)} more {'hour' if short == 1 else 'hours'} of practice"
    return Requirement(
        "hours", "Hours practised", current, target, short <= 0, "" if short <= 0 else missing
    )


def _levels(
    rules: CertificateRules, scored: list[SessionRecord], criteria: Mapping[str, str]
) -> Requirement:
    latest = scored[-rules.last_scored :]
    levels = {c: [record.scores.get(c) for record in latest] for c in criteria}
    low = [
        c
        for c, found in levels.items()
        if any(v is not None and v < rules.min_level for v in found)
    ]
    unscored = [c for c, found in levels.items() if c not in low and None in found]
    missing = []
    if len(latest) < rules.last_scored:
        short = rules.last_scored - len(latest)
        missing.append(_more(short, "scored session"))
    where = _last_scored(len(latest))
    if latest and low:
        missing.append(f"{_names(low, criteria)} below level {_number(rules.min_level)} in {where}")
    if latest and unscored:
        missing.append(f"{_names(unscored, criteria)} not scored in {where}")
    return Requirement(
        "levels",
        f"Every criterion at level {_number(rules.min_level)} or above"
        f" in {_last_scored(rules.last_scored)}",
        len(criteria) - len(low) - len(unscored) if latest else 0,
        len(criteria),
        not missing,
        "; ".join(missing),
    )


def _damm(body: str) -> int:
    interim = 0
    for char in body:
        interim = _multiply_by_two(interim) ^ ALPHABET.index(char)
    return interim


def _multiply_by_two(value: int) -> int:
    doubled = value << 1
    return doubled ^ GF32_MODULUS if doubled & 0b100000 else doubled


def _more(count: int, noun: str, suffix: str = "") -> str:
    return f"{count} more {noun}{'' if count == 1 else 's'}{suffix}"


def _last_scored(count: int) -> str:
    return "your last scored session" if count == 1 else f"your last {count} scored sessions"


def _names(ids: list[str], criteria: Mapping[str, str]) -> str:
    names = [criteria[criterion] for criterion in ids]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _number(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")
