"""The nurse side running against the loopback Bot API sandbox: real ``telegram.Bot``,
real handlers (nurse handlers first, then the patient handlers, as the assembly adds them),
a fake clock for the services and a fresh database.

The nurse group (-100) holds Anna (101, listed in FOLLOWUP_NURSE_USER_IDS, with a username
for mentions), Li (102, an administrator) and Bob (103, a member). Omar (200) is a patient
with a private chat. Li and Bob are nurses only through their group membership; Sam
(104) is listed but not in the group.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from telegram import Bot
from telegram.ext import ApplicationBuilder

from bot.app import running
from bot.clock import FakeClock
from bot.nurse.service import NurseService
from bot.sandbox import DEFAULT_TOKEN, BotApiSandbox, ChatMemberStatus, SentMessage
from bot.services.conversation import ConversationService
from bot.settings import load_settings
from bot.telegram.handlers import PatientHandlers
from bot.telegram.nurse_handlers import NurseHandlers, TelegramNurseDirectory
from bot.telegram.transport import TelegramTransport
from storage.db import create_engine, session_factory
from surveys.loader import load_default_survey
from tests.bot.nurse.nurse_world import START, NurseWorld

GROUP, ANNA, LI, BOB, OMAR = -100, 101, 102, 103, 200
SAM = 104  # a listed nurse whose private chat the tests use to wait for the bot


@dataclass
class NurseHarness(NurseWorld):
    sandbox: BotApiSandbox
    service: NurseService
    bot: Bot

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
        conversation = ConversationService(sessions, survey, settings, clock)
        application.add_handlers(NurseHandlers(service, settings).handlers())
        patients = PatientHandlers(conversation, TelegramTransport(bot), notifier=service)
        application.add_handlers(patients.handlers())  # after the nurse handlers, as assembled
        try:
            async with running(application, poll_timeout=1):
                yield NurseHarness(sessions, survey, settings, clock, sandbox, service, bot)
        finally:
            await engine.dispose()
