"""People and their credentials: password hashing, login with throttling, invitations."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func
from sqlmodel import Session, col, select

from simulator.errors import BadRequest, Conflict, NotFound, TooManyAttempts
from simulator.models import Account, Invitation, LoginFailure, Person, Role
from simulator.timeutil import as_utc, is_valid_timezone, utcnow

_hasher = PasswordHasher()
# Verified against when the email is unknown, so a miss costs as much time as a hit.
_DUMMY_HASH = _hasher.hash("not-a-real-password")

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_email(email: str) -> str:
    email = normalise_email(email)
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise BadRequest(f"{email or 'An empty value'} is not an email address.")
    return email


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_new_password(password: str, *, demo_mode: bool = False) -> None:
    if len(password) < MIN_PASSWORD and not demo_mode:
        raise BadRequest(f"Choose a password of at least {MIN_PASSWORD} characters.")


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_person(
    session: Session,
    *,
    email: str,
    name: str,
    role: Role | str,
    timezone: str = "UTC",
    password: str | None = None,
    **profile: str,
) -> Person:
    """Add a person (and an account when a password is given); emails are unique."""
    email = check_email(email)
    if role not in set(Role):
        raise BadRequest(f"Role must be one of {', '.join(Role)}, got {role!r}.")
    if not is_valid_timezone(timezone):
        raise BadRequest(f"{timezone!r} is not an IANA time zone (for example Africa/Nairobi).")
    if session.exec(select(Person).where(Person.email == email)).first():
        raise Conflict(f"Someone with the email {email} already exists.")
    person = Person(
        email=email, name=name.strip() or email, role=Role(role), timezone=timezone, **profile
    )
    session.add(person)
    session.flush()
    if password is not None:
        session.add(Account(person_id=person.id, password_hash=hash_password(password)))
    return person


@dataclass(frozen=True)
class Throttle:
    max_failures: int
    window: timedelta


def _recent_failures(session: Session, email: str, throttle: Throttle) -> list[LoginFailure]:
    since = utcnow() - throttle.window
    query = select(LoginFailure).where(LoginFailure.email == email, LoginFailure.at >= since)
    return list(session.exec(query.order_by(col(LoginFailure.at))))


def authenticate(
    session: Session, email: str, password: str, *, ip: str, throttle: Throttle
) -> tuple[Person, Account]:
    """The person and account for a correct email and password; counts and throttles failures."""
    email = normalise_email(email)
    failures = _recent_failures(session, email, throttle)
    if len(failures) >= throttle.max_failures:
        retry = as_utc(failures[-throttle.max_failures].at) + throttle.window - utcnow()
        minutes = max(1, int(retry.total_seconds() // 60) + 1)
        raise TooManyAttempts(
            f"Too many failed attempts for this account. Try again in {minutes} minutes, "
            "or ask programme staff for a new invitation link."
        )
    row = session.exec(
        select(Person, Account)
        .join(Account, col(Account.person_id) == col(Person.id))
        .where(Person.email == email)
    ).first()
    if row is None or not verify_password(row[1].password_hash, password):
        if row is None:
            verify_password(_DUMMY_HASH, password)
        session.add(LoginFailure(email=email, ip=ip[:64]))
        session.commit()
        raise BadRequest("That email and password do not match. Check both and try again.")
    person, account = row
    session.exec(  # a success clears the count, so one typo later starts from zero
        LoginFailure.__table__.delete().where(LoginFailure.email == email)  # type: ignore[attr-defined]
    )
    account.last_login_at = utcnow()
    session.add(account)
    return person, account


def set_password(
    session: Session, person: Person, password: str, *, demo_mode: bool = False
) -> Account:
    """Set a new password; older login cookies stop working."""
    check_new_password(password, demo_mode=demo_mode)
    account = session.get(Account, person.id)
    if account is None:
        account = Account(person_id=person.id, password_hash=hash_password(password))
    else:
        account.password_hash = hash_password(password)
        account.auth_epoch += 1
    session.add(account)
    return account


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_invitation(
    session: Session, person: Person, *, created_by: Person | None, ttl: timedelta
) -> str:
    """A new single-use invitation token for `person`; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    session.add(
        Invitation(
            person_id=person.id,
            token_hash=_token_hash(token),
            created_by=created_by.id if created_by else None,
            expires_at=utcnow() + ttl,
        )
    )
    return token


def find_invitation(session: Session, token: str) -> tuple[Invitation, Person]:
    """The open invitation for a token, or a clear reason it cannot be used."""
    invitation = session.exec(
        select(Invitation).where(Invitation.token_hash == _token_hash(token))
    ).first()
    if invitation is None:
        raise NotFound("This invitation link is not valid. Ask programme staff to send a new one.")
    if invitation.used_at is not None:
        raise BadRequest(
            "This invitation link has already been used. Log in, or ask staff for a new one."
        )
    if as_utc(invitation.expires_at) < utcnow():
        raise BadRequest("This invitation link has expired. Ask programme staff to send a new one.")
    person = session.get(Person, invitation.person_id)
    if person is None:
        raise NotFound("This invitation's person no longer exists.")
    return invitation, person


def accept_invitation(session: Session, token: str, password: str) -> tuple[Person, Account]:
    """Set the invited person's password and spend the invitation."""
    invitation, person = find_invitation(session, token)
    account = set_password(session, person, password)
    invitation.used_at = utcnow()
    session.add(invitation)
    return person, account


def count_people(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Person)).one()
