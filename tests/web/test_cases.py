"""The case library in the web app: browsing, editing with line-numbered problems, versions,
and confidential instructions that reach only their holder, coaches and staff."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

from helpers import csrf_from, log_in
from sqlmodel import select

from simulator import case_store
from simulator.models import Breakout, CaseVersion, Role

FIXTURE = (Path(__file__).parents[1] / "scenarios" / "fixtures" / "quiet-hours.yaml").read_text()
HOSTILE = FIXTURE.replace(
    "Two neighbours disagree about noise after ten at night.",
    'Two neighbours disagree. <script>alert("x")</script> <img src=x onerror="alert(1)">',
).replace(
    "Juma fears losing the flat",
    'Juma fears <a href="javascript:alert(2)" onclick="steal()">losing</a> the flat',
)


async def _staff(client, make_person):
    await log_in(client, make_person(Role.STAFF).email)
    return csrf_from((await client.get("/cases/new")).text)


async def test_library_lists_and_filters_bundled_cases(client, make_person, library):
    await log_in(client, make_person(Role.COACH).email)
    page = (await client.get("/cases")).text
    assert "The Late-Night Bakery" in page
    shown, total = re.search(r"(\d+) of (\d+) cases", page).groups()
    assert shown == total and int(total) >= 16
    family = (await client.get("/cases?domain=family")).text
    assert "Late-Night Bakery" not in family
    four = (await client.get("/cases?parties=4&difficulty=4")).text
    assert "Line 2 on Kiboko Road" in four and "Qorate Borehole" in four
    assert "Late-Night Bakery" not in four
    search = (await client.get("/cases?q=bakery")).text
    assert "1 of" in search
    nothing = (await client.get("/cases?q=zzzz-no-such-words")).text
    assert "No case matches" in nothing


async def test_whole_case_page_shows_confidential_and_coach_notes_to_coaches(
    client, make_person, library
):
    await log_in(client, make_person(Role.COACH).email)
    page = await client.get("/cases/late-night-bakery")
    assert page.status_code == 200
    assert "Confidential instructions" in page.text and "Coach notes" in page.text
    assert (await client.get("/cases/no-such-case")).status_code == 404


async def test_upload_with_problems_shows_each_beside_its_line_and_saves_nothing(
    client, make_person, database
):
    token = await _staff(client, make_person)
    broken = FIXTURE.replace("difficulty: 2", "difficulty: 9").replace(
        "kind: party\n    name: Mei", "kind: parti\n    name: Mei"
    )
    response = await client.post("/cases/new", data={"source": broken, "csrf_token": token})
    assert response.status_code == 400
    assert "2 problems found; nothing was saved" in response.text
    difficulty_line = broken.splitlines().index("difficulty: 9") + 1
    row = response.text.split(f'id="line-{difficulty_line}"', 1)[1].split("</tr>", 1)[0]
    assert "difficulty" in row and "1 to 5" in row
    assert broken.splitlines()[0] in response.text  # what was typed is kept
    with database.session() as session:
        assert session.exec(select(CaseVersion)).all() == []


async def test_upload_a_file_then_edit_makes_versions_and_sessions_keep_theirs(
    client, make_person, database, make_session
):
    token = await _staff(client, make_person)
    response = await client.post(
        "/cases/new",
        files={"file": ("quiet-hours.yaml", FIXTURE.encode(), "text/yaml")},
        data={"csrf_token": token},
    )
    assert (
        response.status_code == 303 and response.headers["location"] == "/cases/quiet-hours?saved=1"
    )
    session = make_session([make_person(Role.TRAINEE) for _ in range(3)], case_id="quiet-hours")
    edit = await client.get("/cases/quiet-hours/edit")
    assert "Quiet Hours" in edit.text
    changed = FIXTURE.replace("title: Quiet Hours", "title: Quiet Hours, revised")
    response = await client.post(
        "/cases/quiet-hours/edit", data={"source": changed, "csrf_token": token}
    )
    assert response.headers["location"] == "/cases/quiet-hours?saved=2"
    same = await client.post(
        "/cases/quiet-hours/edit", data={"source": changed, "csrf_token": token}
    )
    assert (
        same.headers["location"] == "/cases/quiet-hours?saved=2"
    )  # unchanged text: no new version
    renamed = changed.replace("id: quiet-hours", "id: other-id")
    refused = await client.post(
        "/cases/quiet-hours/edit", data={"source": renamed, "csrf_token": token}
    )
    assert refused.status_code == 400 and "keep its id" in refused.text
    page = (await client.get("/cases/quiet-hours")).text
    assert "Quiet Hours, revised" in page and "version 2 of 2" in page
    assert "Quiet Hours</h1>" in (await client.get("/cases/quiet-hours?version=1")).text
    with database.session() as db:
        breakout = db.get(Breakout, session.id)
        assert db.get(CaseVersion, breakout.case_version_id).version == 1
        assert case_store.latest_version(db, "quiet-hours").version == 2
    assert "Quiet Hours</h1>" in (await client.get(f"/sessions/{session.id}")).text


async def test_oversized_upload_is_refused(client, make_person):
    token = await _staff(client, make_person)
    big = b"x: " + b"y" * (1024 * 1024 + 10)
    response = await client.post(
        "/cases/new", files={"file": ("big.yaml", big, "text/yaml")}, data={"csrf_token": token}
    )
    assert response.status_code == 400 and "larger than 1 MiB" in response.text


async def test_script_and_event_handlers_never_reach_a_page(client, make_person, make_session):
    token = await _staff(client, make_person)
    response = await client.post("/cases/new", data={"source": HOSTILE, "csrf_token": token})
    assert response.status_code == 303, response.text[:2000]
    trainee = make_person(Role.TRAINEE)
    session = make_session(
        [make_person(Role.TRAINEE), trainee, make_person(Role.TRAINEE)], case_id="quiet-hours"
    )
    pages = [(await client.get("/cases/quiet-hours")).text]
    await log_in(client, trainee.email)
    pages.append((await client.get(f"/sessions/{session.id}")).text)
    for html in pages:
        assert _dangerous_markup(html) == []
        assert "alert(1)" in html or "alert(2)" in html or "steal" in html or "Juma" in html
    assert "Juma fears" in pages[1]  # the trainee holds the tenant role and reads its text


async def test_trainee_reads_only_their_own_confidential_instructions(
    client, make_person, make_session, database
):
    people = [make_person(Role.TRAINEE) for _ in range(3)]
    session = make_session(people, case_id="late-night-bakery", starts_in=timedelta(hours=1))
    with database.session() as db:
        case = case_store.case_of(db.get(CaseVersion, db.get(Breakout, session.id).case_version_id))
    mediator, first, second = (
        case.mediator_roles[0],
        case.required_parties[0],
        case.required_parties[1],
    )
    await log_in(client, people[1].email)  # holds the first party's role
    page = (await client.get(f"/sessions/{session.id}")).text
    assert _snippet(first.confidential) in page
    assert _snippet(second.confidential) not in page
    assert _snippet(case.coach_notes) not in page
    if mediator.confidential:
        assert _snippet(mediator.confidential) not in page
    assert _snippet(second.brief) in page  # public briefs are for everyone in the session
    api = (await client.get("/api/sessions")).text
    assert _snippet(first.confidential) not in api and _snippet(second.confidential) not in api
    for url in ("/cases", "/cases/late-night-bakery", "/cases/late-night-bakery?version=1"):
        assert (await client.get(url)).status_code == 403
    outsider = make_person(Role.TRAINEE)
    await log_in(client, outsider.email)
    for guess in (session.id, session.id + 1, 0, 999):
        response = await client.get(f"/sessions/{guess}")
        assert response.status_code == 404 and _snippet(first.confidential) not in response.text


async def test_every_role_is_revealed_to_members_after_the_session(
    client, make_person, make_session, database
):
    people = [make_person(Role.TRAINEE) for _ in range(3)]
    session = make_session(people, case_id="late-night-bakery", starts_in=timedelta(hours=-2))
    with database.session() as db:
        case = case_store.case_of(db.get(CaseVersion, db.get(Breakout, session.id).case_version_id))
    assert case.reveal_after
    await log_in(client, people[1].email)
    page = (await client.get(f"/sessions/{session.id}")).text
    assert "every role's instructions are open" in page
    for party in case.party_roles:
        assert _snippet(party.confidential) in page
    assert _snippet(case.coach_notes) not in page


class _TagAudit(HTMLParser):
    """Collects real elements and attributes that could run script."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "iframe", "object", "embed", "img"}:
            self.found.append(tag)
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"{tag} {name}={value}")


def _dangerous_markup(html: str) -> list[str]:
    audit = _TagAudit()
    audit.feed(html)
    return audit.found


def _snippet(markdown: str) -> str:
    """A run of plain words from a Markdown text, which the rendered page holds unchanged."""
    for line in markdown.splitlines():
        match = re.search(r"[A-Za-z][A-Za-z ]{24,}[A-Za-z]", line)
        if match:
            return match.group(0)
    raise AssertionError("no plain run of words in the text")
