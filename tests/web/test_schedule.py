"""Staff import a roster, generate rounds, review the drafts and publish them; trainees then see them."""

from __future__ import annotations

from helpers import PASSWORD, csrf_from, log_in
from sqlmodel import select

from simulator import accounts
from simulator.models import Breakout, BreakoutStatus, Cohort, Membership, Person, Role

HEADER = "id,name,email,role,timezone,country,languages,experience,availability\n"
ZONES = (
    ("Africa/Nairobi", "KE"),
    ("Asia/Taipei", "TW"),
    ("America/Chicago", "US"),
    ("Europe/Berlin", "DE"),
)
ROSTER = (
    HEADER
    + "".join(
        f"t{i:02d},Trainee {i},t{i:02d}@example.org,trainee,{ZONES[i % 4][0]},{ZONES[i % 4][1]},en,new,\n"
        for i in range(1, 9)
    )
    + "c01,Coach One,c01@example.org,coach,Europe/London,GB,en,advanced,\n"
)


async def _staff(client, make_person, database) -> tuple[int, str]:
    staff = make_person(Role.STAFF, timezone="Africa/Nairobi")
    with database.session() as session:
        cohort = Cohort(name="Evening cohort", group_size=4)
        session.add(cohort)
        session.flush()
        cohort_id = cohort.id
    await log_in(client, staff.email)
    token = csrf_from((await client.get(f"/cohorts/{cohort_id}")).text)
    return cohort_id, token


async def _upload(client, cohort_id: int, token: str, text: str):
    return await client.post(
        f"/cohorts/{cohort_id}/roster",
        data={"csrf_token": token},
        files={"roster": ("roster.csv", text.encode(), "text/csv")},
    )


async def test_roster_errors_are_listed_and_nothing_is_imported(client, make_person, database):
    cohort_id, token = await _staff(client, make_person, database)
    bad = ROSTER.replace(
        "t03,Trainee 3,t03@example.org,trainee", "t03,Trainee 3,t03@example,trainee"
    )
    bad = bad.replace(",en,new,\n", ",en,expert,\n", 1)
    response = await _upload(client, cohort_id, token, bad)
    assert response.status_code == 400
    assert "Nobody was imported" in response.text
    assert "line 2, column experience" in response.text
    assert "line 4, column email" in response.text
    with database.session() as session:
        assert session.exec(select(Membership)).all() == []
    empty = await client.post(f"/cohorts/{cohort_id}/roster", data={"csrf_token": token})
    assert empty.status_code == 400 and "Choose a roster CSV file" in empty.text


