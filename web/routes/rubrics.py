"""Staff keep the rubrics: list, read, upload and edit them, each save a new version."""

from __future__ import annotations

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from coaching.rubric import Problem
from simulator import rubric_store
from web.auth import staff_only
from web.rendering import render
from web.routes.cases import MAX_UPLOAD, annotated_lines, read_source
from web.rubric_library import Saved, parsed, save_rubric


@staff_only
async def rubric_list(request: Request) -> Response:
    def load(session: Session):  # noqa: ANN202
        versions = rubric_store.latest_versions(session)
        return [(v, parsed(v)) for v in versions], rubric_store.usage(session)

    rows, usage = await request.app.state.db.run(load)
    return render(request, "rubrics.html", rows=rows, usage=usage)


@staff_only
async def rubric_page(request: Request) -> Response:
    rubric_id = request.path_params["rubric_id"]

    def load(session: Session):  # noqa: ANN202
        versions = rubric_store.versions_of(session, rubric_id)
        return versions, rubric_store.usage(session).get(rubric_id, rubric_store.Usage())

    versions, usage = await request.app.state.db.run(load)
    wanted = request.query_params.get("version", "")
    version = next((v for v, _ in versions if str(v.version) == wanted), versions[-1][0])
    return render(
        request,
        "rubric.html",
        rubric=parsed(version),
        version=version,
        versions=versions,
        usage=usage,
    )


def _editor(
    request: Request, status: int, source: str, problems: list[Problem], rubric_id: str | None
) -> Response:
    return render(
        request,
        "rubric_edit.html",
        status,
        source=source,
        problems=problems,
        lines=annotated_lines(source, problems),
        rubric_id=rubric_id,
    )


@staff_only
async def new_rubric_page(request: Request) -> Response:
    return _editor(request, 200, "", [], None)


@staff_only
async def edit_rubric_page(request: Request) -> Response:
    version = await request.app.state.db.run(
        rubric_store.latest_version, request.path_params["rubric_id"]
    )
    return _editor(request, 200, version.source, [], version.rubric_id)


@staff_only
async def save(request: Request) -> Response:
    """Store an uploaded or edited rubric as a new version, or show every problem by its line."""
    rubric_id = request.path_params.get("rubric_id")
    data, filename = await read_source(request, f"{rubric_id or 'new-rubric'}.yaml")
    text = data.decode("utf-8", errors="replace")
    if len(data) > MAX_UPLOAD:
        message = "the file is larger than 1 MiB; a rubric file is a few pages of text"
        return _editor(request, 400, "", [Problem(filename, 1, 1, message)], rubric_id)
    user_id = request.state.user.id

    def store(session: Session) -> Saved:
        return save_rubric(session, data, filename, created_by=user_id, expect_id=rubric_id)

    saved = await request.app.state.db.run(store)
    if saved.version is None:
        return _editor(request, 400, text, saved.problems, rubric_id)
    outcome = "saved" if saved.changed else "unchanged"
    target = f"/rubrics/{saved.version.rubric_id}?{outcome}={saved.version.version}"
    return RedirectResponse(target, status_code=303)


ROUTES = [
    Route("/rubrics", rubric_list, methods=["GET"]),
    Route("/rubrics/new", new_rubric_page, methods=["GET"]),
    Route("/rubrics/new", save, methods=["POST"]),
    Route("/rubrics/{rubric_id}", rubric_page, methods=["GET"]),
    Route("/rubrics/{rubric_id}/edit", edit_rubric_page, methods=["GET"]),
    Route("/rubrics/{rubric_id}/edit", save, methods=["POST"]),
]
