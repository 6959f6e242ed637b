"""The demo programme: a cohort spread over the world, three scored rounds behind it, one live now."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from simulator import case_store, rubric_store
from simulator.accounts import hash_password
from simulator.models import (
    Account,
    Attendance,
    Breakout,
    BreakoutStatus,
    CaseVersion,
    CertificateRule,
    Cohort,
    Feedback,
    Membership,
    Note,
    Person,
    Role,
    Score,
    Scorer,
    ScoreStatus,
    Seat,
    SelfAssessment,
)
from simulator.rubric_store import RubricFile
from simulator.scheduling import CaseSpec, Lock, Schedule, build_schedule
from simulator.scheduling import Person as EnginePerson
from simulator.timeutil import utcnow

DEMO_PASSWORD = "demo"
DEMO_SEED = 2026
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
    session: Session,
    *,
    rubrics: Sequence[RubricFile],
    rubric: DemoRubric,
    now: datetime | None = None,
) -> list[DemoAccount]:
    """Fill an empty, migrated database with the demo programme; returns the accounts made.

    `rubrics` are the bundled rubric files (validated by the caller: this module never imports
    coaching); `rubric` is the shape of the one the demo's scores use.
    """
    now = now or utcnow()
    rubric_store.sync_bundled_rubrics(session, rubrics)
    case_store.sync_bundled_cases(session, rubric_ids=rubric_store.rubric_ids(session))
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
    session.add(
        CertificateRule(
            cohort_id=cohort.id or 0,
            min_sessions=4,
            min_mediator_sessions=2,
            min_level=3,
            last_scored=2,
        )
    )
    cases = [v for v in case_store.latest_versions(session) if v.parties_min <= GROUP_SIZE - 1]
    schedule = _engine_schedule(trainees, coaches, cases)
    by_roster = {f"t{i:02d}": p for i, p in enumerate(trainees, 1)}
    by_roster |= {f"c{i:02d}": p for i, p in enumerate(coaches, 1)}
    version_of = {v.case_id: v for v in cases}
    weeks_ago = {1: 3, 2: 2, 3: 1}
    for round_number in schedule.rounds:
        planned = [s for s in schedule.sessions if s.round == round_number]
        live = round_number not in weeks_ago
        start = (
            now - timedelta(minutes=10)
            if live
            else now - timedelta(weeks=weeks_ago[round_number], hours=1)
        )
        for index, plan in enumerate(planned):
            # The mediator first: the demo's scores and certificate follow the mediator.
            ordered = sorted(
                plan.seats, key=lambda seat: seat.role != _mediator(version_of[plan.case or ""])
            )
            group = [(by_roster[seat.person], seat.role) for seat in ordered]
            coach = by_roster[plan.coach] if plan.coach else coaches[index % len(coaches)]
            breakout = _seat(
                session,
                cohort,
                group,
                coach,
                version_of[plan.case or ""],
                round_number,
                index,
                start,
            )
            if live:
                continue
            people = [person for person, _ in group]
            _history(session, breakout, people, coach, rubric, round_number, start)
            if round_number == 3 and index >= len(planned) - 2:
                _calibrate(session, breakout, coaches, people, rubric)
    return made


@dataclass(frozen=True)
class DemoRubric:
    """The rubric's criteria and levels, passed in so this module needs no coaching import."""

    criteria: tuple[str, ...]
    levels: tuple[int, ...]


def _mediator(version: CaseVersion) -> str:
    return case_store.case_of(version).mediator_roles[0].id


def _engine_schedule(
    trainees: list[Person], coaches: list[Person], cases: list[CaseVersion]
) -> Schedule:
    """Four rounds mixed by the scenario engine, as a programme would schedule them; trainee01
    is locked in as mediator in rounds 1 and 3, one session short of the certificate."""
    people = [
        EnginePerson(
            id=f"t{i:02d}",
            name=p.name,
            timezone=p.timezone,
            country=p.country,
            languages=tuple(p.language_list),
            experience=p.experience,
        )
        for i, p in enumerate(trainees, 1)
    ]
    people += [
        EnginePerson(id=f"c{i:02d}", name=p.name, role="coach", timezone=p.timezone)
        for i, p in enumerate(coaches, 1)
    ]
    specs = [CaseSpec.from_case(case_store.case_of(v)) for v in cases]
    # The role only: the engine picks each group a case new to its members, as for any group.
    locks = [Lock("t01", r, "lead", role=_mediator(cases[0])) for r in (1, 3)]
    return build_schedule(
        people, 4, specs, group_size=GROUP_SIZE, seed=DEMO_SEED, time_limit=1.0, locks=locks
    )


