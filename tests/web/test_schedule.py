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
    assert generated.status_code == 200, generated.text[:2000]
    assert "<progress" in generated.text and "Made 4 draft sessions" in generated.text
    assert f'href="/cohorts/{cohort_id}/schedule"' in generated.text
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
    assert again.status_code == 200 and "Made 4 draft sessions" in again.text
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
    assert more.status_code == 200 and 'data-testid="generated"' in more.text
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


async def _generate(client, cohort_id: int, token: str, rounds: int = 2) -> None:
    response = await client.post(
        f"/cohorts/{cohort_id}/schedule",
        data={
            "csrf_token": token,
            "rounds": str(rounds),
            "first_start": "2026-03-02T18:00",
            "seed": "5",
            "time_limit": "1",
            "duration_minutes": "90",
        },
    )
    assert 'data-testid="generated"' in response.text, response.text[-1500:]


def _seats(database, cohort_id: int) -> dict[tuple[int, str], tuple[int, str, bool]]:
    """(round, email) -> (breakout id, role, locked) of the cohort's draft seats."""
    from simulator.models import Seat

    with database.session() as session:
        rows = session.exec(
            select(Seat, Breakout, Person)
            .join(Breakout, Breakout.id == Seat.breakout_id)
            .join(Person, Person.id == Seat.person_id)
            .where(Breakout.cohort_id == cohort_id)
        ).all()
    return {(b.round, p.email): (b.id, s.role_id, s.locked) for s, b, p in rows}


def _person_id(database, email: str) -> int:
    with database.session() as session:
        return session.exec(select(Person).where(Person.email == email)).one().id


async def test_lock_swap_and_rerun_keep_what_staff_arranged(client, make_person, database, library):
    cohort_id, token = await _staff(client, make_person, database)
    await _upload(client, cohort_id, token, ROSTER)
    await _generate(client, cohort_id, token)
    before = _seats(database, cohort_id)
    # Two trainees of round 1 in different sessions.
    t1 = before[(1, "t01@example.org")]
    other = next(email for (r, email), seat in before.items() if r == 1 and seat[0] != t1[0])
    t2 = before[(1, other)]

    swapped = await client.post(
        f"/cohorts/{cohort_id}/swap",
        data={
            "csrf_token": token,
            "round": "1",
            "first": str(_person_id(database, "t01@example.org")),
            "second": str(_person_id(database, other)),
        },
    )
    assert swapped.status_code == 303
    page = (await client.get(swapped.headers["location"])).text
    assert "both seats are locked" in page and '<span class="badge">locked</span>' in page
    after = _seats(database, cohort_id)
    assert after[(1, "t01@example.org")] == (t2[0], t2[1], True)
    assert after[(1, other)] == (t1[0], t1[1], True)

    # Lock one more seat in round 2, then unlock and lock again through the form.
    seat_ids = {}
    from simulator.models import Seat

    with database.session() as session:
        for seat, _breakout, person in session.exec(
            select(Seat, Breakout, Person)
            .join(Breakout, Breakout.id == Seat.breakout_id)
            .join(Person, Person.id == Seat.person_id)
            .where(Breakout.round == 2)
        ):
            seat_ids[person.email] = seat.id
    r2 = seat_ids["t03@example.org"]
    for value in ("yes", "no", "yes"):
        response = await client.post(
            f"/cohorts/{cohort_id}/locks", data={"csrf_token": token, "seat": r2, "lock": value}
        )
        assert response.status_code == 303
    assert _seats(database, cohort_id)[(2, "t03@example.org")][2] is True
    locked = {k: v for k, v in _seats(database, cohort_id).items() if v[2]}
    assert len(locked) == 3

    for seed in ("11", "12"):
        rerun = await client.post(
            f"/cohorts/{cohort_id}/rerun",
            data={"csrf_token": token, "seed": seed, "time_limit": "1"},
        )
        assert rerun.status_code == 200 and "Made 4 draft sessions" in rerun.text, rerun.text
        now = _seats(database, cohort_id)
        with database.session() as session:
            starts = {b.id: b.start for b in session.exec(select(Breakout))}
        for (round_no, email), (bid, role, _) in locked.items():
            new_bid, new_role, still = now[(round_no, email)]
            assert new_role == role and still, (email, role, new_role)
            assert starts[new_bid] == starts.get(bid, starts[new_bid])
        # The two swapped people still share no session with their old groups' seat.
        assert now[(1, "t01@example.org")][0] != now[(1, other)][0]
        assert len(now) == 16  # everyone still seated in both rounds


async def test_swap_and_lock_refuse_bad_requests(client, make_person, database, library):
    cohort_id, token = await _staff(client, make_person, database)
    await _upload(client, cohort_id, token, ROSTER)
    no_drafts = await client.post(
        f"/cohorts/{cohort_id}/rerun", data={"csrf_token": token, "seed": "1", "time_limit": "1"}
    )
    assert no_drafts.status_code == 400 and "generate rounds first" in no_drafts.text
    await _generate(client, cohort_id, token, rounds=1)
    t1 = _person_id(database, "t01@example.org")
    same = await client.post(
        f"/cohorts/{cohort_id}/swap",
        data={"csrf_token": token, "round": "1", "first": t1, "second": t1},
    )
    assert same.status_code == 400 and "two different people" in same.text
    coach = _person_id(database, "c01@example.org")
    with_coach = await client.post(
        f"/cohorts/{cohort_id}/swap",
        data={"csrf_token": token, "round": "1", "first": t1, "second": coach},
    )
    assert with_coach.status_code == 400 and "trainees of this cohort" in with_coach.text
    wrong_round = await client.post(
        f"/cohorts/{cohort_id}/swap",
        data={"csrf_token": token, "round": "7", "first": t1, "second": t1 + 1},
    )
    assert wrong_round.status_code == 400 and "no draft sessions" in wrong_round.text
    missing = await client.post(
        f"/cohorts/{cohort_id}/locks", data={"csrf_token": token, "seat": "99999", "lock": "yes"}
    )
    assert missing.status_code == 404
