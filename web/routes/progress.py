"""Progress over sessions, the certificate tracker, printable certificates and their public check."""

from __future__ import annotations

import csv
import io

from sqlmodel import Session, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from coaching.certificate import (
    CertificateProgress,
    CertificateRules,
    certificate_progress,
    new_verification_code,
    parse_verification_code,
)
from coaching.chart import level_chart
from coaching.progress import Progress, SessionRecord, trainee_progress
from coaching.rubric import Rubric
from simulator.errors import NotFound
from simulator.history import SessionFacts, trainee_history
from simulator.models import Certificate, CertificateRule, Cohort, Membership, Person, Role
from simulator.rubric_store import DEFAULT_RUBRIC
from simulator.timeutil import local
from web.auth import public, requires
from web.rendering import render
from web.rubric_library import rubrics_of

guides = requires(Role.STAFF, Role.COACH)


def records(facts: list[SessionFacts]) -> list[SessionRecord]:
    return [
        SessionRecord(
            start=f.start,
            role_kind=f.role_kind,
            minutes=f.minutes,
            attended=f.attended,  # type: ignore[arg-type]
            scores=f.scores,
            coaches=f.coaches,
            countries=f.countries,
        )
        for f in facts
    ]


def rules_for(session: Session, cohort_id: int | None) -> CertificateRules:
    row = session.get(CertificateRule, cohort_id) if cohort_id is not None else None
    if row is None:
        return CertificateRules()
    return CertificateRules(
        row.min_sessions, row.min_mediator_sessions, row.min_level, row.last_scored, row.min_hours
    )


def _cohort_of(session: Session, trainee_id: int) -> Cohort | None:
    membership = session.exec(
        select(Membership).where(Membership.person_id == trainee_id).order_by(Membership.id.desc())  # type: ignore[union-attr]
    ).first()
    return session.get(Cohort, membership.cohort_id) if membership else None


def _gather(
    session: Session, trainee_id: int
) -> tuple[Person, list[SessionFacts], Cohort | None, CertificateRules, Certificate | None]:
    person = session.get(Person, trainee_id)
    if person is None or person.role != Role.TRAINEE:
        raise NotFound("There is no such trainee.")
    cohort = _cohort_of(session, trainee_id)
    certificate = None
    if cohort is not None:
        certificate = session.exec(
            select(Certificate).where(
                Certificate.cohort_id == cohort.id, Certificate.trainee_id == trainee_id
            )
        ).first()
    return (
        person,
        trainee_history(session, trainee_id),
        cohort,
        rules_for(session, cohort.id if cohort else None),
        certificate,
    )


async def _rubric(request: Request, cohort: Cohort | None) -> Rubric:
    """The cohort's rubric; without a cohort (or its rubric), the default one, else any."""
    rubrics = await rubrics_of(request)
    wanted = rubrics.get(cohort.rubric_id if cohort else "") or rubrics.get(DEFAULT_RUBRIC)
    rubric = wanted or next(iter(rubrics.values()), None)
    if rubric is None:
        raise NotFound("No rubric is installed: staff can add one on the Rubrics page.")
    return rubric


async def _view(
    request: Request,
    person: Person,
    facts: list[SessionFacts],
    cohort: Cohort | None,
    rules: CertificateRules,
) -> tuple[Progress, CertificateProgress, object, Rubric]:
    rubric = await _rubric(request, cohort)
    names = {c.id: c.name for c in rubric.criteria}
    history = records(facts)
    progress = trainee_progress(history)
    tracker = certificate_progress(rules, history, names)
    viewer_zone = request.state.user.timezone
    series = {
        c: [(local(p.start, viewer_zone), p.level) for p in points]
        for c, points in progress.series.items()
    }
    chart = level_chart(series, names, [(level.value, level.label) for level in rubric.scale])
    return progress, tracker, chart, rubric


async def _progress_page(request: Request, trainee_id: int) -> Response:
    person, facts, cohort, rules, certificate = await request.app.state.db.run(_gather, trainee_id)
    progress, tracker, chart, rubric = await _view(request, person, facts, cohort, rules)
    return render(
        request,
        "progress.html",
        person=person,
        facts=facts[::-1],
        progress=progress,
        tracker=tracker,
        chart=chart,
        rubric=rubric,
        certificate=certificate,
        own=person.id == request.state.user.id,
    )


