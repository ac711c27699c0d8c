"""The nurse side running against the loopback Bot API sandbox: real ``telegram.Bot``,
real handlers, a fake clock for the service and a fresh database.

The nurse group (-100) holds Anna (101, listed in FOLLOWUP_NURSE_USER_IDS, with a username
for mentions), Li (102, an administrator) and Bob (103, a member). Omar (200) is a patient
with a private chat. Li and Bob are nurses only through their group membership; Sam
(104) is listed but not in the group.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.ext import ApplicationBuilder

from bot.app import running
from bot.clock import FakeClock
from bot.nurse.service import NurseService
from bot.sandbox import DEFAULT_TOKEN, BotApiSandbox, ChatMemberStatus, SentMessage
from bot.services.enrolment import Enrolment, enrol_patient
from bot.services.flagging import raise_answer_flags
from bot.settings import Settings, load_settings
from bot.telegram.nurse_handlers import NurseHandlers, TelegramNurseDirectory
from bot.telegram.transport import TelegramTransport
from storage.answers import record_answer
from storage.audit import list_audit
from storage.checkins import checkins_for_enrolment, get_checkin, update_checkin
from storage.db import create_engine, session_factory
from storage.flags import get_flag
from storage.patients import active_enrolment, patient_by_ref, update_patient
from storage.records import AuditRecord, FlagRecord
from surveys.loader import load_default_survey
from surveys.model import Survey

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # 09:00 in London (GMT)
GROUP, ANNA, LI, BOB, OMAR = -100, 101, 102, 103, 200
SAM = 104  # a listed nurse whose private chat the tests use to wait for the bot


@dataclass
class NurseHarness:
    sandbox: BotApiSandbox
    sessions: async_sessionmaker[AsyncSession]
    survey: Survey
    settings: Settings
    clock: FakeClock
    service: NurseService
    bot: Bot

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

    async def settle(self) -> None:
        """Wait until the bot has handled every update so far (it handles them in order)."""
        await self.sandbox.send_command(SAM, "flags")
        await self.next_message(SAM, "Open flags")

    async def next_message(self, chat_id: int, contains: str | None = None) -> SentMessage:
        """The next bot message or edit in the chat (optionally containing a text)."""

        def match(message: SentMessage) -> bool:
            labels = " ".join(message.button_labels)
            shown = (message.text or message.caption or "") + "\n" + labels
            return contains is None or contains in shown

        return await self.sandbox.wait_for_message(chat_id, match, timeout=10)


@pytest.fixture
async def nurse_harness(db_url: str) -> AsyncIterator[NurseHarness]:
    async with BotApiSandbox(token=DEFAULT_TOKEN) as sandbox:
        sandbox.create_private_chat(ANNA, "Anna", last_name="Lee", username="anna_rn")
        sandbox.create_private_chat(LI, "Li", last_name="Wei", language_code="zh-hans")
        sandbox.create_private_chat(BOB, "Bob")
        sandbox.create_private_chat(OMAR, "Omar")
        sandbox.create_private_chat(SAM, "Sam")
        members: dict[int, ChatMemberStatus] = {ANNA: "member", LI: "administrator", BOB: "member"}
        sandbox.create_group(GROUP, "Spine ward nurses", members)
        settings = load_settings(
            _env_file=None,
            bot_token=DEFAULT_TOKEN,
            telegram_api_url=sandbox.base_url,
            database_url=db_url,
            default_timezone="Europe/London",
            bot_username=sandbox.bot_username,
            nurse_chat_id=GROUP,
            nurse_user_ids=frozenset({ANNA, SAM}),
            digest_at="08:30",
        )
        clock = FakeClock(START)
        engine = create_engine(db_url)
        sessions = session_factory(engine)
        survey = load_default_survey()
        application = (
            ApplicationBuilder()
            .token(DEFAULT_TOKEN)
            .base_url(sandbox.base_url)
            .base_file_url(sandbox.base_file_url)
            .build()
        )
        bot = application.bot
        service = NurseService(sessions, survey, settings, clock, TelegramTransport(bot),
                               TelegramNurseDirectory(bot))  # fmt: skip
        application.add_handlers(NurseHandlers(service, settings).handlers())
        try:
            async with running(application, poll_timeout=1):
                yield NurseHarness(sandbox, sessions, survey, settings, clock, service, bot)
        finally:
            await engine.dispose()
