"""`mediation-sim roster import`, run as a user runs it."""

from __future__ import annotations

from helpers import cli
from sqlmodel import select

from simulator.models import Cohort, Membership, Person

HEADER = "id,name,email,role,timezone,country,languages,experience,availability\n"
GOOD = HEADER + (
    "t01,Brian Kiprono,brian@example.org,trainee,Africa/Nairobi,KE,en;sw,new,Sat 09:00-13:00\n"
    "c01,Huang Shu-fen,huang@example.org,coach,Asia/Taipei,TW,zh;en,advanced,\n"
)


def _cohort(database) -> int:
    with database.session() as session:
        cohort = Cohort(name="CLI cohort")
        session.add(cohort)
        session.flush()
        return cohort.id


def test_roster_import_adds_people(tmp_path, settings, database):
    cohort_id = _cohort(database)
    path = tmp_path / "roster.csv"
    path.write_text(GOOD, encoding="utf-8")
    env = {"DATABASE_URL": settings.database_url}
    result = cli("roster", "import", str(cohort_id), str(path), cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert "Imported 2 people into cohort" in result.stdout and "invite them" in result.stdout
    with database.session() as session:
        ids = {m.roster_id for m in session.exec(select(Membership))}
        assert ids == {"t01", "c01"}


def test_roster_import_lists_every_problem_and_imports_nothing(tmp_path, settings, database):
    cohort_id = _cohort(database)
    path = tmp_path / "roster.csv"
    path.write_text(
        GOOD.replace("Africa/Nairobi", "Nairobi").replace(",coach,", ",boss,"), encoding="utf-8"
    )
    env = {"DATABASE_URL": settings.database_url}
    result = cli("roster", "import", str(cohort_id), str(path), cwd=tmp_path, env=env)
    assert result.returncode == 1
    assert "nobody was imported" in result.stderr
    assert f"{path}: line 2, column timezone" in result.stderr
    assert f"{path}: line 3, column role" in result.stderr
    missing = cli("roster", "import", "999", str(path.with_name("nope.csv")), cwd=tmp_path, env=env)
    assert missing.returncode == 1 and "cannot read the roster" in missing.stderr
    with database.session() as session:
        assert session.exec(select(Person)).all() == []
