"""The demo programme: a cohort spread over the world, with round 1 live now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from simulator import case_store
from simulator.accounts import hash_password
from simulator.models import (
    Account,
    Breakout,
    BreakoutStatus,
    CaseVersion,
    Cohort,
    Membership,
    Person,
    Role,
    Seat,
)
from simulator.timeutil import utcnow

DEMO_PASSWORD = "demo"
GROUP_SIZE = 4

# name, IANA zone, country, languages, experience
TRAINEES: tuple[tuple[str, str, str, str, str], ...] = (
    ("Achieng Otieno", "Africa/Nairobi", "KE", "en;sw", "intermediate"),
    ("Lin Mei-hua", "Asia/Taipei", "TW", "zh;en", "advanced"),
    ("Marcus Webb", "America/New_York", "US", "en", "new"),
    ("Priya Raman", "Asia/Kolkata", "IN", "en;ta;hi", "intermediate"),
    ("Sofia Lindqvist", "Europe/Stockholm", "SE", "sv;en", "new"),
    ("Tomás Herrera", "America/Bogota", "CO", "es;en", "intermediate"),
    ("Ngozi Adeyemi", "Africa/Lagos", "NG", "en;yo", "advanced"),
    ("Aroha Ngata", "Pacific/Auckland", "NZ", "en;mi", "new"),
    ("Brian Kiprono", "Africa/Nairobi", "KE", "en;sw", "new"),
    ("Chen Yu-ting", "Asia/Taipei", "TW", "zh;en", "intermediate"),
    ("Dana Kowalski", "America/Chicago", "US", "en;pl", "advanced"),
    ("Arjun Mehta", "Asia/Kolkata", "IN", "en;hi", "new"),
    ("Hannah Schulz", "Europe/Berlin", "DE", "de;en", "intermediate"),
    ("Mateus Oliveira", "America/Sao_Paulo", "BR", "pt;en", "new"),
    ("Kwame Mensah", "Africa/Accra", "GH", "en", "intermediate"),
    ("Liam O'Connor", "Europe/Dublin", "IE", "en", "advanced"),
    ("Fatima Al-Sayed", "Asia/Dubai", "AE", "ar;en", "intermediate"),
    ("Joseph Mwangi", "Africa/Nairobi", "KE", "en;sw", "advanced"),
    ("Wang Jia-hao", "Asia/Taipei", "TW", "zh;en", "new"),
    ("Grace Tan", "Asia/Singapore", "SG", "en;zh", "intermediate"),
    ("Olivia Brooks", "America/Los_Angeles", "US", "en;es", "new"),
    ("Yuki Sato", "Asia/Tokyo", "JP", "ja;en", "intermediate"),
    ("Amara Diallo", "Africa/Dakar", "SN", "fr;en", "advanced"),
    ("Ravi Chandran", "Australia/Sydney", "AU", "en;ta", "new"),
)
COACHES: tuple[tuple[str, str, str, str], ...] = (
    ("Wanjiru Kamau", "Africa/Nairobi", "KE", "en;sw"),
    ("Huang Shu-fen", "Asia/Taipei", "TW", "zh;en"),
    ("Elena Rossi", "America/New_York", "US", "en;it"),
)
STAFF = ("Programme Office", "Europe/London", "GB", "en")


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: str
    timezone: str


def trainee_email(n: int) -> str:
    return f"trainee{n:02d}@demo.test"


def build_demo(
    session: Session, *, rubric_ids: set[str], now: datetime | None = None
) -> list[DemoAccount]:
    """Fill an empty, migrated database with the demo programme; returns the accounts made."""
    now = now or utcnow()
    case_store.sync_bundled_cases(session, rubric_ids=rubric_ids)
    password_hash = hash_password(DEMO_PASSWORD)  # one hash for all: demo accounts only
    made: list[DemoAccount] = []

    def add(
        email: str, name: str, role: Role, tz: str, country: str, langs: str, exp: str = "advanced"
    ) -> Person:
        person = Person(
            email=email,
            name=name,
            role=role,
            timezone=tz,
            country=country,
            languages=langs,
            experience=exp,
        )
        session.add(person)
        session.flush()
        session.add(Account(person_id=person.id, password_hash=password_hash))
        made.append(DemoAccount(email, name, role, tz))
        return person

    name, tz, country, langs = STAFF
    add("staff@demo.test", name, Role.STAFF, tz, country, langs)
    coaches = [
        add(f"coach{i}@demo.test", n, Role.COACH, z, c, lg)
        for i, (n, z, c, lg) in enumerate(COACHES, 1)
    ]
    trainees = [
        add(trainee_email(i), n, Role.TRAINEE, z, c, lg, e)
        for i, (n, z, c, lg, e) in enumerate(TRAINEES, 1)
    ]
    cohort = Cohort(
        name="Global practice cohort · demo",
        description="Weekly evening role plays across time zones.",
        group_size=GROUP_SIZE,
    )
    session.add(cohort)
    session.flush()
    for i, p in enumerate(trainees, 1):
        session.add(
            Membership(
                cohort_id=cohort.id, person_id=p.id, role=Role.TRAINEE, roster_id=f"t{i:02d}"
            )
        )
    for i, p in enumerate(coaches, 1):
        session.add(
            Membership(cohort_id=cohort.id, person_id=p.id, role=Role.COACH, roster_id=f"c{i:02d}")
        )
    _seat_round_one(session, cohort, trainees, coaches, now)
    return made


def _seat_round_one(
    session: Session, cohort: Cohort, trainees: list[Person], coaches: list[Person], now: datetime
) -> None:
    """A simple rule until the engine seats the demo: consecutive groups of four, one case each."""
    cases = [v for v in case_store.latest_versions(session) if v.parties_min <= GROUP_SIZE - 1]
    start = now - timedelta(minutes=10)
    for index in range(len(trainees) // GROUP_SIZE):
        group = trainees[index * GROUP_SIZE : (index + 1) * GROUP_SIZE]
        version = cases[index % len(cases)]
        breakout = Breakout(
            cohort_id=cohort.id or 0,
            round=1,
            key=f"r1-s{index + 1}",
            start=start,
            duration_minutes=max(60, version.duration_minutes),
            case_version_id=version.id or 0,
            coach_id=coaches[index % len(coaches)].id,
            status=BreakoutStatus.PUBLISHED,
        )
        session.add(breakout)
        session.flush()
        for person, role_id in zip(group, deal_roles(version, len(group)), strict=True):
            session.add(
                Seat(breakout_id=breakout.id or 0, person_id=person.id or 0, role_id=role_id)
            )


def deal_roles(version: CaseVersion, size: int) -> list[str]:
    """Mediator first, then required parties, optional parties, and observers for the rest."""
    case = case_store.case_of(version)
    ordered = [r.id for r in case.mediator_roles[:1]]
    ordered += [r.id for r in case.required_parties] + [r.id for r in case.optional_parties]
    roles = ordered[:size]
    return roles + ["observer"] * (size - len(roles))
