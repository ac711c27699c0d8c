"""``followup extend``: a nurse adds later check-ins to a patient's follow-up."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import root
from bot.cli.root import CliApp
from bot.clock import FakeClock
from bot.settings import load_settings

# 09:00 in Shanghai on Monday 10 March 2025; surgery on 12 March 2025.
NOW = dt.datetime(2025, 3, 10, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for name in list(os.environ):
        if name.startswith("FOLLOWUP_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'followup.db'}"
    monkeypatch.setenv("FOLLOWUP_DATABASE_URL", url)
    monkeypatch.setenv("FOLLOWUP_DEFAULT_TIMEZONE", "Asia/Shanghai")
    yield url


def invoke(*args: str, clock: FakeClock) -> Result:
    obj = CliApp(settings=load_settings(), clock=clock)
    return CliRunner().invoke(root, list(args), obj=obj, catch_exceptions=False)


def test_extend_adds_later_check_ins_once(database: str) -> None:
    clock = FakeClock(NOW)
    invoke("db", "upgrade", clock=clock)
    invoke("enroll", "--ref", "P-001", "--surgery-date", "2025-03-12", clock=clock)

    first = invoke("extend", "P-001", "--days", "730, 545", clock=clock)
    again = invoke("extend", "P-001", "--days", "545,1095", clock=clock)

    assert (first.exit_code, first.stdout) == (
        0,
        "Follow-up of P-001 extended: 2 check-ins added "
        "(day 545 on 2026-09-08 09:00, day 730 on 2027-03-12 09:00).\n",
    )
    assert again.stdout == (
        "Follow-up of P-001 extended: 1 check-in added (day 1095 on 2028-03-11 09:00).\n"
        "Already planned, left as they are: day 545.\n"
    )


def test_days_whose_time_is_over_are_not_planned(database: str) -> None:
    clock = FakeClock(NOW)
    invoke("db", "upgrade", clock=clock)
    invoke("enroll", "--ref", "P-002", "--surgery-date", "2025-03-12", clock=clock)
    clock.advance(dt.timedelta(days=600))

    result = invoke("extend", "P-002", "--days", "400,730", clock=clock)

    assert result.stdout == (
        "Follow-up of P-002 extended: 1 check-in added (day 730 on 2027-03-12 09:00).\n"
        "Not planned, their time is over: day 400.\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["extend", "P-404", "--days", "545"], "no patient with reference 'P-404'"),
        (
            ["extend", "P-001", "--days", "soon"],
            "Invalid value for '--days': 'soon' is not a list of days like 545,730",
        ),
        (
            ["extend", "P-001", "--days", "0,5000"],
            "Invalid value for '--days': days after surgery must be from 1 to 3650",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(database: str, args: list[str], message: str) -> None:
    clock = FakeClock(NOW)
    invoke("db", "upgrade", clock=clock)
    invoke("enroll", "--ref", "P-001", "--surgery-date", "2025-03-12", clock=clock)
    result = invoke(*args, clock=clock)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.splitlines()[-1] == f"Error: {message}"
