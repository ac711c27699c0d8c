"""A small stored cohort for the export tests, written straight into the database.

Two patients in Shanghai: P-0001 (linked to Telegram chat 987654321, answered by a caregiver
on day 1, typed "两公里", raised a red flag acknowledged and resolved by "Nurse Wang Fang")
and P-0002 (London, a baseline recalled after surgery, one missed check-in).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import Answer, Checkin, Enrolment, Flag, Patient

CHAT_ID = 987654321
NURSE = "Nurse Wang Fang"
SURGERY = dt.date(2025, 3, 10)
SURGERY_2 = dt.date(2025, 3, 12)


def utc(day: int, hour: int, minute: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2025, month, day, hour, minute, tzinfo=dt.UTC)


def _checkin(enrolment: int, spec: str, form: str, day: int | None, due: dt.datetime,
             status: str, **extra: Any) -> Checkin:  # fmt: skip
    return Checkin(
        enrolment_id=enrolment, spec_id=spec, form=form, day=day, due_at=due,
        closes_at=due + dt.timedelta(days=2), reminder_times=[], status=status, **extra,
    )  # fmt: skip


def _answer(checkin: int, question: str, value: Any, raw: str | None, at: dt.datetime,
            by: str = "patient", superseded: dt.datetime | None = None) -> Answer:  # fmt: skip
    return Answer(
        checkin_id=checkin, question_id=question, raw=raw, value=value, survey_version="1.0.0",
        answered_at=at, answered_by=by, superseded_at=superseded,
    )  # fmt: skip


async def seed(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        session.add_all([
            Patient(id=1, ref="P-0001", language="zh-Hans", timezone="Asia/Shanghai",
                    chat_id=CHAT_ID, status="active", created_at=utc(8, 1),
                    linked_at=utc(8, 2), consented_at=utc(8, 2), language_confirmed=True),
            Patient(id=2, ref="P-0002", language="en", timezone="Europe/London",
                    chat_id=CHAT_ID + 1, status="active", created_at=utc(14, 9),
                    linked_at=utc(14, 9), consented_at=utc(14, 9), language_confirmed=True),
        ])  # fmt: skip
        await session.flush()
        session.add_all([
            Enrolment(id=1, patient_id=1, surgery_date=SURGERY, procedure="decompression",
                      survey_id="lumbar_decompression", survey_version="1.0.0",
                      status="active", enrolled_at=utc(8, 2)),
            Enrolment(id=2, patient_id=2, surgery_date=SURGERY_2, procedure="decompression",
                      survey_id="lumbar_decompression", survey_version="1.0.0",
                      status="active", enrolled_at=utc(14, 9)),
        ])  # fmt: skip
        await session.flush()
        session.add_all([
            _checkin(1, "baseline", "baseline", None, utc(8, 2), "completed",
                     completed_at=utc(8, 2, 5), answered_by="patient"),
            _checkin(1, "day_1", "early", 1, utc(11, 1), "completed",
                     completed_at=utc(11, 1, 30), answered_by="caregiver"),
            _checkin(1, "day_3", "early", 3, utc(13, 1), "in_progress", answered_by="patient"),
            _checkin(1, "day_7", "early", 7, utc(17, 1), "scheduled"),
            _checkin(2, "baseline", "baseline", None, utc(14, 9), "completed",
                     completed_at=utc(14, 9, 10), answered_by="patient", recalled=True),
            _checkin(2, "day_1", "early", 1, utc(13, 9), "missed"),
        ])  # fmt: skip
        await session.flush()
        walk_2km = {"metres": 2000.0, "category": "over_1000"}
        session.add_all([
            _answer(1, "leg_pain", 8, "8", utc(8, 2, 1)),
            _answer(1, "back_pain", 5, "5", utc(8, 2, 2)),
            _answer(1, "numbness_before", True, "yes", utc(8, 2, 3)),
            _answer(1, "numbness_where", ["left_leg", "saddle"], "left_leg,saddle", utc(8, 2, 4)),
            _answer(1, "walking", {"metres": None, "category": "under_50"}, "under_50",
                    utc(8, 2, 5)),
            _answer(2, "leg_pain", 9, "9", utc(11, 1, 1), "caregiver", superseded=utc(11, 1, 2)),
            _answer(2, "leg_pain", 4, "4", utc(11, 1, 2), "caregiver"),
            _answer(2, "back_pain", 3, "3", utc(11, 1, 3), "caregiver"),
            _answer(2, "numbness", "none", "none", utc(11, 1, 4), "caregiver"),
            _answer(2, "walking", walk_2km, "两公里", utc(11, 1, 5), "caregiver"),
            _answer(2, "pgic", "much_improved", "much_improved", utc(11, 1, 6), "caregiver"),
            _answer(2, "red_flags", ["fever", "wound"], "fever,wound", utc(11, 1, 7), "caregiver"),
            _answer(2, "note", "我叫王小明，伤口有点红", "我叫王小明，伤口有点红", utc(11, 1, 8),
                    "caregiver"),
            _answer(3, "leg_pain", 2, "2", utc(13, 1, 1)),
            _answer(5, "leg_pain", 6, "6", utc(14, 9, 1)),
            _answer(5, "back_pain", 2, "two", utc(14, 9, 2)),
            _answer(5, "numbness_before", False, "no", utc(14, 9, 3)),
            _answer(5, "walking", {"metres": 300.0, "category": "m100_500"}, "300 m",
                    utc(14, 9, 4)),
        ])  # fmt: skip
        session.add_all([
            Flag(patient_id=1, checkin_id=2, dedupe_key="red_fever:2", rule_id="red_fever",
                 level="red", evidence={"question": "red_flags", "value": ["fever", "wound"]},
                 status="resolved", raised_at=utc(11, 1, 7), acknowledged_by=NURSE,
                 acknowledged_at=utc(11, 1, 20), resolved_by=NURSE, resolved_at=utc(11, 3),
                 resolution_note="Seen in clinic"),
            Flag(patient_id=2, checkin_id=6, dedupe_key="consecutive_missed:2",
                 rule_id="consecutive_missed", level="amber",
                 evidence={"missed": [{"checkin": 6, "due_at": utc(13, 9).isoformat()}]},
                 status="open", raised_at=utc(15, 9)),
        ])  # fmt: skip
