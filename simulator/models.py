"""Database tables. Times are aware UTC datetimes; pages convert them to the viewer's zone.

Enum-like columns are plain strings checked against the StrEnums here, so adding a value never
needs a PostgreSQL ENUM migration.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from simulator.timeutil import utcnow


class Role(StrEnum):
    STAFF = "staff"
    COACH = "coach"
    TRAINEE = "trainee"


class Experience(StrEnum):
    NEW = "new"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class Person(SQLModel, table=True):
    """Someone in the programme: their profile, not their credentials."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(index=True, unique=True, max_length=254)
    name: str = Field(max_length=200)
    role: str = Field(max_length=16)
    timezone: str = Field(default="UTC", max_length=64)
    country: str = Field(default="", max_length=2)
    languages: str = Field(default="en", max_length=200)
    experience: str = Field(default=Experience.NEW, max_length=16)
    availability: str = Field(default="", max_length=500)
    # Part of the private calendar-feed token; bumping it revokes the old feed URL.
    calendar_epoch: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow)

    @property
    def language_list(self) -> list[str]:
        return [code for code in self.languages.split(";") if code]


class Account(SQLModel, table=True):
    """Credentials, kept apart from the profile so a profile page can never leak them."""

    person_id: int = Field(foreign_key="person.id", primary_key=True)
    password_hash: str = Field(max_length=255)
    # Bumped on password change: sessions signed with an older epoch stop working.
    auth_epoch: int = Field(default=1)
    last_login_at: datetime | None = None


class Invitation(SQLModel, table=True):
    """A single-use link that lets an invited person set their password."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    token_hash: str = Field(index=True, unique=True, max_length=64)
    created_by: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class LoginFailure(SQLModel, table=True):
    """One failed login, counted to throttle password guessing across all workers."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(index=True, max_length=254)
    ip: str = Field(default="", max_length=64)
    at: datetime = Field(default_factory=utcnow, index=True)


