"""A running bot against the loopback Bot API sandbox, with a fake clock and a fresh database."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from bot.app import Services, build_application, build_services, running
from bot.clock import FakeClock
from bot.sandbox import DEFAULT_TOKEN, BotApiSandbox, SentMessage
from bot.services.enrolment import Enrolment, enrol_patient
from bot.settings import Settings, load_settings

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
PHONE = "+44 20 7946 0000"


@dataclass
class Harness:
    sandbox: BotApiSandbox
    services: Services
    clock: FakeClock

    @property
    def settings(self) -> Settings:
        return self.services.settings

    async def enrol(self, ref: str, **options: object) -> Enrolment:
        options.setdefault("surgery_date", self.clock.now().date())
        return await enrol_patient(
            self.services.sessions, self.services.survey, self.settings, self.clock,
            ref=ref, **options,  # type: ignore[arg-type]
        )  # fmt: skip

    async def next_message(self, chat_id: int, contains: str | None = None) -> SentMessage:
        """The next bot message (new or edited) in the chat, optionally containing a text."""

        def match(message: SentMessage) -> bool:
            labels = " ".join(b.label for row in message.buttons for b in row)
            return contains is None or contains in (message.text or "") + "\n" + labels

        return await self.sandbox.wait_for_message(chat_id, match, timeout=10)


@pytest.fixture
async def harness(db_url: str) -> AsyncIterator[Harness]:
    async with BotApiSandbox(token=DEFAULT_TOKEN) as sandbox:
        settings = load_settings(
            bot_token=DEFAULT_TOKEN,
            telegram_api_url=sandbox.base_url,
            database_url=db_url,
            ward_phone=PHONE,
            default_timezone="Europe/London",
            bot_username=sandbox.bot_username,
        )
        clock = FakeClock(START)
        services = build_services(settings, clock)
        application = build_application(services, jobs=False)
        async with running(application, poll_timeout=1):
            yield Harness(sandbox, services, clock)
