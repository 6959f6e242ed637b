"""Staff import a cohort's roster CSV: everyone in it, or nobody and every problem listed."""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from simulator.roster_import import import_roster
from simulator.scheduling.csvtable import CsvError
from web.auth import staff_only
from web.routes.cohorts import cohort_page_response

MAX_ROSTER = 2 * 1024 * 1024


@staff_only
async def upload_roster(request: Request) -> Response:
    cohort_id = request.path_params["cohort_id"]
    async with request.form(max_part_size=MAX_ROSTER) as form:
        upload = form.get("roster")
        data = await upload.read() if isinstance(upload, UploadFile) else b""
    if not data:
        return await cohort_page_response(
            request, 400, roster_errors=["Choose a roster CSV file to upload."]
        )
    try:
        result = await request.app.state.db.run(import_roster, cohort_id, data)
    except CsvError as exc:
        return await cohort_page_response(request, 400, roster_errors=exc.errors)
    return RedirectResponse(f"/cohorts/{cohort_id}?imported={result.total}#roster", 303)


ROUTES = [Route("/cohorts/{cohort_id:int}/roster", upload_roster, methods=["POST"])]