def _seat(
    session: Session,
    cohort: Cohort,
    group: list[tuple[Person, str]],
    coach: Person,
    version: CaseVersion,
    round_number: int,
    index: int,
    start: datetime,
) -> Breakout:
    breakout = Breakout(
        cohort_id=cohort.id or 0,
        round=round_number,
        key=f"r{round_number}-s{index + 1}",
        start=start,
        duration_minutes=max(60, version.duration_minutes),
        case_version_id=version.id or 0,
        coach_id=coach.id,
        status=BreakoutStatus.PUBLISHED,
    )
    session.add(breakout)
    session.flush()
    for person, role_id in group:
        session.add(Seat(breakout_id=breakout.id or 0, person_id=person.id or 0, role_id=role_id))
    return breakout


COMMENTS = {
    1: "Not yet seen; see the descriptor for what to try next time.",
    2: "Started well, then moved on before the party confirmed.",
    3: "Did this reliably; the parties visibly relaxed.",
    4: "Skilful and adaptive, even when the room grew tense.",
}


def _history(
    session: Session,
    breakout: Breakout,
    group: list[Person],
    coach: Person,
    rubric: DemoRubric,
    round_number: int,
    start: datetime,
) -> None:
    """A past session: attendance, published scores that improve over the rounds, self-ratings."""
    base = {"new": 1, "intermediate": 2, "advanced": 2}
    for offset, person in enumerate(group):
        session.add(
            Attendance(
                breakout_id=breakout.id or 0,
                person_id=person.id or 0,
                joined_at=start,
                left_at=start + timedelta(minutes=breakout.duration_minutes),
            )
        )
        # The rubric scores the mediator; the others get overall feedback only.
        for n, criterion in enumerate(rubric.criteria if offset == 0 else ()):
            level = min(
                rubric.levels[-1],
                base[person.experience] + (round_number + n) % 3 // 2 + round_number // 2,
            )
            if person.email == trainee_email(1):
                level = max(level, 3)
            session.add(
                Score(
                    breakout_id=breakout.id or 0,
                    trainee_id=person.id or 0,
                    coach_id=coach.id or 0,
                    criterion_id=criterion,
                    level=level,
                    comment=COMMENTS[level],
                    status=ScoreStatus.PUBLISHED,
                )
            )
            session.add(
                SelfAssessment(
                    breakout_id=breakout.id or 0,
                    trainee_id=person.id or 0,
                    criterion_id=criterion,
                    level=min(rubric.levels[-1], level + (n % 2)),
                    submitted_at=start + timedelta(hours=2),
                )
            )
        session.add(
            Feedback(
                breakout_id=breakout.id or 0,
                trainee_id=person.id or 0,
                coach_id=coach.id or 0,
                text="Thank you for a focused session. Your next step: loop the feeling as well as the facts.",
                status=ScoreStatus.PUBLISHED,
                submitted_at=start + timedelta(hours=3),
                published_at=start + timedelta(hours=3),
            )
        )
    session.add(
        Note(
            breakout_id=breakout.id or 0,
            coach_id=coach.id or 0,
            at_seconds=14 * 60,
            phase="joint",
            criterion_id=rubric.criteria[1],
            trainee_id=group[0].id,
            text="Reflected the worry under the demand; the party nodded.",
        )
    )


def _calibrate(
    session: Session,
    breakout: Breakout,
    coaches: list[Person],
    group: list[Person],
    rubric: DemoRubric,
) -> None:
    """A double-scored session so the calibration page has figures: two more coaches, all submitted."""
    breakout.calibration = True
    session.add(breakout)
    for shift, coach in enumerate(c for c in coaches if c.id != breakout.coach_id):
        session.add(Scorer(breakout_id=breakout.id or 0, coach_id=coach.id or 0))
        for offset, person in enumerate(group[:1]):  # the mediator
            for n, criterion in enumerate(rubric.criteria):
                level = 2 + (n + offset + shift) % 3 // 2 + (1 if n % 4 == shift else 0)
                session.add(
                    Score(
                        breakout_id=breakout.id or 0,
                        trainee_id=person.id or 0,
                        coach_id=coach.id or 0,
                        criterion_id=criterion,
                        level=min(rubric.levels[-1], level),
                        status=ScoreStatus.DRAFT,
                    )
                )
            session.add(
                Feedback(
                    breakout_id=breakout.id or 0,
                    trainee_id=person.id or 0,
                    coach_id=coach.id or 0,
                    submitted_at=breakout.start + timedelta(days=1),
                )
            )


def deal_roles(version: CaseVersion, size: int) -> list[str]:
    """Mediator first, then required parties, optional parties, and observers for the rest."""
    case = case_store.case_of(version)
    ordered = [r.id for r in case.mediator_roles[:1]]
    ordered += [r.id for r in case.required_parties] + [r.id for r in case.optional_parties]
    roles = ordered[:size]
    return roles + ["observer"] * (size - len(roles))
