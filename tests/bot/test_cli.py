"""The ``followup`` command line, run in-process with an isolated environment and database."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from click.testing import CliRunner, Result

from bot.cli import root
from bot.cli.root import CliApp
from bot.clock import FakeClock
from bot.settings import load_settings
from storage.db import alembic_config
from surveys.loader import load_default_survey

# 09:00 in Shanghai on Monday 10 March 2025.
NOW = dt.datetime(2025, 3, 10, 1, 0, tzinfo=dt.UTC)
HEAD = ScriptDirectory.from_config(alembic_config("sqlite+aiosqlite://")).get_current_head()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A clean environment: no FOLLOWUP_* from outside, no .env, a database in tmp_path."""
    for name in list(os.environ):
        if name.startswith("FOLLOWUP_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'followup.db'}"
    monkeypatch.setenv("FOLLOWUP_DATABASE_URL", url)
    monkeypatch.setenv("FOLLOWUP_BOT_USERNAME", "ward_bot")
    monkeypatch.setenv("FOLLOWUP_DEFAULT_TIMEZONE", "Asia/Shanghai")
    yield url


def invoke(*args: str, clock: FakeClock | None = None) -> Result:
    """Run ``followup ARGS``; with ``clock``, settings still come from the environment."""
    obj = None if clock is None else CliApp(settings=load_settings(), clock=clock)
    return CliRunner().invoke(root, list(args), obj=obj, catch_exceptions=False)


def assert_one_line_error(result: Result, exit_code: int, message: str) -> None:
    assert (result.exit_code, result.stdout, result.stderr) == (
        exit_code,
        "",
        f"Error: {message}\n",
    )


def test_upgrade_enrol_and_list_patients_as_json(database: str) -> None:
    clock = FakeClock(NOW)

    created = invoke("db", "upgrade")
    again = invoke("db", "upgrade")
    enrolled = invoke(
        "enroll", "--ref", "P-001", "--surgery-date", "2025-03-12", "--language", "中文",
        "--caregiver", "--levels", "L4-L5", "--json", clock=clock,
    )  # fmt: skip
    listed = invoke("patients", "--json", clock=clock)

    assert (created.exit_code, created.stdout) == (
        0,
        f"database {database} upgraded from empty to revision {HEAD}\n",
    )
    assert again.stdout == f"database {database} is up to date (revision {HEAD})\n"
    assert enrolled.exit_code == 0, enrolled.stderr
    link = json.loads(enrolled.stdout)
    assert sorted(link) == ["checkins", "link", "ref", "token"]
    assert link["ref"] == "P-001"
    assert link["link"] == f"https://t.me/ward_bot?start={link['token']}"
    assert [c["spec_id"] for c in link["checkins"]][:3] == ["baseline", "day_1", "day_3"]
    assert link["checkins"][1] == {
        "spec_id": "day_1",
        "form": "early",
        "day": 1,
        "due_at": "2025-03-13T01:00:00+00:00",
        "closes_at": "2025-03-15T01:00:00+00:00",
        "status": "scheduled",
        "recalled": False,
    }
    assert listed.exit_code == 0, listed.stderr
    assert json.loads(listed.stdout) == [
        {
            "ref": "P-001",
            "language": "zh-Hans",
            "timezone": "Asia/Shanghai",
            "linked": False,
            "status": "active",
            "surgery_date": "2025-03-12",
            "day_post_op": -2,
            "state": "invite not opened",
            "last_checkin": None,
            "next_checkin": {"spec_id": "baseline", "due_at": "2025-03-10T01:00:00+00:00"},
        }
    ]


def test_enroll_prints_the_link_and_the_plan(database: str) -> None:
    invoke("db", "upgrade")
    result = invoke(
        "enroll", "--ref", "P-002", "--surgery-date", "2025-03-08", "--timezone", "Europe/Berlin",
        clock=FakeClock(NOW),
    )  # fmt: skip

    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    token = lines[2].rsplit("=", 1)[1]
    assert lines[:9] == [
        "Enrolled P-002 (en, Europe/Berlin), surgery 2025-03-08, "
        "survey lumbar_decompression v1.0.0.",
        "Invite link, single use, valid until 2025-04-09 03:00 (Europe/Berlin):",  # summer time
        f"  https://t.me/ward_bot?start={token}",
        "Enrolled after the surgery date: baseline answers will be marked as recalled.",
        "",
        "check-in  form      day  due (Europe/Berlin)  status",
        "baseline  baseline  -    2025-03-10 08:00     scheduled, recalled",
        "day_1     early     1    2025-03-10 08:00     scheduled",  # still open: due now
        "day_3     early     3    2025-03-11 09:00     scheduled",
    ]


def test_invite_and_reschedule(database: str) -> None:
    clock = FakeClock(NOW)
    invoke("db", "upgrade")
    first = json.loads(
        invoke(
            "enroll", "--ref", "P-003", "--surgery-date", "2025-03-12", "--json", clock=clock
        ).stdout
    )

    issued = invoke("invite", "--ref", "P-003", "--json", clock=clock)
    text = invoke("invite", "--ref", "P-003", clock=clock)
    moved = invoke("reschedule", "--ref", "P-003", "--surgery-date", "2025-03-19", clock=clock)

    new = json.loads(issued.stdout)
    assert sorted(new) == ["link", "ref", "token"]
    assert new["token"] != first["token"]
    assert new["link"] == f"https://t.me/ward_bot?start={new['token']}"
    assert text.stdout.splitlines()[0] == (
        "New invite link for P-003, single use, valid until 2025-04-09 01:00 UTC:"
    )
    assert text.stdout.splitlines()[2] == "The earlier unused link no longer works."
    assert moved.stdout == (
        "Surgery date of P-003 moved from 2025-03-12 to 2025-03-19: 10 re-planned, 0 added, "
        "0 cancelled, 0 already under way kept.\n"
    )


def test_empty_patient_list(database: str) -> None:
    invoke("db", "upgrade")
    result = invoke("patients")
    assert (result.exit_code, result.stdout) == (0, "No patients enrolled yet.\n")


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "FOLLOWUP_DEFAULT_TIMEZONE",
            "Mars/Olympus",
            "FOLLOWUP_DEFAULT_TIMEZONE: unknown timezone 'Mars/Olympus' "
            "(use Area/City, e.g. Asia/Shanghai)",
        ),
        (
            "FOLLOWUP_INVITE_TTL_DAYS",
            "0",
            "FOLLOWUP_INVITE_TTL_DAYS: Input should be greater than 0",
        ),
        ("FOLLOWUP_SEND_AT", "9am", "FOLLOWUP_SEND_AT: expected a time like 09:00, got '9am'"),
    ],
)
@pytest.mark.parametrize("command", [["patients"], ["db", "upgrade"], ["surveys", "check"]])
def test_bad_settings_are_one_line_and_exit_2(
    database: str,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    message: str,
    command: list[str],
) -> None:
    monkeypatch.setenv(variable, value)
    assert_one_line_error(invoke(*command), 2, message)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["enroll", "--ref", "Wang Li", "--surgery-date", "2025-03-12"],
            "reference code must be 1–64 letters, digits, '-' or '_', "
            "with no spaces (a study code, never a name)",
        ),
        (
            ["enroll", "--ref", "P-9", "--surgery-date", "2025-13-01"],
            "Invalid value for '--surgery-date': '2025-13-01' is not a date like 2025-03-14 "
            "or 2025年3月14日",
        ),
        (
            ["enroll", "--ref", "P-9", "--surgery-date", "2025-03-12", "--language", "fr"],
            "unsupported language 'fr' (use en or zh-Hans)",
        ),
        (
            ["enroll", "--ref", "P-9", "--surgery-date", "2027-01-01"],
            "surgery date 2027-01-01 is more than 90 days ahead",
        ),
        (["enroll", "--surgery-date", "2025-03-12"], "Missing option '--ref'."),
        (["invite", "--ref", "P-404"], "no patient with reference 'P-404'"),
        (
            ["reschedule", "--ref", "P-404", "--surgery-date", "2025-03-12"],
            "no patient with reference 'P-404'",
        ),
        (["enrol"], "No such command 'enrol'. Did you mean 'enroll'?"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(database: str, args: list[str], message: str) -> None:
    invoke("db", "upgrade")
    assert_one_line_error(invoke(*args, clock=FakeClock(NOW)), 2, message)


def test_a_reference_is_enrolled_once(database: str) -> None:
    invoke("db", "upgrade")
    args = ("enroll", "--ref", "P-001", "--surgery-date", "2025-03-12")
    assert invoke(*args, clock=FakeClock(NOW)).exit_code == 0
    assert_one_line_error(
        invoke(*args, clock=FakeClock(NOW)), 2, "patient P-001 is already enrolled"
    )


def test_commands_refuse_a_database_that_was_not_upgraded(database: str, tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "followup.db").touch()
    assert_one_line_error(
        invoke("patients"),
        2,
        f"database schema is at nothing, needs {HEAD}: run `followup db upgrade`",
    )


@pytest.mark.parametrize("command", [("patients",), ("flags",), ("report",)])
def test_read_only_commands_never_create_a_database(
    database: str, tmp_path: Path, command: tuple[str, ...]
) -> None:
    path = tmp_path / "data" / "followup.db"
    assert_one_line_error(
        invoke(*command),
        2,
        f"no database at {path}: run `followup db upgrade` to create it, "
        "or set FOLLOWUP_DATA_DIR or FOLLOWUP_DATABASE_URL to the existing one",
    )
    assert not (tmp_path / "data").exists()


def test_the_database_lives_in_the_data_dir_whatever_the_working_directory(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FOLLOWUP_DATABASE_URL")
    monkeypatch.setenv("FOLLOWUP_DATA_DIR", str(tmp_path / "ward"))
    assert invoke("db", "upgrade").exit_code == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = invoke("patients")
    assert (result.exit_code, result.stderr) == (0, "")
    assert (tmp_path / "ward" / "followup.db").exists()
    assert list(elsewhere.iterdir()) == []


def test_version_prints_the_package_version() -> None:
    result = CliRunner().invoke(root, ["--version"])
    assert (result.exit_code, result.stdout) == (0, f"followup {version('spine-followup')}\n")


def test_surveys_check_reports_the_default_survey(database: str) -> None:
    survey = load_default_survey()
    questions = sum(len(f.questions) for f in survey.forms)
    result = invoke("surveys", "check")
    assert (result.exit_code, result.stdout) == (
        0,
        f"ok: {survey.id} v{survey.version}, {len(survey.forms)} forms, "
        f"{questions} questions, {len(survey.rules)} rules\n",
    )


def test_surveys_check_uses_the_configured_survey(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "ward.yaml"
    broken.write_text("id: ward\n", encoding="utf-8")
    monkeypatch.setenv("FOLLOWUP_SURVEY_PATH", str(broken))
    result = invoke("surveys", "check")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.startswith("Error: ward.yaml: ")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    "content",
    [
        "id: [unclosed\n",
        "id: ward\nversion: '1'\n",
        "- just\n- a list\n",
        None,  # no such file
    ],
)
def test_surveys_check_reports_a_broken_file_in_one_line(
    database: str, tmp_path: Path, content: str | None
) -> None:
    path = tmp_path / "broken.yaml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = invoke("surveys", "check", str(path))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.startswith("Error: broken.yaml: ")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("command", [["patients"], ["db", "upgrade"]])
def test_an_unusable_database_url_is_one_line_and_exit_2(
    database: str, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.setenv("FOLLOWUP_DATABASE_URL", "not a url")
    assert_one_line_error(
        invoke(*command),
        2,
        "FOLLOWUP_DATABASE_URL: ArgumentError: "
        "Could not parse SQLAlchemy URL from given URL string",
    )


@pytest.mark.parametrize("command", [["patients"], ["db", "upgrade"]])
def test_an_unreachable_database_is_one_line_and_exit_1(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("FOLLOWUP_DATABASE_URL", f"sqlite+aiosqlite:///{blocker}/followup.db")
    result = invoke(*command)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.startswith("Error: database error: FileExistsError: ")
    assert result.stderr.count("\n") == 1


def test_help_works_even_with_broken_settings(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOLLOWUP_DEFAULT_TIMEZONE", "Mars/Olympus")
    result = invoke("enroll", "--help")
    assert (result.exit_code, result.stderr) == (0, "")
    assert "--surgery-date DATE" in result.stdout
