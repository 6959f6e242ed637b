"""Staff keep rubrics in the browser: upload, read, edit as versions, and never orphan a score."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import yaml
from helpers import csrf_from, log_in
from sqlmodel import select

from coaching.rubric import bundled_rubrics_dir
from simulator.models import Cohort, Role, RubricVersion

FIXTURE = (Path(__file__).parents[1] / "coaching" / "fixtures" / "core-skills.yaml").read_text()
CASE = (Path(__file__).parents[1] / "scenarios" / "fixtures" / "quiet-hours.yaml").read_text()
BUNDLED = "core-mediation-skills"
BUNDLED_TEXT = (bundled_rubrics_dir() / f"{BUNDLED}.yaml").read_text()


async def _staff(client, make_person) -> str:
    await log_in(client, make_person(Role.STAFF).email)
    return csrf_from((await client.get("/rubrics/new")).text)


def _versions(database, rubric_id: str) -> list[int]:
    with database.session() as session:
        rows = session.exec(select(RubricVersion).where(RubricVersion.rubric_id == rubric_id))
        return sorted(v.version for v in rows)


def _without(text: str, *, criterion: str | None = None, level: int | None = None) -> str:
    """The rubric text with one criterion or one scale level taken out (still a valid rubric)."""
    data = yaml.safe_load(text)
    if criterion:
        data["criteria"] = [c for c in data["criteria"] if c["id"] != criterion]
    if level:
        data["scale"] = [s for s in data["scale"] if s["value"] != level]
        for c in data["criteria"]:
            c["descriptors"].pop(level)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


async def test_an_uploaded_rubric_is_listed_shown_and_usable_by_cohorts_and_cases(
    client, make_person, database
):
    token = await _staff(client, make_person)
    response = await client.post(
        "/rubrics/new",
        files={"file": ("core-skills.yaml", FIXTURE.encode(), "text/yaml")},
        data={"csrf_token": token},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/rubrics/core-skills?saved=1"
    listing = (await client.get("/rubrics")).text
    row = listing.split('href="/rubrics/core-skills"', 1)[1].split("</tr>", 1)[0]
    assert "Core mediation skills" in row and "<td>2</td>" in row  # two criteria
    page = (await client.get(response.headers["location"])).text
    assert "Saved as version 1" in page
    assert '<th scope="col">3 · Secure</th>' in page  # a column per level
    assert "Loops until the party confirms they feel understood." in page  # a descriptor cell

    dashboard = (await client.get("/")).text
    assert '<option value="core-skills"' in dashboard  # the new-cohort form offers it
    created = await client.post(
        "/cohorts",
        data={"name": "Rubric cohort", "group_size": "3", "rubric_id": "core-skills"},
        headers={"X-CSRF-Token": token},
    )
    assert created.status_code == 303
    with database.session() as session:
        cohort = session.exec(select(Cohort).where(Cohort.name == "Rubric cohort")).one()
        assert cohort.rubric_id == "core-skills"
    refused = await client.post(
        "/cohorts",
        data={"name": "Typo", "group_size": "3", "rubric_id": "no-such", "csrf_token": token},
    )
    assert refused.status_code == 400 and "There is no rubric" in refused.text

    case = CASE.replace(f"rubric: {BUNDLED}", "rubric: core-skills")
    assert case != CASE
    saved = await client.post("/cases/new", data={"source": case, "csrf_token": token})
    assert saved.status_code == 303, saved.text[:2000]  # a new case may name the new rubric
    page = (await client.get("/rubrics/core-skills")).text
    assert "Rubric cohort" in page and "Quiet Hours" in page  # "used by"


async def test_invalid_rubric_shows_line_numbered_problems_and_stores_nothing(
    client, make_person, database
):
    token = await _staff(client, make_person)
    broken = FIXTURE.replace("    label: Secure", "    label: ''").replace(
        "      3: Even-handed throughout, and seen to be.\n", ""
    )
    response = await client.post("/rubrics/new", data={"source": broken, "csrf_token": token})
    assert response.status_code == 400
    assert "2 problems found; nothing was saved" in response.text
    label_line = broken.splitlines().index("    label: ''") + 1
    assert re.search(rf">{label_line}:\d+</a>: ", response.text)  # `line:col: message`
    assert f'id="line-{label_line}"' in response.text  # and beside the line itself
    assert "no text for scale value 3" in response.text
    assert "title: Core mediation skills" in response.text  # what was typed is kept
    not_yaml = await client.post(
        "/rubrics/new", data={"source": "id: [unclosed\n", "csrf_token": token}
    )
    assert not_yaml.status_code == 400 and re.search(r">\d+:\d+</a>: ", not_yaml.text)
    taken = await client.post("/rubrics/new", data={"source": BUNDLED_TEXT, "csrf_token": token})
    assert taken.status_code == 400 and "exists already" in taken.text
    reserved = FIXTURE.replace("id: core-skills", "id: new")
    refused = await client.post("/rubrics/new", data={"source": reserved, "csrf_token": token})
    assert refused.status_code == 400 and "reserved" in refused.text
    assert _versions(database, "core-skills") == [] and _versions(database, BUNDLED) == [1]


async def test_edits_make_versions_and_keep_the_id(client, make_person, database):
    token = await _staff(client, make_person)
    await client.post("/rubrics/new", data={"source": FIXTURE, "csrf_token": token})
    edit_page = await client.get("/rubrics/core-skills/edit")
    assert "id: core-skills" in edit_page.text and 'name="csrf_token"' in edit_page.text
    changed = FIXTURE.replace("name: Looping", "name: Looping back")
    response = await client.post(
        "/rubrics/core-skills/edit", data={"source": changed, "csrf_token": token}
    )
    assert response.headers["location"] == "/rubrics/core-skills?saved=2"
    same = await client.post(
        "/rubrics/core-skills/edit", data={"source": changed, "csrf_token": token}
    )
    assert same.headers["location"] == "/rubrics/core-skills?unchanged=2"
    assert "no new version" in (await client.get(same.headers["location"])).text
    renamed = changed.replace("id: core-skills", "id: other-skills")
    refused = await client.post(
        "/rubrics/core-skills/edit", data={"source": renamed, "csrf_token": token}
    )
    assert refused.status_code == 400 and "keep `id: core-skills`" in refused.text
    assert _versions(database, "core-skills") == [1, 2]
    assert _versions(database, "other-skills") == []
    page = (await client.get("/rubrics/core-skills")).text
    assert "Looping back" in page and "version 2 of 2" in page
    old = (await client.get("/rubrics/core-skills?version=1")).text
    assert "This is an old version" in old and "Looping back" not in old


async def test_an_edit_may_not_drop_what_scores_use(client, make_person, make_session, database):
    coach, trainees = make_person(Role.COACH), [make_person(Role.TRAINEE) for _ in range(3)]
    session = make_session(trainees, coach=coach, starts_in=timedelta(hours=-2))
    await log_in(client, coach.email)
    token = csrf_from((await client.get("/profile")).text)
    scored = await client.post(
        f"/api/sessions/{session.id}/scores",
        json={"trainee": trainees[0].id, "criterion": "opening", "level": 4},
        headers={"X-CSRF-Token": token},
    )
    assert scored.status_code == 200

    token = await _staff(client, make_person)
    for source, named in [
        (_without(BUNDLED_TEXT, criterion="opening"), "criterion `opening`"),
        (_without(BUNDLED_TEXT, level=4), "scale value 4"),
    ]:
        refused = await client.post(
            f"/rubrics/{BUNDLED}/edit", data={"source": source, "csrf_token": token}
        )
        assert refused.status_code == 400 and named in refused.text
        assert "nothing was saved" in refused.text
    assert _versions(database, BUNDLED) == [1]

    unused = _without(BUNDLED_TEXT, criterion="culture")
    renamed = unused.replace("name: Opening and ground rules", "name: Opening the session")
    saved = await client.post(
        f"/rubrics/{BUNDLED}/edit", data={"source": renamed, "csrf_token": token}
    )
    assert saved.status_code == 303 and _versions(database, BUNDLED) == [1, 2]
    await log_in(client, coach.email)  # the scoring sheet follows the newest version
    sheet = (await client.get(f"/sessions/{session.id}/score")).text
    assert "Opening the session" in sheet and 'data-criterion="culture"' not in sheet


async def test_only_staff_reach_rubrics(client, make_person):
    for role in (Role.COACH, Role.TRAINEE):
        await log_in(client, make_person(role).email)
        token = csrf_from((await client.get("/profile")).text)
        assert (await client.get("/rubrics")).status_code == 403
        assert (await client.get(f"/rubrics/{BUNDLED}")).status_code == 403
        posted = await client.post("/rubrics/new", data={"source": FIXTURE, "csrf_token": token})
        assert posted.status_code == 403
    staff_token = await _staff(client, make_person)
    assert staff_token
    page = (await client.get("/rubrics")).text
    assert 'href="/rubrics/new"' in page and '<a href="/rubrics">Rubrics</a>' in page
