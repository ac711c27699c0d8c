"""Send time precedence: the patient's, else the ward's (FOLLOWUP_SEND_AT), else the survey's."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FakeClock
from bot.services.enrolment import enrol_patient
from bot.settings import load_settings
from surveys.loader import load_default_survey

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("ward", "patient", "expected"),
    [(None, None, "09:00"), ("10:30", None, "10:30"), ("10:30", "08:15", "08:15")],
)
async def test_day_one_is_sent_at_the_right_local_time(
    sessions: async_sessionmaker[AsyncSession], ward: str | None, patient: str | None,
    expected: str,
) -> None:  # fmt: skip
    settings = load_settings(_env_file=None, default_timezone="Asia/Shanghai", send_at=ward)
    clock = FakeClock(dt.datetime(2026, 5, 4, 2, 0, tzinfo=dt.UTC))
    enrolment = await enrol_patient(
        sessions, load_default_survey(), settings, clock, ref="P-9",
        surgery_date=dt.date(2026, 5, 4), send_at=patient,
    )  # fmt: skip
    day_1 = next(c for c in enrolment.checkins if c.spec_id == "day_1")
    assert day_1.due_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") == f"2026-05-05 {expected}"
