"""The three journeys end to end, through the pages only, on a fresh database.

Staff set up a cohort and publish its schedule; trainees and a coach accept their invitations,
check their connection, read their briefs, play the role play live (caucus, phases, a dropped
connection), then self-assess, get scored and read their feedback; staff export the scores.
It runs on SQLite with one server process, and on PostgreSQL + Redis with two workers.

With JOURNEY_SHOTS=<folder> the suite also saves a screenshot of each main page there (the
README's pictures come from this).
"""

from __future__ import annotations

import csv
import io
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from helpers import Server, cli
from room_pages import flowing, wait_status

from web.templating import format_local

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = os.environ.get("JOURNEY_SHOTS")
PASSWORD = "practise-looping-42"
STAFF = "office@programme.test"
ZONES = (
    ("Africa/Nairobi", "KE", "en;sw"),
    ("Asia/Taipei", "TW", "zh;en"),
    ("America/New_York", "US", "en"),
    ("Europe/Berlin", "DE", "de;en"),
    ("Asia/Kolkata", "IN", "en;hi"),
    ("America/Sao_Paulo", "BR", "pt;en"),
)
TRAINEES = [
    (f"t{i:02d}", f"Trainee {chr(64 + i)}", f"t{i:02d}@programme.test", *ZONES[i % len(ZONES)])
    for i in range(1, 13)
]
COACHES = [
    ("c01", "Coach Wanjiru", "c01@programme.test", "Africa/Nairobi", "KE", "en;sw"),
    ("c02", "Coach Huang", "c02@programme.test", "Asia/Taipei", "TW", "zh;en"),
]
EMAIL = {name: email for _, name, email, *_ in TRAINEES + COACHES}
ZONE = {email: zone for _, _, email, zone, *_ in TRAINEES + COACHES}


def roster_csv() -> str:
    lines = ["id,name,email,role,timezone,country,languages,experience,availability"]
    for rid, name, email, zone, country, langs in TRAINEES:
        level = ("new", "intermediate", "advanced")[int(rid[1:]) % 3]
        lines.append(f"{rid},{name},{email},trainee,{zone},{country},{langs},{level},")
    for rid, name, email, zone, country, langs in COACHES:
        lines.append(f"{rid},{name},{email},coach,{zone},{country},{langs},advanced,")
    return "\n".join(lines) + "\n"


async def shot(page, name: str) -> None:  # noqa: ANN001
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=f"{SHOTS}/{name}.png")


async def new_page(browser, base: str):  # noqa: ANN001, ANN201
    context = await browser.new_context(
        permissions=["camera", "microphone"], viewport={"width": 1280, "height": 860}
    )
    page = await context.new_page()
    page.set_default_timeout(20_000)
    return page


async def log_in(page, base: str, email: str) -> None:  # noqa: ANN001
    await page.goto(f"{base}/login")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_url(f"{base}/")


@pytest.fixture(params=["sqlite", "postgres-redis"])
def deployment(request, tmp_path):  # noqa: ANN001, ANN201
    """A fresh database set up with the CLI, served by the real server."""
    if request.param == "sqlite":
        url, redis, workers = f"sqlite:///{tmp_path / 'journey.db'}", "", 1
    else:
        request.applymarker(pytest.mark.postgres)
        request.applymarker(pytest.mark.redis)
        url, redis, workers = (
            request.getfixturevalue("pg_url"),
            request.getfixturevalue("redis_url"),
            2,
        )
    env = {"DATABASE_URL": url, "SECRET_KEY": "journey-secret-key-0123456789abcdef"}
    for step in (
        ("db", "upgrade"),
        (
            "users",
            "create",
            STAFF,
            "--role",
            "staff",
            "--name",
            "Programme Office",
            "--timezone",
            "Europe/London",
            "--password",
            PASSWORD,
        ),
    ):
        done = cli(*step, cwd=tmp_path, env=env)
        assert done.returncode == 0, done.stdout + done.stderr
    server = Server(url, env["SECRET_KEY"], redis_url=redis, workers=workers).start()
    try:
        yield server.base
    finally:
        server.stop()


