"""A database with the default survey and a fake clock, and what the nurse tests do to it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FakeClock
from bot.services.enrolment import Enrolment, enrol_patient
from bot.services.flagging import raise_answer_flags
from bot.settings import Settings
from storage.answers import record_answer
from storage.audit import list_audit
from storage.checkins import checkins_for_enrolment, get_checkin, update_checkin
from storage.flags import get_flag
from storage.patients import active_enrolment, patient_by_ref, update_patient
from storage.records import AuditRecord, FlagRecord
from surveys.model import Survey

__all__ = ["START", "NurseWorld"]

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # 09:00 in London (GMT)


@dataclass
class NurseWorld:
    sessions: async_sessionmaker[AsyncSession]
    survey: Survey
    settings: Settings
    clock: FakeClock

    async def enrol(self, ref: str = "P-001", **options: Any) -> Enrolment:
        options.setdefault("surgery_date", self.clock.now().date())
        options.setdefault("timezone", "Europe/London")
        return await enrol_patient(self.sessions, self.survey, self.settings, self.clock,
                                   ref=ref, **options)  # fmt: skip

    async def raise_flags(
        self, answers: dict[str, Any], *, ref: str = "P-001", day: int | None = 1,
        answered_by: str = "patient",
    ) -> list[FlagRecord]:  # fmt: skip
        """Enrol ``ref`` if needed; complete its day-``day`` check-in with ``answers``."""
        async with self.sessions() as session:
            patient = await patient_by_ref(session, ref)
        if patient is None:
            await self.enrol(ref)
        now = self.clock.now()
        async with self.sessions.begin() as session:
            patient = await patient_by_ref(session, ref)
            assert patient is not None
            enrolment = await active_enrolment(session, patient.id)
            assert enrolment is not None
            planned = await checkins_for_enrolment(session, enrolment.id)
            checkin_id = next(c.id for c in planned if c.day == day)
            await update_checkin(session, checkin_id, status="completed", answered_by=answered_by,
                                 completed_at=now)  # fmt: skip
            for question, value in answers.items():
                await record_answer(
                    session, checkin_id=checkin_id, question_id=question, raw=None, value=value,
                    survey_version=self.survey.version, answered_at=now, answered_by=answered_by,
                )  # fmt: skip
            checkin = await get_checkin(session, checkin_id)
            assert checkin is not None
            raised = await raise_answer_flags(
                session, self.survey, patient=patient, checkin=checkin, answers=answers, now=now
            )
        return [flag for flag, created in raised if created]

    async def link(self, ref: str, chat_id: int) -> None:
        async with self.sessions.begin() as session:
            patient = await patient_by_ref(session, ref)
            assert patient is not None
            await update_patient(session, patient.id, chat_id=chat_id, linked_at=self.clock.now())

    async def flag(self, flag_id: int) -> FlagRecord:
        async with self.sessions() as session:
            flag = await get_flag(session, flag_id)
        assert flag is not None
        return flag

    async def audit(self, action: str | None = None) -> list[AuditRecord]:
        async with self.sessions() as session:
            return await list_audit(session, action=action)
