"""`mediation-sim schedule`: files in, schedule JSON out, and clear refusals of bad input."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from simulator.cli.schedule import schedule

HEADER = "id,name,email,role,timezone,country,languages,experience,availability\n"
ZONES = ("Africa/Nairobi", "Asia/Taipei", "America/New_York", "Europe/Berlin")


def roster(path: Path, trainees: int = 12, extra: str = "") -> Path:
    rows = [
        f"t{i:02d},Trainee {i},t{i}@x.test,trainee,{ZONES[i % 4]},{('KE', 'TW', 'US', 'DE')[i % 4]},en,new,"
        for i in range(trainees)
    ]
    rows.append("c01,Coach One,c1@x.test,coach,Europe/London,GB,en,,")
    path.write_text(HEADER + "\n".join(rows) + "\n" + extra, encoding="utf-8")
    return path


def test_writes_the_schedule_and_prints_the_quality_figures(tmp_path: Path) -> None:
    out = tmp_path / "schedule.json"
    result = CliRunner().invoke(
        schedule,
        [
            str(roster(tmp_path / "r.csv")),
            "--rounds",
            "2",
            "--group-size",
            "3",
            "--seed",
            "4",
            "--time-limit",
            "2",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["seed"] == 4 and [r["round"] for r in data["rounds"]] == [1, 2]
    assert sum(len(r["sessions"]) for r in data["rounds"]) == 8
    assert "pairs meeting again" in result.output
    assert f"Wrote {out}" in result.output


def test_slots_file_and_json_on_standard_output(tmp_path: Path) -> None:
    slots = tmp_path / "slots.csv"
    slots.write_text("round,start,duration_minutes\n1,2027-03-09T12:00:00Z,90\n", encoding="utf-8")
    result = CliRunner().invoke(
        schedule,
        [
            str(roster(tmp_path / "r.csv")),
            "--rounds",
            "1",
            "--group-size",
            "4",
            "--slots",
            str(slots),
            "--time-limit",
            "1",
            "-o",
            "-",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    (session, *_) = data["rounds"][0]["sessions"]
    assert session["start"] == "2027-03-09T12:00:00Z"


def test_every_roster_error_is_listed_and_nothing_is_written(tmp_path: Path) -> None:
    bad = roster(tmp_path / "r.csv", extra="t99,,x,trainee,Nowhere/City,KE,en,new,\n")
    out = tmp_path / "schedule.json"
    result = CliRunner().invoke(
        schedule, [str(bad), "--rounds", "1", "--group-size", "3", "-o", str(out)]
    )
    assert result.exit_code == 1
    assert f"{bad}: line 15, column name: is empty" in result.output
    assert f"{bad}: line 15, column timezone: 'Nowhere/City'" in result.output
    assert not out.exists()


def test_missing_files_and_rounds_without_slots_are_user_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(
        schedule, [str(tmp_path / "nope.csv"), "--rounds", "1", "--group-size", "3"]
    )
    assert missing.exit_code == 1 and "cannot read the roster" in missing.output
    slots = tmp_path / "slots.csv"
    slots.write_text("round,start,duration_minutes\n1,2027-03-09T12:00:00Z,90\n", encoding="utf-8")
    result = runner.invoke(
        schedule,
        [
            str(roster(tmp_path / "r.csv")),
            "--rounds",
            "2",
            "--group-size",
            "3",
            "--slots",
            str(slots),
        ],
    )
    assert result.exit_code == 1 and "round(s) 2 have no slot" in result.output


def test_a_cases_folder_with_a_broken_file_is_refused(tmp_path: Path) -> None:
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "broken.yaml").write_text("id: broken\ntitle: [unclosed\n", encoding="utf-8")
    result = CliRunner().invoke(
        schedule,
        [
            str(roster(tmp_path / "r.csv")),
            "--rounds",
            "1",
            "--group-size",
            "3",
            "--cases",
            str(cases),
        ],
    )
    assert result.exit_code == 1
    assert "case files have problems" in result.output and "broken.yaml" in result.output