async def test_roster_import_generate_review_publish(client, make_person, database, library):
    cohort_id, token = await _staff(client, make_person, database)
    response = await _upload(client, cohort_id, token, ROSTER)
    assert response.status_code == 303
    page = await client.get(response.headers["location"])
    assert "Imported 9 people" in page.text and "People page" in page.text
    assert "Trainee 8" in page.text and "Coach One" in page.text

    bad = await client.post(
        f"/cohorts/{cohort_id}/schedule",
        data={
            "csrf_token": token,
            "rounds": "0",
            "first_start": "2026-03-02T18:00",
            "seed": "1",
            "time_limit": "1",
            "duration_minutes": "90",
        },
    )
    assert bad.status_code == 400 and "Rounds must be a number from 1 to 52" in bad.text
    generated = await client.post(
        f"/cohorts/{cohort_id}/schedule",
        data={
            "csrf_token": token,
            "rounds": "2",
            "first_start": "2026-03-02T18:00",
            "seed": "3",
            "time_limit": "1",
            "duration_minutes": "75",
        },
    )
    assert generated.status_code == 303, generated.text[:2000]
    with database.session() as session:
        drafts = session.exec(select(Breakout).where(Breakout.cohort_id == cohort_id)).all()
    assert {b.status for b in drafts} == {BreakoutStatus.DRAFT}
    assert {b.round for b in drafts} == {1, 2} and len(drafts) == 4
    # 18:00 in Nairobi (UTC+3) is 15:00 UTC; the second round a week later.
    assert {b.start.strftime("%d %H:%M") for b in drafts} == {"02 15:00", "09 15:00"}
    assert {b.duration_minutes for b in drafts} == {75}

    trainee = await _trainee(database, "t01@example.org")
    await log_in(client, trainee)
    assert "Evening cohort" not in (await client.get("/")).text
    assert (await client.get("/api/sessions")).json() == []

    token = await _staff_again(client, database, cohort_id)
    review = await client.get(f"/cohorts/{cohort_id}/schedule")
    assert review.status_code == 200
    assert review.text.count('data-testid="draft-session"') == 4
    assert "Mon 02 Mar 2026, 18:00 EAT" in review.text
    assert '<dd data-metric="repeat_pairs">4</dd>' in review.text  # 4 + 4 cannot avoid them
    assert '<dd data-metric="unassigned">0</dd>' in review.text
    assert "Coach One" in review.text and "By trainee" in review.text

    again = await client.post(
        f"/cohorts/{cohort_id}/schedule",
        data={
            "csrf_token": token,
            "rounds": "2",
            "first_start": "2026-03-02T18:00",
            "seed": "3",
            "time_limit": "1",
            "duration_minutes": "75",
        },
    )
    assert again.status_code == 303
    with database.session() as session:
        assert len(session.exec(select(Breakout)).all()) == 4  # drafts replaced, not added

    confirm = await client.post(f"/cohorts/{cohort_id}/publish", data={"csrf_token": token})
    assert confirm.status_code == 200 and "This publishes 4 draft sessions" in confirm.text
    with database.session() as session:
        assert {b.status for b in session.exec(select(Breakout))} == {BreakoutStatus.DRAFT}
    done = await client.post(
        f"/cohorts/{cohort_id}/publish", data={"csrf_token": token, "confirm": "yes"}
    )
    assert done.status_code == 303
    assert "Published 4 sessions" in (await client.get(done.headers["location"])).text

    await log_in(client, trainee)
    mine = (await client.get("/api/sessions")).json()
    assert len(mine) == 2
    assert all(any(seat["email"] == trainee for seat in s["seats"]) for s in mine)
    assert "Evening cohort" in (await client.get("/")).text

    token = await _staff_again(client, database, cohort_id)
    more = await client.post(
        f"/cohorts/{cohort_id}/schedule",
        data={
            "csrf_token": token,
            "rounds": "1",
            "first_start": "2026-03-16T18:00",
            "seed": "3",
            "time_limit": "1",
            "duration_minutes": "90",
        },
    )
    assert more.status_code == 303
    with database.session() as session:
        new = session.exec(select(Breakout).where(Breakout.status == BreakoutStatus.DRAFT)).all()
    assert {b.round for b in new} == {3}  # numbered on from the published rounds


async def test_generate_without_trainees_says_what_to_do(client, make_person, database, library):
    cohort_id, token = await _staff(client, make_person, database)
    response = await client.post(
        f"/cohorts/{cohort_id}/schedule",
        data={
            "csrf_token": token,
            "rounds": "1",
            "first_start": "2026-03-02T18:00",
            "seed": "1",
            "time_limit": "1",
            "duration_minutes": "90",
        },
    )
    assert response.status_code == 400 and "import a roster first" in response.text


async def _trainee(database, email: str) -> str:
    """Give an imported trainee a password, as accepting an invitation would."""
    with database.session() as session:
        person = session.exec(select(Person).where(Person.email == email)).one()
        session.add(
            accounts.Account(person_id=person.id, password_hash=accounts.hash_password(PASSWORD))
        )
    return email


async def _staff_again(client, database, cohort_id: int) -> str:
    """Log the staff member in again; returns the new session's CSRF token."""
    with database.session() as session:
        staff = session.exec(select(Person).where(Person.role == Role.STAFF)).one()
    await log_in(client, staff.email)
    return csrf_from((await client.get(f"/cohorts/{cohort_id}")).text)
