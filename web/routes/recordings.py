"""Recordings for coach review: the player with note markers, the audio, deletion, retention."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from simulator import recordings
from simulator.breakouts import SessionView, session_views
from simulator.errors import BadRequest, Conflict, Forbidden, NotFound
from simulator.models import Person, Recording, Role
from web.auth import requires, signed_in, staff_only
from web.rendering import render
from web.routes.cohorts import cohort_page_response

coaches_and_staff = requires(Role.COACH, Role.STAFF)


def clock(seconds: float | None) -> str:
    """12:05 or 1:02:05; a dash while unknown."""
    if seconds is None:
        return "—"
    whole = int(seconds)  # as audio players count
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def size_text(size: int) -> str:
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f} MB"
    return f"{max(1, round(size / 1000))} kB" if size else "0 kB"


@dataclass(frozen=True)
class RecordingRow:
    """A recording as the session page and the player show it."""

    id: int
    started_at: object
    length: str
    seconds: float | None
    size: str
    running: bool
    stopped_because: str

    @classmethod
    def of(cls, recording: Recording) -> RecordingRow:
        seconds = recordings.length_seconds(recording)
        return cls(
            recording.id or 0,
            recording.started_at,
            clock(seconds),
            seconds,
            size_text(recording.bytes),
            recording.ended_at is None,
            recording.stopped_because,
        )


def rows_for(session: Session, person: Person, breakout_id: int) -> list[RecordingRow]:
    """The session page's list (empty for anyone who may not play them)."""
    return [RecordingRow.of(r) for r in recordings.for_session(session, person, breakout_id)]


def _player(
    session: Session, person: Person, recording_id: int
) -> tuple[recordings.Access, SessionView, list[recordings.Marker]]:
    found = recordings.access(session, person, recording_id)
    view = session_views(session, [found.breakout])[0]
    notes = recordings.markers(session, found.recording, found.breakout) if found.sees_notes else []
    return found, view, notes


@signed_in
async def player(request: Request) -> Response:
    found, view, notes = await request.app.state.db.run(
        _player, request.state.user, request.path_params["recording_id"]
    )
    row = RecordingRow.of(found.recording)
    markers = [{"at": m.at, "clock": clock(m.at), "phase": m.phase, "text": m.text} for m in notes]
    return render(
        request,
        "recording.html",
        s=view,
        rec=row,
        markers=markers,
        may_delete=found.may_delete,
        sees_notes=found.sees_notes,
    )


@signed_in
async def audio(request: Request) -> Response:
    """The file itself; FileResponse answers range requests, so the player can seek."""
    found = await request.app.state.db.run(
        recordings.access, request.state.user, request.path_params["recording_id"]
    )
    if found.recording.ended_at is None:
        raise Conflict("This recording is still running; it can be played once it stops.")
    path = recordings.file_path(request.app.state.settings.recordings_dir, found.recording)
    if not path.is_file():
        raise NotFound("This recording's file is missing.")
    return FileResponse(
        path,
        media_type=recordings.MEDIA_TYPE,
        headers={"Cache-Control": "private, no-store"},
    )


@coaches_and_staff
async def confirm_delete(request: Request) -> Response:
    found, view, _ = await request.app.state.db.run(
        _player, request.state.user, request.path_params["recording_id"]
    )
    if not found.may_delete:
        raise Forbidden("Only programme staff and the session's coach delete recordings.")
    return render(request, "recording_delete.html", s=view, rec=RecordingRow.of(found.recording))


@coaches_and_staff
async def delete(request: Request) -> Response:
    session_id = await request.app.state.db.run(
        recordings.delete_recording,
        request.app.state.settings.recordings_dir,
        request.state.user,
        request.path_params["recording_id"],
    )
    return RedirectResponse(f"/sessions/{session_id}?deleted=recording#recordings", 303)


@staff_only
async def save_retention(request: Request) -> Response:
    form = await request.form()
    cohort_id = request.path_params["cohort_id"]
    try:
        await request.app.state.db.run(
            recordings.set_retention, cohort_id, str(form.get("recording_retention_days", ""))
        )
    except BadRequest as exc:
        return await cohort_page_response(request, 400, retention_error=exc.message)
    return RedirectResponse(f"/cohorts/{cohort_id}?retention=saved#recordings", 303)


ROUTES = [
    Route("/recordings/{recording_id:int}", player, methods=["GET"]),
    Route("/recordings/{recording_id:int}/audio", audio, methods=["GET"]),
    Route("/recordings/{recording_id:int}/delete", confirm_delete, methods=["GET"]),
    Route("/recordings/{recording_id:int}/delete", delete, methods=["POST"]),
    Route("/cohorts/{cohort_id:int}/retention", save_retention, methods=["POST"]),
]
