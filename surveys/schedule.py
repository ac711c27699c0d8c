"""When each check-in of a survey goes out, closes and is reminded about, for one patient.

All results are UTC-aware datetimes. Local times are resolved with ``zoneinfo``: a send time
that does not exist on a spring-forward day moves forward by the gap (02:30 becomes 03:30), and
an ambiguous one on a fall-back day means its first occurrence. Window lengths and reminder
offsets count on the local wall clock, so a 24 h reminder comes at the same local time the next
day even across a DST change. Nothing is planned inside quiet hours: such times move to the end
of the quiet period (08:00 local by default), the next morning when needed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from surveys.model import Schedule, Survey

__all__ = ["PlannedCheckin", "in_quiet_hours", "load_timezone", "next_send_time", "plan_checkins"]

_HH_MM = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")


@dataclass(frozen=True)
class PlannedCheckin:
    """One check-in for one patient; ``day`` is days after surgery (``None`` = baseline)."""

    spec_id: str
    form: str
    day: int | None
    due_at: datetime
    closes_at: datetime
    reminder_times: tuple[datetime, ...]


def load_timezone(name: str) -> ZoneInfo:
    """The IANA zone ``name`` (e.g. ``"Asia/Shanghai"``); ``ValueError`` naming it if unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(f"unknown timezone {name!r}") from None


def in_quiet_hours(when: datetime, timezone: str, schedule: Schedule) -> bool:
    """Whether ``when`` falls in the schedule's quiet hours in ``timezone``."""
    local = _aware(when, "when").astimezone(load_timezone(timezone)).time()
    start, end = _clock(schedule.quiet_start), _clock(schedule.quiet_end)
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def next_send_time(when: datetime, timezone: str, schedule: Schedule) -> datetime:
    """``when`` in UTC, or the end of the quiet hours it falls in."""
    when = _aware(when, "when").astimezone(UTC)
    if not in_quiet_hours(when, timezone, schedule):
        return when
    zone = load_timezone(timezone)
    local = when.astimezone(zone).replace(tzinfo=None)
    end = datetime.combine(local.date(), _clock(schedule.quiet_end))
    if end <= local:
        end += timedelta(days=1)
    return _resolve(end, zone)


def plan_checkins(
    survey: Survey,
    surgery_date: date,
    enrolled_at: datetime,
    timezone: str,
    send_at: str | time | None = None,
) -> tuple[PlannedCheckin, ...]:
    """Plan every check-in of ``survey`` still open at or after enrolment.

    A post-op check-in is due on ``surgery_date + day`` at ``send_at`` (default: the survey's)
    local time, the baseline at enrolment. A check-in already open at enrolment is due at
    enrolment and keeps its closing time; one that closed before enrolment is not planned.
    """
    zone = load_timezone(timezone)
    enrolled = _aware(enrolled_at, "enrolled_at").astimezone(UTC)
    schedule = survey.schedule
    at = send_at if isinstance(send_at, time) else _clock(send_at or schedule.send_at)
    plans = []
    for spec in schedule.checkins:
        if spec.day is None:
            opens = next_send_time(enrolled, timezone, schedule)
        else:
            local = datetime.combine(surgery_date + timedelta(days=spec.day), at)
            opens = next_send_time(_resolve(local, zone), timezone, schedule)
        closes = _later(opens, spec.open_hours, zone)
        due = max(opens, next_send_time(enrolled, timezone, schedule))
        if due >= closes:
            continue
        reminders = sorted(
            {
                next_send_time(_later(opens, h, zone), timezone, schedule)
                for h in spec.reminder_hours
            }
        )
        plans.append(
            PlannedCheckin(
                spec_id=spec.id,
                form=spec.form,
                day=spec.day,
                due_at=due,
                closes_at=closes,
                reminder_times=tuple(r for r in reminders if due < r < closes),
            )
        )
    return tuple(plans)


def _aware(when: datetime, name: str) -> datetime:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return when


def _clock(text: str) -> time:
    match = _HH_MM.fullmatch(text)
    if match is None:
        raise ValueError(f"invalid time {text!r} (use HH:MM)")
    return time(int(match[1]), int(match[2]))


def _resolve(local: datetime, zone: ZoneInfo) -> datetime:
    """A naive local time in ``zone`` as UTC (gaps move forward, overlaps take the first)."""
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def _later(start: datetime, hours: float, zone: ZoneInfo) -> datetime:
    """``hours`` after ``start`` on the local wall clock."""
    local = start.astimezone(zone).replace(tzinfo=None)
    return _resolve(local + timedelta(hours=hours), zone)
