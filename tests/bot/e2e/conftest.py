"""A running bot against the loopback Bot API sandbox, with a fake clock and a fresh database."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field

import pytest

from bot.app import BotApp, Services, build_bot, build_services, running
from bot.clock import FakeClock
from bot.sandbox import DEFAULT_TOKEN, BotApiSandbox, SentMessage
from bot.services.enrolment import Enrolment, enrol_patient
from bot.settings import Settings, load_settings

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
PHONE = "+44 20 7946 0000"
NURSES, NURSE = -100, 9001


@dataclass
class Harness:
    sandbox: BotApiSandbox
    settings: Settings
    clock: FakeClock
    services: Services = field(init=False)
    bot: BotApp = field(init=False)
    _stack: AsyncExitStack = field(default_factory=AsyncExitStack)

    async def start_bot(self, *, jobs: bool = False) -> None:
        self.services = build_services(self.settings, self.clock)
        self.bot = build_bot(self.services, jobs=jobs)
        await self._stack.enter_async_context(running(self.bot.application, poll_timeout=1))

    async def stop_bot(self) -> None:
        await self._stack.aclose()

    async def restart_bot(self, *, jobs: bool = False) -> None:
        """Stop the bot process and start a new one on the same database."""
        await self.stop_bot()
        self._stack = AsyncExitStack()
        await self.start_bot(jobs=jobs)

    async def enrol(self, ref: str, **options: object) -> Enrolment:
        options.setdefault("surgery_date", self.clock.now().date())
        return await enrol_patient(
            self.services.sessions, self.services.survey, self.settings, self.clock,
            ref=ref, **options,  # type: ignore[arg-type]
        )  # fmt: skip

    async def next_message(self, chat_id: int, contains: str | None = None) -> SentMessage:
        """The next bot message (new or edited) in the chat whose text or buttons contain text."""

        def match(message: SentMessage) -> bool:
            labels = " ".join(b.label for row in message.buttons for b in row)
            return contains is None or contains in (message.text or "") + "\n" + labels

        return await self.sandbox.wait_for_message(chat_id, match, timeout=10)


@pytest.fixture
async def harness(db_url: str) -> AsyncIterator[Harness]:
    async with BotApiSandbox(token=DEFAULT_TOKEN) as sandbox:
        sandbox.create_private_chat(NURSE, "Nurse Chen")
        sandbox.create_group(NURSES, "Spine ward nurses", {NURSE: "administrator"})
        settings = load_settings(
            _env_file=None,
            nurse_chat_id=NURSES,
            bot_token=DEFAULT_TOKEN,
            telegram_api_url=sandbox.base_url,
            database_url=db_url,
            ward_phone=PHONE,
            default_timezone="Europe/London",
            bot_username=sandbox.bot_username,
        )
        harness = Harness(sandbox, settings, FakeClock(START))
        await harness.start_bot()
        try:
            yield harness
        finally:
            await harness.stop_bot()
