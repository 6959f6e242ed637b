"""Recordings of sessions: their rows and files, who may play or delete them, and retention.

A recording is one audio file in the storage folder (settings.recordings_dir) and one `Recording`
row. The members of a session (its seated trainees), its coaches and programme staff may play it;
staff and the session's coach may delete it; each cohort's `recording_retention_days` says when
it is deleted by itself. Deleting always removes the file with the row.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete
from sqlmodel import Session, col, select

from simulator.db import Database
from simulator.errors import BadRequest, Conflict, Forbidden, NotFound
from simulator.models import (
    Breakout,
    BreakoutStatus,
    Cohort,
    Note,
    Person,
    Recording,
    Role,
    Scorer,
    Seat,
)
from simulator.timeutil import as_utc, utcnow

log = logging.getLogger("simulator.recordings")
MEDIA_TYPE = "audio/webm"
SUFFIX = ".webm"
# A recording whose file has not grown for this long has lost its recorder (a crashed process).
STALE_AFTER = timedelta(minutes=5)
MAX_RETENTION_DAYS = 3650


@dataclass(frozen=True)
class Marker:
    """A coach's note placed on a recording's timeline."""

    at: float  # seconds from the start of the recording
    phase: str
    text: str


def file_path(storage: Path, recording: Recording) -> Path:
    """The file of a recording; names are made by the server, never taken from a request."""
    name = Path(recording.filename).name
    if name != recording.filename or not name.endswith(SUFFIX):
        raise NotFound("That recording's file is missing.")
    return storage / name


def new_filename(breakout_id: int, number: int, started: datetime) -> str:
    stamp = as_utc(started).strftime("%Y%m%dT%H%M%SZ")
    return f"session-{breakout_id}-{number}-{stamp}-{secrets.token_hex(4)}{SUFFIX}"


def length_seconds(recording: Recording) -> float | None:
    """How long a finished recording runs; None while it is still being made."""
    if recording.ended_at is None:
        return None
    return max(0.0, (as_utc(recording.ended_at) - as_utc(recording.started_at)).total_seconds())


# --- the recorder's bookkeeping ------------------------------------------------------------


def begin(
    session: Session, storage: Path, breakout_id: int, number: int, started: datetime
) -> Recording:
    """A new row for a recording about to start; rows a crashed recorder left open are closed.

    Only one recorder runs per room (the room state says which process), so any row of this
    session still open now belongs to a recorder that is gone.
    """
    for orphan in session.exec(
        select(Recording).where(
            Recording.breakout_id == breakout_id, col(Recording.ended_at).is_(None)
        )
    ):
        _close(orphan, storage, "recording server stopped")
        session.add(orphan)
    row = Recording(
        breakout_id=breakout_id,
        filename=new_filename(breakout_id, number, started),
        started_at=started,
    )
    session.add(row)
    session.flush()
    return row


def finish(session: Session, recording_id: int, ended: datetime, size: int, reason: str) -> None:
    row = session.get(Recording, recording_id)
    if row is not None and row.ended_at is None:
        row.ended_at, row.bytes, row.stopped_because = ended, size, reason[:64]
        session.add(row)


def _close(row: Recording, storage: Path, reason: str) -> None:
    """Close a row whose recorder died: its end is when the file last grew."""
    path = storage / Path(row.filename).name
    try:
        stat = path.stat()
        row.bytes = stat.st_size
        row.ended_at = max(as_utc(row.started_at), datetime.fromtimestamp(stat.st_mtime, tz=UTC))
    except OSError:
        row.ended_at = as_utc(row.started_at)
    row.stopped_because = reason


def close_stale(session: Session, storage: Path, now: datetime | None = None) -> int:
    """Close rows still open whose file stopped growing long ago (their process crashed)."""
    now = now or utcnow()
    count = 0
    for row in session.exec(select(Recording).where(col(Recording.ended_at).is_(None))):
        path = storage / Path(row.filename).name
        try:
            last = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
        except OSError:
            last = as_utc(row.started_at)
        if now - last > STALE_AFTER:
            _close(row, storage, "recording server stopped")
            session.add(row)
            count += 1
    return count


def discard(session: Session, storage: Path, recording_id: int) -> None:
    """Forget a recording that never got going (its room stopped it before it began)."""
    row = session.get(Recording, recording_id)
    if row is not None:
        _remove(session, storage, row)


# --- who may see what ------------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    recording: Recording
    breakout: Breakout
    may_delete: bool
    sees_notes: bool


def _coach_ids(session: Session, breakout: Breakout) -> set[int]:
    extra = session.exec(select(Scorer.coach_id).where(Scorer.breakout_id == breakout.id))
    return {*extra, *([breakout.coach_id] if breakout.coach_id is not None else [])}


def may_view(session: Session, person: Person, breakout: Breakout) -> bool:
    """The session's seated trainees, its coaches (incl. calibration scorers), and staff."""
    if person.role == Role.STAFF:
        return True
    if person.role == Role.COACH:
        return person.id in _coach_ids(session, breakout)
    seated = session.exec(
        select(Seat.id).where(Seat.breakout_id == breakout.id, Seat.person_id == person.id)
    ).first()
    return seated is not None and breakout.status == BreakoutStatus.PUBLISHED


