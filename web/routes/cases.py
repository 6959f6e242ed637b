"""The case library for staff and coaches: browse, search, read; staff upload and edit."""

from __future__ import annotations

from sqlmodel import Session
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from scenarios.catalogue import CaseFilter, filter_cases
from scenarios.loader import Problem
from scenarios.views import case_view
from simulator import case_store, rubric_store
from simulator.models import CaseVersion, Role
from web.auth import requires, staff_only
from web.rendering import render

MAX_UPLOAD = 1024 * 1024
DOMAINS = (
    "family",
    "workplace",
    "commercial",
    "community",
    "public-policy",
    "international",
    "health",
    "education",
    "other",
)
coaches_and_staff = requires(Role.STAFF, Role.COACH)


async def read_source(request: Request, default_name: str) -> tuple[bytes, str]:
    """The text of an uploaded file (up to 1 byte over MAX_UPLOAD, to tell it is too big), or of
    the `source` textarea; and the file name to report problems against."""
    async with request.form(max_part_size=MAX_UPLOAD + 1) as form:
        upload = form.get("file")
        if isinstance(upload, UploadFile) and upload.filename:
            return await upload.read(MAX_UPLOAD + 1), upload.filename
        text = str(form.get("source", "")).replace("\r\n", "\n")
        return text.encode("utf-8"), default_name


@coaches_and_staff
async def library(request: Request) -> Response:
    versions = await request.app.state.db.run(case_store.latest_versions)
    cases = {v.case_id: case_store.case_of(v) for v in versions}
    wanted = CaseFilter.from_query(request.query_params)
    shown = filter_cases(cases.values(), wanted)
    languages = sorted({code for case in cases.values() for code in case.languages})
    return render(
        request,
        "cases.html",
        cases=shown,
        total=len(cases),
        wanted=wanted,
        domains=DOMAINS,
        languages=languages,
    )


@coaches_and_staff
async def case_page(request: Request) -> Response:
    case_id = request.path_params["case_id"]
    versions = await request.app.state.db.run(case_store.versions_of, case_id)
    wanted = request.query_params.get("version", "")
    version = next((v for v in versions if str(v.version) == wanted), versions[-1])
    case = case_view(case_store.case_of(version), held_role_ids=(), privileged=True, revealed=False)
    return render(request, "case.html", case=case, version=version, versions=versions)


def annotated_lines(source: str, problems: list[Problem]) -> list[tuple[int, str, list[str]]]:
    """Each source line with the problems reported on it, for showing messages beside lines."""
    by_line: dict[int, list[str]] = {}
    for problem in problems:
        by_line.setdefault(problem.line, []).append(f"column {problem.col}: {problem.message}")
    lines = source.splitlines() or [""]
    return [(n, text, by_line.get(n, [])) for n, text in enumerate(lines, 1)]


def _editor(
    request: Request, status: int, source: str, problems: list[Problem], case_id: str | None
) -> Response:
    return render(
        request,
        "case_edit.html",
        status,
        source=source,
        problems=problems,
        lines=annotated_lines(source, problems),
        case_id=case_id,
    )


@staff_only
async def new_case_page(request: Request) -> Response:
    return _editor(request, 200, "", [], None)


@staff_only
async def edit_case_page(request: Request) -> Response:
    version = await request.app.state.db.run(
        case_store.latest_version, request.path_params["case_id"]
    )
    return _editor(request, 200, version.source, [], version.case_id)


@staff_only
async def save_case(request: Request) -> Response:
    """Store an uploaded or edited case file as a new version, or show every problem beside its line."""
    case_id = request.path_params.get("case_id")
    data, filename = await read_source(request, f"{case_id or 'new-case'}.yaml")
    text = data.decode("utf-8", errors="replace")
    if len(data) > MAX_UPLOAD:
        problem = Problem(
            filename, 1, 1, "The file is larger than 1 MiB; a case file is a few pages of text."
        )
        return _editor(request, 400, "", [problem], case_id)

    def store(session: Session) -> tuple[CaseVersion | None, list[Problem]]:
        # The stored rubrics, so that a case may name one staff have just added.
        known = rubric_store.rubric_ids(session)
        return case_store.store_case(session, data, filename, rubric_ids=known, expect_id=case_id)

    version, problems = await request.app.state.db.run(store)
    if version is None:
        return _editor(request, 400, text, problems, case_id)
    return RedirectResponse(f"/cases/{version.case_id}?saved={version.version}", status_code=303)


ROUTES = [
    Route("/cases", library, methods=["GET"]),
    Route("/cases/new", new_case_page, methods=["GET"]),
    Route("/cases/new", save_case, methods=["POST"]),
    Route("/cases/{case_id}", case_page, methods=["GET"]),
    Route("/cases/{case_id}/edit", edit_case_page, methods=["GET"]),
    Route("/cases/{case_id}/edit", save_case, methods=["POST"]),
]