class Cohort(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    group_size: int = Field(default=4)
    rubric_id: str = Field(default="core-mediation-skills", max_length=64)
    recording_retention_days: int = Field(default=30)  # recordings older than this are deleted
    created_at: datetime = Field(default_factory=utcnow)


class Membership(SQLModel, table=True):
    """A person in a cohort, as trainee or coach, with the id the roster gave them."""

    __table_args__ = (UniqueConstraint("cohort_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    role: str = Field(max_length=16)
    roster_id: str = Field(default="", max_length=64)


class CaseVersion(SQLModel, table=True):
    """One version of a case file; a scheduled session keeps the version it was given."""

    __table_args__ = (UniqueConstraint("case_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(index=True, max_length=64)
    version: int = Field(default=1)
    title: str = Field(max_length=200)
    domain: str = Field(max_length=32)
    difficulty: int
    parties_min: int
    parties_max: int
    duration_minutes: int
    languages: str = Field(default="en", max_length=200)
    source: str = Field(sa_column=Column(Text, nullable=False))
    sha256: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class BreakoutStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class Breakout(SQLModel, table=True):
    """A scheduled role-play session: one group, one case version, one slot."""

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id", index=True)
    round: int = Field(default=1)
    key: str = Field(default="", max_length=32)
    start: datetime = Field(index=True)
    duration_minutes: int = Field(default=90)
    case_version_id: int = Field(foreign_key="caseversion.id")
    coach_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    status: str = Field(default=BreakoutStatus.DRAFT, max_length=16)
    calibration: bool = Field(default=False)  # several coaches score it independently


class Seat(SQLModel, table=True):
    """A person's place in a session and the role they play there (a case role id or observer)."""

    __table_args__ = (UniqueConstraint("breakout_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    breakout_id: int = Field(foreign_key="breakout.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    role_id: str = Field(max_length=64)
    locked: bool = Field(default=False)


class RoomSnapshot(SQLModel, table=True):
    """The last state of a live room, so a restarted single-process server finds it as it was."""

    session_id: int = Field(foreign_key="breakout.id", primary_key=True)
    data: str = Field(sa_column=Column(Text, nullable=False))
    version: int = Field(default=0)
    updated_at: datetime = Field(default_factory=utcnow)


class Attendance(SQLModel, table=True):
    """One stay of one person in a live room, from joining to leaving."""

    id: int | None = Field(default=None, primary_key=True)
    breakout_id: int = Field(foreign_key="breakout.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    joined_at: datetime = Field(default_factory=utcnow)
    left_at: datetime | None = None


class ScoreStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class Score(SQLModel, table=True):
    """One coach's level and comment for one trainee on one criterion of one session."""

    __table_args__ = (UniqueConstraint("breakout_id", "trainee_id", "coach_id", "criterion_id"),)

    id: int | None = Field(default=None, primary_key=True)
    breakout_id: int = Field(foreign_key="breakout.id", index=True)
    trainee_id: int = Field(foreign_key="person.id", index=True)
    coach_id: int = Field(foreign_key="person.id", index=True)
    criterion_id: str = Field(max_length=64)
    level: int | None = None
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    status: str = Field(default=ScoreStatus.DRAFT, max_length=16)
    updated_at: datetime = Field(default_factory=utcnow)


class Feedback(SQLModel, table=True):
    """A coach's overall feedback to one trainee for one session; publishing releases the scores."""

    __table_args__ = (UniqueConstraint("breakout_id", "trainee_id", "coach_id"),)

    id: int | None = Field(default=None, primary_key=True)
    breakout_id: int = Field(foreign_key="breakout.id", index=True)
    trainee_id: int = Field(foreign_key="person.id", index=True)
    coach_id: int = Field(foreign_key="person.id", index=True)
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    status: str = Field(default=ScoreStatus.DRAFT, max_length=16)
    # Calibration: independent scores are shown once all are in.
    submitted_at: datetime | None = None
    published_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class ScoreChange(SQLModel, table=True):
    """What a published score or feedback said before a later change: nothing published is lost."""

    id: int | None = Field(default=None, primary_key=True)
    breakout_id: int = Field(foreign_key="breakout.id", index=True)
    trainee_id: int = Field(foreign_key="person.id")
    coach_id: int = Field(foreign_key="person.id")
    criterion_id: str = Field(default="", max_length=64)  # empty: the overall feedback
    level: int | None = None
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    changed_at: datetime = Field(default_factory=utcnow)


class Note(SQLModel, table=True):
    """A coach's live note, stamped with the session clock and phase."""

    id: int | None = Field(default=None, primary_key=True)
    breakout_id: int = Field(foreign_key="breakout.id", index=True)
    coach_id: int = Field(foreign_key="person.id")
    at_seconds: int = Field(default=0)  # seconds since the session's scheduled start
    phase: str = Field(default="", max_length=32)
    criterion_id: str | None = Field(default=None, max_length=64)
    trainee_id: int | None = Field(default=None, foreign_key="person.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class SelfAssessment(SQLModel, table=True):
    """A trainee's own level and reflection on one criterion (criterion '' is the overall note)."""

    __table_args__ = (UniqueConstraint("breakout_id", "trainee_id", "criterion_id"),)

    id: int | None = Field(default=None, primary_key=True)
    breakout_id: int = Field(foreign_key="breakout.id", index=True)
    trainee_id: int = Field(foreign_key="person.id", index=True)
    criterion_id: str = Field(default="", max_length=64)
    level: int | None = None
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    submitted_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class Scorer(SQLModel, table=True):
    """An extra coach scoring a session independently, for calibration."""

    __table_args__ = (UniqueConstraint("breakout_id", "coach_id"),)

    id: int | None = Field(default=None, primary_key=True)
    breakout_id: int = Field(foreign_key="breakout.id", index=True)
    coach_id: int = Field(foreign_key="person.id", index=True)


class CertificateRule(SQLModel, table=True):
    """A cohort's requirements for its certificate of completion."""

    cohort_id: int = Field(foreign_key="cohort.id", primary_key=True)
    min_sessions: int = Field(default=8)
    min_mediator_sessions: int = Field(default=3)
    min_level: int = Field(default=3)
    last_scored: int = Field(default=2)
    min_hours: float | None = None


class Certificate(SQLModel, table=True):
    """An issued certificate; anyone can check its code at /verify/<code>."""

    __table_args__ = (UniqueConstraint("cohort_id", "trainee_id"),)

    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id")
    trainee_id: int = Field(foreign_key="person.id")
    code: str = Field(index=True, unique=True, max_length=32)
    issued_at: datetime = Field(default_factory=utcnow)


class RubricVersion(SQLModel, table=True):
    """One version of a rubric file; scores keep meaning because old versions are never changed."""

    __table_args__ = (UniqueConstraint("rubric_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    rubric_id: str = Field(index=True, max_length=64)
    version: int = Field(default=1)
    title: str = Field(max_length=200)
    source: str = Field(sa_column=Column(Text, nullable=False))
    sha256: str = Field(max_length=64)
    created_by: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow)


class Notification(SQLModel, table=True):
    """A message to one person (a seat moved, a session changed), shown until they read it."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    breakout_id: int | None = Field(default=None, foreign_key="breakout.id", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    read_at: datetime | None = None


class ConnectionCheck(SQLModel, table=True):
    """The figures of one connection check against the server's echo peer, and the advice given."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    rtt_ms: float | None = None
    jitter_ms: float | None = None
    loss_percent: float | None = None
    bitrate_kbps: float | None = None
    relayed: bool = Field(default=False)
    verdict: str = Field(default="", max_length=16)  # fine | audio-only | weak | failed
    advice: str = Field(default="", max_length=500)


class RecordingConsent(SQLModel, table=True):
    """One person's answer to recording one session; withdrawing sets `given` false."""

    __table_args__ = (UniqueConstraint("breakout_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    breakout_id: int = Field(foreign_key="breakout.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    given: bool = Field(default=False)
    updated_at: datetime = Field(default_factory=utcnow)


class Recording(SQLModel, table=True):
    """A recording of a session kept in the storage folder under `filename`."""

    id: int | None = Field(default=None, primary_key=True)
    breakout_id: int = Field(foreign_key="breakout.id", index=True)
    filename: str = Field(max_length=255)
    started_at: datetime = Field(default_factory=utcnow)
    ended_at: datetime | None = None
    bytes: int = Field(default=0)
    stopped_because: str = Field(default="", max_length=64)
