"""CSV exports for staff: a cohort's scores (the Scores CSV contract) and its trainees' logbook."""

from __future__ import annotations

import csv
import io

from sqlmodel import Session, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulator.history import trainee_history
from simulator.models import Membership, Person, Role
from simulator.scoring import SCORES_CSV_HEADER, cohort_score_rows
from web.auth import staff_only
from web.routes.progress import LOGBOOK_HEADER, csv_response, logbook_rows


def _csv(header: tuple[str, ...] | list[str], rows: list) -> str:  # noqa: ANN001
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


@staff_only
async def scores_csv(request: Request) -> Response:
    cohort_id = request.path_params["cohort_id"]
    rows = await request.app.state.db.run(cohort_score_rows, cohort_id)
    return csv_response(_csv(SCORES_CSV_HEADER, rows), f"cohort-{cohort_id}-scores.csv")


def _logbook(session: Session, cohort_id: int) -> list[list[str]]:
    trainees = session.exec(
        select(Person)
        .join(Membership, Membership.person_id == Person.id)  # type: ignore[arg-type]
        .where(Membership.cohort_id == cohort_id, Person.role == Role.TRAINEE)
        .order_by(Person.email)
    )
    rows: list[list[str]] = []
    for person in trainees:
        facts = [f for f in trainee_history(session, person.id or 0) if f.cohort_id == cohort_id]
        rows += logbook_rows(person, facts)
    return rows


@staff_only
async def logbook_csv(request: Request) -> Response:
    cohort_id = request.path_params["cohort_id"]
    rows = await request.app.state.db.run(_logbook, cohort_id)
    return csv_response(_csv(LOGBOOK_HEADER, rows), f"cohort-{cohort_id}-logbook.csv")


ROUTES = [
    Route("/cohorts/{cohort_id:int}/scores.csv", scores_csv, methods=["GET"]),
    Route("/cohorts/{cohort_id:int}/logbook.csv", logbook_csv, methods=["GET"]),
]