def may_delete(person: Person, breakout: Breakout) -> bool:
    return person.role == Role.STAFF or (
        person.role == Role.COACH and breakout.coach_id == person.id
    )


def access(session: Session, person: Person, recording_id: int) -> Access:
    """A recording this person may play, or the same refusal the session page gives."""
    recording = session.get(Recording, recording_id)
    breakout = session.get(Breakout, recording.breakout_id) if recording else None
    if recording is None or breakout is None or breakout.status == BreakoutStatus.CANCELLED:
        raise NotFound("There is no such recording.")
    if not may_view(session, person, breakout):
        if person.role == Role.TRAINEE:
            raise NotFound("There is no such recording.")
        raise Forbidden("This recording is not from one of your sessions.")
    return Access(
        recording,
        breakout,
        may_delete(person, breakout),
        sees_notes=person.role in (Role.COACH, Role.STAFF),
    )


def for_session(session: Session, person: Person, breakout_id: int) -> list[Recording]:
    """The session's recordings, newest first, if this person may play them (else none)."""
    breakout = session.get(Breakout, breakout_id)
    if breakout is None or not may_view(session, person, breakout):
        return []
    return list(
        session.exec(
            select(Recording)
            .where(Recording.breakout_id == breakout_id)
            .order_by(col(Recording.started_at).desc())
        )
    )


def markers(session: Session, recording: Recording, breakout: Breakout) -> list[Marker]:
    """The session's coach notes that fall inside the recording, placed on its timeline.

    Notes are stamped in seconds since the session's scheduled start; the recording began at
    `started_at`, so a note's place is its stamp less the recording's own offset.
    """
    offset = (as_utc(recording.started_at) - as_utc(breakout.start)).total_seconds()
    length = length_seconds(recording)
    notes = session.exec(
        select(Note).where(Note.breakout_id == breakout.id).order_by(col(Note.at_seconds))
    )
    placed = []
    for note in notes:
        at = note.at_seconds - offset
        if at >= -1 and (length is None or at <= length + 1):
            placed.append(Marker(round(max(0.0, at), 1), note.phase, note.text))
    return placed


# --- deleting ----------------------------------------------------------------------------------


def _remove(session: Session, storage: Path, row: Recording) -> None:
    """The file first, then the row: a failure leaves a row to retry, never an orphan file."""
    with contextlib.suppress(NotFound, NotADirectoryError):  # no such file: nothing to remove
        file_path(storage, row).unlink(missing_ok=True)
    session.execute(delete(Recording).where(col(Recording.id) == row.id))


def delete_recording(session: Session, storage: Path, person: Person, recording_id: int) -> int:
    """Delete a recording (staff and the session's coach); returns its session's id."""
    found = access(session, person, recording_id)
    if not found.may_delete:
        raise Forbidden("Only programme staff and the session's coach delete recordings.")
    if found.recording.ended_at is None:
        raise Conflict("This recording is still running; stop it in the room first.")
    _remove(session, storage, found.recording)
    return found.breakout.id or 0


def purge_expired(session: Session, storage: Path, now: datetime | None = None) -> list[Recording]:
    """Delete recordings older than their cohort's retention period, files and rows."""
    now = now or utcnow()
    close_stale(session, storage, now)
    rows = session.exec(
        select(Recording, Cohort.recording_retention_days)
        .join(Breakout, col(Breakout.id) == col(Recording.breakout_id))
        .join(Cohort, col(Cohort.id) == col(Breakout.cohort_id))
        .where(col(Recording.ended_at).is_not(None))
    ).all()
    expired = [
        row for row, days in rows if as_utc(row.started_at) < now - timedelta(days=max(days, 1))
    ]
    for row in expired:
        _remove(session, storage, row)
    return expired


def retention_days(session: Session, cohort_id: int) -> int:
    cohort = session.get(Cohort, cohort_id)
    return cohort.recording_retention_days if cohort else 30


def set_retention(session: Session, cohort_id: int, raw: str) -> int:
    """Staff set how many days a cohort's recordings are kept."""
    cohort = session.get(Cohort, cohort_id)
    if cohort is None:
        raise NotFound("There is no such cohort.")
    try:
        days = int(raw.strip())
    except ValueError:
        raise BadRequest("Keep recordings for a whole number of days.") from None
    if not 1 <= days <= MAX_RETENTION_DAYS:
        raise BadRequest(f"Keep recordings for 1 to {MAX_RETENTION_DAYS} days.")
    cohort.recording_retention_days = days
    session.add(cohort)
    return days


async def purge_forever(
    db: Database, storage: Path, every: float = 3600.0, first_after: float = 60.0
) -> None:
    """Apply retention now and then, for as long as the server runs (each worker may; deleting
    twice is harmless)."""
    await asyncio.sleep(first_after)
    while True:
        try:
            gone = await db.run(purge_expired, storage)
            if gone:
                log.info("retention: deleted %d recording(s)", len(gone))
        except Exception:
            log.exception("retention: purge failed")
        await asyncio.sleep(every)
