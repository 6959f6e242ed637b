"""The `mediation-sim` commands, run as a user runs them."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest
from helpers import cli, free_port, log_in, server_env, stop, wait_for_health
from sqlmodel import select

from simulator.db import Database
from simulator.models import Person, Role, Seat
from simulator.settings import settings_table_markdown


def test_settings_prints_the_table(tmp_path):
    result = cli("settings", cwd=tmp_path)
    assert result.returncode == 0 and settings_table_markdown() in result.stdout


def test_db_upgrade_then_users_create(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'prod.db'}"}
    result = cli("db", "upgrade", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert "is at revision" in result.stdout and "new case version" in result.stdout
    again = cli("db", "upgrade", cwd=tmp_path, env=env)
    assert "0 new case version(s)" in again.stdout  # the library load is idempotent
    created = cli(
        "users",
        "create",
        "--role",
        "staff",
        "Boss@Example.org",
        "--name",
        "Boss",
        cwd=tmp_path,
        env=env,
        input="long enough pw\nlong enough pw\n",
    )
    assert created.returncode == 0, created.stderr
    assert "Created staff boss@example.org" in created.stdout
    duplicate = cli(
        "users",
        "create",
        "--role",
        "staff",
        "boss@example.org",
        cwd=tmp_path,
        env=env,
        input="long enough pw\nlong enough pw\n",
    )
    assert duplicate.returncode == 1 and "already exists" in duplicate.stderr
    short = cli(
        "users",
        "create",
        "--role",
        "coach",
        "c@example.org",
        cwd=tmp_path,
        env=env,
        input="short\nshort\n",
    )
    assert short.returncode == 1 and "at least 8" in short.stderr


def test_users_create_on_an_unmigrated_database_says_what_to_run(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'none.db'}"}
    result = cli(
        "users",
        "create",
        "--role",
        "staff",
        "a@example.org",
        cwd=tmp_path,
        env=env,
        input="abcdefghi\nabcdefghi\n",
    )
    assert result.returncode == 1 and "mediation-sim db upgrade" in result.stderr


def test_serve_refuses_without_secret_key_or_migrations(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'prod.db'}", "SECRET_KEY": ""}
    result = cli("serve", "--port", str(free_port()), cwd=tmp_path, env=env)
    assert result.returncode == 1 and "SECRET_KEY is not set" in result.stderr
    env["SECRET_KEY"] = "k" * 40
    result = cli("serve", "--port", str(free_port()), cwd=tmp_path, env=env)
    assert result.returncode == 1 and "mediation-sim db upgrade" in result.stderr


@pytest.mark.slow
async def test_demo_serves_and_every_account_logs_in(tmp_path):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulator", "demo", "--port", str(port)],
        cwd=tmp_path,
        env=server_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(base, proc, timeout=60)
        health = httpx.get(f"{base}/healthz").json()
        assert health["status"] == "ok"
        emails = ["staff@demo.test", *(f"coach{i}@demo.test" for i in (1, 2, 3))]
        emails += [f"trainee{i:02d}@demo.test" for i in range(1, 25)]
        async with httpx.AsyncClient(base_url=base) as client:
            for email in emails:
                response = await log_in(client, email, "demo")
                assert response.status_code == 303, email
                home = await client.get("/")
                assert home.status_code == 200, email
                if email.startswith("trainee"):
                    assert "Live now" in home.text, email  # round 1 is live
                    items = (await client.get("/api/sessions")).json()
                    assert len(items) == 4  # three scored rounds behind, one live now
                    assert items[-1]["room_url"].endswith("/room")
                    progress = await client.get("/progress")
                    assert progress.status_code == 200 and "Levels over time" in progress.text
                    if email == "trainee01@demo.test":  # mediated twice: a chart with history
                        assert "<svg" in progress.text and "1 more session" in progress.text
                elif email.startswith("coach"):
                    assert "Live now" in home.text, email
                else:
                    assert "Global practice cohort" in home.text
    finally:
        output = stop(proc)
    assert "staff@demo.test" in output and "trainee24@demo.test" in output
    assert f"http://127.0.0.1:{port}/" in output
    database = Database(f"sqlite:///{tmp_path / 'mediation-sim-demo.db'}")
    with database.session() as session:
        trainees = session.exec(select(Person).where(Person.role == Role.TRAINEE)).all()
        seated = session.exec(select(Seat)).all()
    database.dispose()
    assert len(trainees) == 24 and len({p.timezone for p in trainees}) >= 8
    assert len(seated) == 4 * 24


def test_cases_validate_and_list(tmp_path):
    from scenarios.loader import bundled_library_dir

    ok = cli("cases", "validate", str(bundled_library_dir()), cwd=tmp_path)
    assert ok.returncode == 0 and "All case files are valid" in ok.stdout
    bad = tmp_path / "broken.yaml"
    bad.write_text("id: Not A Slug\ntitle: x\n", encoding="utf-8")
    (tmp_path / "binary.yaml").write_bytes(b"\x00\xff\xfe garbage")
    result = cli("cases", "validate", str(bad), str(tmp_path / "binary.yaml"), cwd=tmp_path)
    assert result.returncode == 1
    assert f"{bad}:1:5: " in result.stderr  # the id's value, on line 1, column 5
    assert "binary.yaml:1:" in result.stderr and "Traceback" not in result.stderr
    listed = cli("cases", "list", cwd=tmp_path)
    assert listed.returncode == 0
    header = listed.stdout.splitlines()[0].split()
    assert header == ["id", "title", "domain", "difficulty", "parties", "minutes"]
    assert "late-night-bakery" in listed.stdout and len(listed.stdout.splitlines()) >= 18


def test_rubrics_validate(tmp_path):
    from coaching.rubric import bundled_rubrics_dir

    ok = cli("rubrics", "validate", str(bundled_rubrics_dir()), cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    bad = tmp_path / "r.yaml"
    bad.write_text("id: r\ntitle: R\nscale: []\ncriteria: []\n", encoding="utf-8")
    result = cli("rubrics", "validate", str(bad), cwd=tmp_path)
    assert result.returncode == 1 and f"{bad}:3:" in result.stderr