@requires(Role.TRAINEE)
async def my_progress(request: Request) -> Response:
    return await _progress_page(request, request.state.user.id)


@guides
async def trainee_progress_page(request: Request) -> Response:
    return await _progress_page(request, request.path_params["person_id"])


def _issue(session: Session, cohort_id: int, trainee_id: int) -> Certificate:
    existing = session.exec(
        select(Certificate).where(
            Certificate.cohort_id == cohort_id, Certificate.trainee_id == trainee_id
        )
    ).first()
    if existing:
        return existing
    while True:
        code = new_verification_code()
        if session.exec(select(Certificate).where(Certificate.code == code)).first() is None:
            break
    certificate = Certificate(cohort_id=cohort_id, trainee_id=trainee_id, code=code)
    session.add(certificate)
    session.flush()
    return certificate


@requires(Role.TRAINEE)
async def my_certificate(request: Request) -> Response:
    """The tracker, and once every requirement is met, the printable certificate."""
    user = request.state.user
    person, facts, cohort, rules, certificate = await request.app.state.db.run(_gather, user.id)
    progress, tracker, _, _ = await _view(request, person, facts, cohort, rules)
    if tracker.complete and cohort is not None and certificate is None:
        certificate = await request.app.state.db.run(_issue, cohort.id, user.id)
    verify_url = (
        f"{request.app.state.settings.base_url.rstrip('/')}/verify/{certificate.code}"
        if certificate
        else ""
    )
    return render(
        request,
        "certificate.html",
        person=person,
        tracker=tracker,
        cohort=cohort,
        certificate=certificate if tracker.complete else None,
        progress=progress,
        verify_url=verify_url,
    )


def _lookup(session: Session, code: str) -> tuple[Certificate, Person, Cohort] | None:
    certificate = session.exec(select(Certificate).where(Certificate.code == code)).first()
    if certificate is None:
        return None
    person = session.get(Person, certificate.trainee_id)
    cohort = session.get(Cohort, certificate.cohort_id)
    assert person is not None and cohort is not None
    return certificate, person, cohort


@public
async def verify(request: Request) -> Response:
    """Anyone can check a certificate's code; nothing but the name, programme and date is shown."""
    raw = request.path_params.get("code") or request.query_params.get("code", "")
    if not raw:
        return render(request, "verify.html", asked=False)
    try:
        code = parse_verification_code(raw)
    except ValueError as exc:
        return render(request, "verify.html", 400, asked=True, code=raw, error=str(exc))
    found = await request.app.state.db.run(_lookup, code)
    if found is None:
        return render(request, "verify.html", 404, asked=True, code=code, found=None)
    certificate, person, cohort = found
    return render(
        request, "verify.html", asked=True, code=code, found=(certificate, person, cohort)
    )


@requires(Role.TRAINEE)
async def my_logbook(request: Request) -> Response:
    facts = await request.app.state.db.run(trainee_history, request.state.user.id)
    return logbook_csv(facts, request.state.user, "my-logbook.csv")


def logbook_rows(person: Person, facts: list[SessionFacts]) -> list[list[str]]:
    return [
        [
            person.email,
            f.cohort_name,
            f.start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            f.case_title,
            f.role_name,
            f.role_kind,
            "yes" if f.attended else "no",
            f"{f.minutes / 60:.2f}",
            "; ".join(f.coach_emails),
        ]
        for f in facts
    ]


LOGBOOK_HEADER = [
    "trainee_email",
    "cohort",
    "start",
    "case",
    "role",
    "role_kind",
    "attended",
    "hours",
    "coaches",
]


def logbook_csv(facts: list[SessionFacts], person: Person, filename: str) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(LOGBOOK_HEADER)
    writer.writerows(logbook_rows(person, facts))
    return csv_response(buffer.getvalue(), filename)


def csv_response(text: str, filename: str) -> Response:
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


ROUTES = [
    Route("/progress", my_progress, methods=["GET"]),
    Route("/progress/logbook.csv", my_logbook, methods=["GET"]),
    Route("/people/{person_id:int}/progress", trainee_progress_page, methods=["GET"]),
    Route("/certificate", my_certificate, methods=["GET"]),
    Route("/verify", verify, methods=["GET"]),
    Route("/verify/{code}", verify, methods=["GET"]),
]