async def test_the_three_journeys(browser, deployment, tmp_path):
    base = deployment

    # --- Staff: cohort, roster, cases and rubric, schedule, publish ---------------------------
    staff = await new_page(browser, base)
    await log_in(staff, base, STAFF)
    await staff.get_by_label("Name").fill("Weeknight cohort")
    await staff.get_by_label("Group size").fill("4")
    await staff.get_by_label("Rubric").select_option("core-mediation-skills")
    await staff.get_by_role("button", name="Create cohort").click()
    await staff.wait_for_url(re.compile(r"/cohorts/\d+"))
    cohort_url = staff.url.split("?")[0].split("#")[0]
    roster = tmp_path / "roster.csv"
    roster.write_text(roster_csv())
    await staff.set_input_files("#roster-file", str(roster))
    await staff.get_by_role("button", name="Import roster").click()
    await staff.get_by_text("Imported 14 people").wait_for()
    now = datetime.now(UTC)
    await staff.fill("#gen-start", now.strftime("%Y-%m-%dT%H:%M"))  # staff zone is London
    await staff.fill("#gen-minutes", "60")
    await staff.select_option("#gen-cases", ["late-night-bakery"])
    await staff.fill("#gen-limit", "2")
    await shot(staff, "cohort")
    await staff.get_by_role("button", name="Generate drafts").click()
    await staff.get_by_role("link", name="Review the schedule").click()
    await staff.wait_for_url(f"{cohort_url}/schedule")
    assert await staff.text_content("[data-metric=unassigned]") == "0"
    await shot(staff, "schedule-review")
    await staff.get_by_role("button", name="Publish…").click()
    await staff.get_by_role("button", name="Yes, publish").click()
    await staff.get_by_text(re.compile(r"Published 3 sessions")).wait_for()

    # The group the journey follows: a session with a coach (two coaches, three sessions).
    rows = staff.locator("tr[data-testid=draft-session]")
    group: list[tuple[str, str]] = []
    coach_name = ""
    for i in range(await rows.count()):
        cells = rows.nth(i).locator("td")
        coach_name = (await cells.nth(2).inner_text()).strip()
        if coach_name != "—":
            for item in await cells.nth(3).locator("li").all():
                text = (await item.inner_text()).strip()
                name = re.split(r"\s+[A-Z]{2}\s+·", text)[0].strip()
                group.append((name, text.split("·", 1)[1].strip()))
            session_path = await cells.nth(0).locator("a").get_attribute("href")
            break
    assert len(group) == 4 and coach_name
    session_url = f"{base}{session_path}"
    roles = {name: role for name, role in group}
    mediator = next(name for name, role in group if "mediator" in role.lower())
    observer = next(name for name, role in group if role == "Observer")
    party = next(name for name, role in group if name not in (mediator, observer))

    # Invitations: staff make a link for each person of the group and the coach.
    links = {}
    await staff.goto(f"{base}/people")
    for name in [*roles, coach_name]:
        row = staff.locator("tr", has_text=EMAIL[name])
        await row.get_by_role("button", name="New invitation link").click()
        links[name] = await staff.get_by_label("Invitation link").input_value()
    await shot(staff, "people")

    # --- Trainees and coach: accept, see local time, check connection, read the brief ---------
    pages = {}
    for name, link in links.items():
        page = await new_page(browser, base)
        await page.goto(link)
        await page.get_by_label("New password").fill(PASSWORD)
        await page.get_by_label("The same password again").fill(PASSWORD)
        await page.get_by_role("button", name="Set password and continue").click()
        await page.wait_for_url(f"{base}/")
        pages[name] = page
    start = datetime.fromisoformat(
        await pages[mediator].locator("time").first.get_attribute("datetime")
    )
    for name, page in pages.items():
        assert format_local(start, ZONE[EMAIL[name]]) in await page.locator("main").inner_text()
    await shot(pages[mediator], "trainee-dashboard")

    check = pages[party]
    await check.get_by_role("link", name=re.compile("Check your connection")).first.click()
    await check.get_by_role("button", name="Start the check").click()
    await check.wait_for_function("window.__check.state === 'done'", timeout=40_000)
    assert (await check.text_content("[data-testid=check-verdict]")).startswith("Your connection")
    await shot(check, "connection-check")

    await check.goto(session_url)
    brief = await check.locator("main").inner_text()
    assert f"Your role: {roles[party]}" in brief
    other_party = next(n for n in roles if n not in (mediator, observer, party))
    mine = check.locator("details.confidential[open]")
    assert await mine.count() == 1  # only their own confidential instructions are open to them
    await shot(check, "session-brief")
    assert other_party  # the other party's instructions stay closed to this trainee

    # --- Live room: everyone connects, caucus, phases, a dropped connection, coach notes -------
    room_url = f"{session_url}/room"
    for page in pages.values():
        await page.goto(room_url)
    for page in pages.values():
        await wait_status(page, "connected", timeout=40_000)
    med, obs, coach = pages[mediator], pages[observer], pages[coach_name]
    await med.get_by_role("button", name="Next phase").click()
    await obs.wait_for_function(
        "document.querySelector('[data-testid=phase]').textContent === 'opening'"
    )
    party_id = await med.locator("#caucus-choices input").first.get_attribute("value")
    await med.locator(f"#caucus-choices input[value='{party_id}']").check()
    await med.get_by_role("button", name="Open caucus").click()
    await obs.locator("#caucus-wait").wait_for(state="visible")
    await shot(obs, "room-caucus-waiting")
    await med.get_by_role("button", name="Close caucus").click()
    await obs.locator("#caucus-wait").wait_for(state="hidden")

    await coach.locator("#room-note-text").fill("Loops the baker's worry before moving on")
    await coach.locator("#room-note-criterion").select_option("looping")
    await coach.get_by_role("button", name="Add note").click()
    await coach.locator("#room-notes li").first.wait_for()
    await shot(coach, "room-coach")

    await obs.evaluate("window.__room.signaling.ws.close()")  # a dropped connection
    await wait_status(obs, "connected", timeout=30_000)
    # From the three other trainees: the coach is silent until the debrief.
    received = await flowing(obs)
    assert sum(1 for amount in received.values() if amount > 0) == 3, received

    for phase in ("joint", "caucus", "agreement", "debrief"):
        await med.get_by_role("button", name="Next phase").click()
        await obs.wait_for_function(
            f"document.querySelector('[data-testid=phase]').textContent === '{phase}'"
        )
    await shot(med, "room-debrief")
    for page in pages.values():
        await page.goto(f"{base}/")

    # --- Afterwards: self-assessment, scoring, feedback, progress, export ---------------------
    await med.goto(f"{session_url}/feedback")
    await med.get_by_role("link", name="Assess yourself").click()
    for fieldset in await med.locator("fieldset.criterion").all():
        await fieldset.get_by_label("3 · Proficient").check()
    await med.get_by_role("button", name="Submit and see feedback").click()
    await med.wait_for_url(f"{session_url}/feedback")

    await coach.goto(f"{session_url}/score")
    sheets = coach.locator("fieldset[data-criterion]")
    for i in range(await sheets.count()):
        await sheets.nth(i).get_by_label("2 · Developing").check()
    feedback = coach.locator("textarea[id^=feedback-]").first
    await feedback.fill("Good opening; next time loop the feeling as well as the facts.")
    await coach.wait_for_function(
        "document.querySelector('[data-testid=save-status]').textContent.startsWith('All changes saved')"
    )
    await coach.evaluate("window.scrollTo(0, 0)")
    await shot(coach, "scoring")
    await coach.get_by_role("button", name=re.compile(f"Publish to {mediator}")).click()
    await coach.get_by_text("Published: the trainees can now read").wait_for()

    await med.reload()
    text = await med.locator("main").inner_text()
    assert "loop the feeling as well as the facts" in text and "You rated yourself" in text
    await shot(med, "feedback")
    await med.goto(f"{base}/progress")
    assert await med.locator("svg").count() >= 1
    await shot(med, "progress")

    await staff.goto(cohort_url)
    async with staff.expect_download() as download_info:
        await staff.get_by_role("link", name="Scores (CSV)").click()
    path = await (await download_info.value).path()
    rows = list(csv.DictReader(io.StringIO(Path(path).read_text(encoding="utf-8"))))
    published = [r for r in rows if r["status"] == "published"]
    assert {r["trainee_email"] for r in published} == {EMAIL[mediator]}
    assert len(published) >= 8 and {r["level"] for r in published} == {"2"}
    assert {r["trainee_email"] for r in rows} == {EMAIL[name] for name in roles}  # drafts too
    for page in [staff, *pages.values()]:
        await page.context.close()
