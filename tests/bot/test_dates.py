"""Dates as nurses write them, in /enroll and on the command line: one parser."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bot.clock import FakeClock
from bot.nurse.enrol_input import parse_surgery_date
from bot.services.enrolment_input import parse_date
from tests.bot.test_cli import NOW, database, invoke

__all__ = ["database"]  # the CLI tests' database fixture

TODAY = dt.date(2026, 3, 12)


@pytest.mark.parametrize(
    "text",
    ["2025-03-10", "2025/3/10", "2025/03/10", "2025.3.10", "2025年3月10日", "2025年3月10号",
     "2025 年 3 月 10 日", "2025年3月10", "10.3.2025", "10/03/2025", "２０２５年３月１０日"],
)  # fmt: skip
def test_the_usual_forms_of_one_date(text: str) -> None:
    assert parse_date(text, TODAY) == dt.date(2025, 3, 10)


def test_month_and_day_alone_mean_this_year() -> None:
    assert parse_date("3月10日", TODAY) == dt.date(2026, 3, 10)
    assert parse_date("12月1号", TODAY) == dt.date(2026, 12, 1)


@pytest.mark.parametrize(
    "text", ["", "next week", "2025-13-01", "2025年2月30日", "3月", "10.3.25", "2025/3", "3/10"]
)
def test_what_is_not_a_date(text: str) -> None:
    assert parse_date(text, TODAY) is None


def test_today_and_yesterday_in_both_languages() -> None:
    assert parse_surgery_date("今天", TODAY) == TODAY
    assert parse_surgery_date("Yesterday", TODAY) == dt.date(2026, 3, 11)
    assert parse_surgery_date("昨天", TODAY) == dt.date(2026, 3, 11)
    assert parse_surgery_date("2026年3月1日", TODAY) == dt.date(2026, 3, 1)


def test_the_command_line_takes_chinese_dates(database: str) -> None:
    clock = FakeClock(NOW)  # 2025-03-10
    invoke("db", "upgrade")
    enrolled = invoke("enroll", "--ref", "P-001", "--surgery-date", "2025年3月12日", "--json",
                      clock=clock)  # fmt: skip
    assert enrolled.exit_code == 0, enrolled.stderr
    moved = invoke("reschedule", "--ref", "P-001", "--surgery-date", "3月14日", clock=clock)
    assert moved.exit_code == 0, moved.stderr
    listed = json.loads(invoke("patients", "--json", clock=clock).stdout)
    assert listed[0]["surgery_date"] == "2025-03-14"
    refused = invoke("enroll", "--ref", "P-002", "--surgery-date", "3月32日", clock=clock)
    assert refused.exit_code == 2
    assert "'3月32日' is not a date like 2025-03-14 or 2025年3月14日" in refused.stderr
