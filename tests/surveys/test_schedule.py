"""Planning check-ins: local send time, DST, quiet hours, late enrolment."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from survey_builders import put, write_definition

from surveys.loader import load_survey
from surveys.model import Schedule, Survey
from surveys.schedule import (
    PlannedCheckin,
    in_quiet_hours,
    load_timezone,
    next_send_time,
    plan_checkins,
)

SHANGHAI = "Asia/Shanghai"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local(zone: str, year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone))


def _plan(plans: tuple[PlannedCheckin, ...], spec_id: str) -> PlannedCheckin:
    return next(p for p in plans if p.spec_id == spec_id)


def test_plan_checkins_in_shanghai(survey: Survey) -> None:
    plans = plan_checkins(survey, date(2026, 3, 10), local(SHANGHAI, 2026, 3, 9, 10, 0), SHANGHAI)
    assert [p.spec_id for p in plans] == [
        "baseline", "day_1", "day_3", "day_7", "day_14", "day_28", "day_42", "day_90",
        "day_180", "day_365",
    ]  # fmt: skip
    assert plans[0] == PlannedCheckin(
        "baseline",
        "baseline",
        None,
        utc(2026, 3, 9, 2),
        utc(2026, 3, 11, 2),
        (utc(2026, 3, 9, 6), utc(2026, 3, 10, 2)),
    )
    assert plans[1] == PlannedCheckin(
        "day_1",
        "early",
        1,
        utc(2026, 3, 11, 1),  # 09:00 in Shanghai
        utc(2026, 3, 13, 1),
        (utc(2026, 3, 11, 5), utc(2026, 3, 12, 1)),
    )
    assert _plan(plans, "day_28") == PlannedCheckin(
        "day_28",
        "early",
        28,
        utc(2026, 4, 7, 1),
        utc(2026, 4, 14, 1),
        (utc(2026, 4, 9, 1), utc(2026, 4, 12, 1)),
    )
    assert _plan(plans, "day_365").due_at == utc(2027, 3, 10, 1)
    assert all(p.due_at.tzinfo is UTC and p.closes_at.tzinfo is UTC for p in plans)


def test_london_spring_forward_keeps_local_times(survey: Survey) -> None:
    # Clocks go forward on Sunday 29 March 2026 at 01:00 GMT.
    plans = plan_checkins(survey, date(2026, 3, 27), utc(2026, 3, 26, 12), "Europe/London")
    day_1 = _plan(plans, "day_1")
    assert day_1.due_at == utc(2026, 3, 28, 9)  # 09:00 GMT
    assert day_1.reminder_times == (utc(2026, 3, 28, 13), utc(2026, 3, 29, 8))  # 09:00 BST
    assert day_1.closes_at == utc(2026, 3, 30, 8)
    assert _plan(plans, "day_3").due_at == utc(2026, 3, 30, 8)


def test_london_fall_back_keeps_local_times(survey: Survey) -> None:
    # Clocks go back on Sunday 25 October 2026 at 02:00 BST.
    plans = plan_checkins(survey, date(2026, 10, 23), utc(2026, 10, 22, 12), "Europe/London")
    day_1 = _plan(plans, "day_1")
    assert day_1.due_at == utc(2026, 10, 24, 8)  # 09:00 BST
    assert day_1.reminder_times == (utc(2026, 10, 24, 12), utc(2026, 10, 25, 9))  # 09:00 GMT
    assert day_1.closes_at == utc(2026, 10, 26, 9)


@pytest.fixture
def no_quiet_hours(tmp_path: Path) -> Survey:
    return load_survey(
        write_definition(
            tmp_path,
            put("schedule.quiet_start", "00:00"),
            put("schedule.quiet_end", "00:00"),
        )
    )


@pytest.mark.parametrize(
    ("surgery", "send_at", "due"),
    [
        # 02:30 does not exist on 8 March 2026 in New York: 03:30 EDT.
        (date(2026, 3, 7), "02:30", utc(2026, 3, 8, 7, 30)),
        # 01:30 happens twice on 1 November 2026: the first, EDT.
        (date(2026, 10, 31), "01:30", utc(2026, 11, 1, 5, 30)),
        (date(2026, 3, 7), "09:00", utc(2026, 3, 8, 13)),
        (date(2026, 3, 6), "09:00", utc(2026, 3, 7, 14)),
    ],
)
def test_new_york_nonexistent_and_ambiguous_send_times(
    no_quiet_hours: Survey, surgery: date, send_at: str, due: datetime
) -> None:
    plans = plan_checkins(
        no_quiet_hours, surgery, utc(2026, 1, 1), "America/New_York", send_at=send_at
    )
    assert _plan(plans, "day_1").due_at == due


def test_send_time_inside_quiet_hours_moves_to_morning(survey: Survey) -> None:
    plans = plan_checkins(
        survey, date(2026, 3, 7), utc(2026, 1, 1), "America/New_York", send_at="02:30"
    )
    day_1 = _plan(plans, "day_1")
    assert day_1.due_at == utc(2026, 3, 8, 12)  # 08:00 EDT
    assert day_1.closes_at == utc(2026, 3, 10, 12)
    assert day_1.reminder_times == (utc(2026, 3, 8, 16), utc(2026, 3, 9, 12))


def test_reminders_leave_quiet_hours(survey: Survey) -> None:
    plans = plan_checkins(survey, date(2026, 3, 10), utc(2026, 1, 1), SHANGHAI, send_at=time(20, 0))
    day_1 = _plan(plans, "day_1")
    assert day_1.due_at == utc(2026, 3, 11, 12)  # 20:00
    # +4 h is midnight, so 08:00 next morning; +24 h is 20:00 next day.
    assert day_1.reminder_times == (utc(2026, 3, 12, 0), utc(2026, 3, 12, 12))


def test_reminders_moved_to_the_same_morning_are_sent_once(tmp_path: Path) -> None:
    survey = load_survey(
        write_definition(tmp_path, put("schedule.checkins[1].reminder_hours", [4, 5]))
    )
    plans = plan_checkins(survey, date(2026, 3, 10), utc(2026, 1, 1), SHANGHAI, send_at="18:00")
    assert _plan(plans, "day_1").reminder_times == (utc(2026, 3, 12, 0),)


def test_reminders_never_come_after_closing(tmp_path: Path) -> None:
    survey = load_survey(
        write_definition(
            tmp_path,
            put("schedule.checkins[1].open_hours", 12),
            put("schedule.checkins[1].reminder_hours", [4, 10]),
        )
    )
    plans = plan_checkins(survey, date(2026, 3, 10), utc(2026, 1, 1), SHANGHAI, send_at="12:00")
    day_1 = _plan(plans, "day_1")
    assert day_1.closes_at == utc(2026, 3, 11, 16)  # midnight
    assert day_1.reminder_times == (utc(2026, 3, 11, 8),)  # 16:00; 22:00 would be 08:00


def test_late_enrolment_skips_closed_checkins(survey: Survey) -> None:
    enrolled = local(SHANGHAI, 2026, 4, 2, 10, 0)  # day 91
    plans = plan_checkins(survey, date(2026, 1, 1), enrolled, SHANGHAI)
    assert [p.spec_id for p in plans] == ["baseline", "day_90", "day_180", "day_365"]
    day_90 = _plan(plans, "day_90")
    assert day_90.due_at == utc(2026, 4, 2, 2)  # at enrolment
    assert day_90.closes_at == utc(2026, 4, 8, 1)  # a week after 1 April 09:00
    assert day_90.reminder_times == (utc(2026, 4, 3, 1), utc(2026, 4, 6, 1))


@pytest.mark.parametrize(
    ("enrolled", "planned"),
    [
        (local(SHANGHAI, 2026, 3, 13, 8, 59), True),
        (local(SHANGHAI, 2026, 3, 13, 9, 0), False),
    ],
)
def test_checkin_closing_at_enrolment_is_not_planned(
    survey: Survey, enrolled: datetime, planned: bool
) -> None:
    plans = plan_checkins(survey, date(2026, 3, 10), enrolled, SHANGHAI)
    assert ("day_1" in [p.spec_id for p in plans]) is planned


def test_enrolment_at_night_sends_baseline_in_the_morning(survey: Survey) -> None:
    plans = plan_checkins(survey, date(2026, 3, 10), local(SHANGHAI, 2026, 3, 8, 23, 15), SHANGHAI)
    baseline = plans[0]
    assert baseline.due_at == utc(2026, 3, 9, 0)  # 08:00
    assert baseline.closes_at == utc(2026, 3, 11, 0)
    assert baseline.reminder_times == (utc(2026, 3, 9, 4), utc(2026, 3, 10, 0))


@pytest.mark.parametrize(
    ("hour", "minute", "quiet"),
    [
        (20, 59, False),
        (21, 0, True),
        (23, 59, True),
        (0, 0, True),
        (7, 59, True),
        (8, 0, False),
        (12, 0, False),
    ],
)
def test_in_quiet_hours(hour: int, minute: int, quiet: bool) -> None:
    when = local(SHANGHAI, 2026, 6, 1, hour, minute)
    assert in_quiet_hours(when, SHANGHAI, Schedule()) is quiet


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (local(SHANGHAI, 2026, 6, 1, 22, 0), local(SHANGHAI, 2026, 6, 2, 8, 0)),
        (local(SHANGHAI, 2026, 6, 1, 3, 0), local(SHANGHAI, 2026, 6, 1, 8, 0)),
        (local(SHANGHAI, 2026, 6, 1, 12, 0), local(SHANGHAI, 2026, 6, 1, 12, 0)),
    ],
)
def test_next_send_time(when: datetime, expected: datetime) -> None:
    result = next_send_time(when, SHANGHAI, Schedule())
    assert result == expected
    assert result.tzinfo is UTC


def test_quiet_hours_within_one_day() -> None:
    schedule = Schedule(quiet_start="12:00", quiet_end="14:00")
    assert in_quiet_hours(local(SHANGHAI, 2026, 6, 1, 13, 0), SHANGHAI, schedule)
    assert not in_quiet_hours(local(SHANGHAI, 2026, 6, 1, 23, 0), SHANGHAI, schedule)
    assert next_send_time(local(SHANGHAI, 2026, 6, 1, 13, 0), SHANGHAI, schedule) == local(
        SHANGHAI, 2026, 6, 1, 14, 0
    )


def test_quiet_hours_use_the_patients_timezone() -> None:
    when = utc(2026, 6, 1, 14)  # 22:00 in Shanghai, 15:00 in London
    assert in_quiet_hours(when, SHANGHAI, Schedule())
    assert not in_quiet_hours(when, "Europe/London", Schedule())


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "", "../etc/passwd"])
def test_unknown_timezone_is_named(survey: Survey, name: str) -> None:
    with pytest.raises(ValueError) as error:
        plan_checkins(survey, date(2026, 3, 10), utc(2026, 3, 9), name)
    assert str(error.value) == f"unknown timezone {name!r}"
    with pytest.raises(ValueError) as error:
        load_timezone(name)
    assert str(error.value) == f"unknown timezone {name!r}"


def test_naive_enrolment_time_is_refused(survey: Survey) -> None:
    with pytest.raises(ValueError) as error:
        plan_checkins(survey, date(2026, 3, 10), datetime(2026, 3, 9, 10), SHANGHAI)
    assert str(error.value) == "enrolled_at must be timezone-aware"


def test_invalid_send_time_is_refused(survey: Survey) -> None:
    with pytest.raises(ValueError) as error:
        plan_checkins(survey, date(2026, 3, 10), utc(2026, 3, 9), SHANGHAI, send_at="9am")
    assert str(error.value) == "invalid time '9am' (use HH:MM)"


def test_every_planned_time_is_outside_quiet_hours(survey: Survey) -> None:
    for zone in (SHANGHAI, "Europe/London", "America/New_York"):
        for send_at in ("06:00", "09:00", "20:30", "23:00"):
            plans = plan_checkins(
                survey, date(2026, 3, 1), utc(2026, 2, 27, 22), zone, send_at=send_at
            )
            for plan in plans:
                for moment in (plan.due_at, *plan.reminder_times):
                    assert not in_quiet_hours(moment, zone, survey.schedule)
                    assert plan.due_at <= moment < plan.closes_at
                assert plan.closes_at - plan.due_at <= timedelta(hours=169)
