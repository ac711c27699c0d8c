"""Dispatch through python-telegram-bot and the loopback Bot API with Telegram's limits."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import telegram
from conftest import START
from scheduling_support import Sessions, add_patient, checkin_rows, flags, plan

from bot.clock import FakeClock
from bot.sandbox import DEFAULT_TOKEN, BotApiSandbox, RateLimits
from bot.scheduling import UNREACHABLE_RULE, Dispatcher, Pacer
from bot.services.conversation import ConversationService
from bot.settings import Settings
from bot.telegram.transport import TelegramTransport
from surveys.model import Survey

CHATS = (41, 42, 43)


@dataclass
class Wall:
    """Seconds that only pass when someone sleeps: shared by the sandbox and the pacer."""

    now: float = 1_780_000_000.0

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)


@dataclass
class Telegram:
    sandbox: BotApiSandbox
    bot: telegram.Bot
    wall: Wall


@pytest.fixture
async def telegram_api() -> AsyncIterator[Telegram]:
    wall = Wall()
    limits = RateLimits(global_per_second=30, per_chat_per_second=1)
    async with BotApiSandbox(DEFAULT_TOKEN, rate_limits=limits, clock=wall.time) as sandbox:
        for chat_id in CHATS:
            sandbox.create_private_chat(chat_id, f"Patient {chat_id}")
        bot = telegram.Bot(
            DEFAULT_TOKEN, base_url=sandbox.base_url, base_file_url=sandbox.base_file_url
        )
        async with bot:
            yield Telegram(sandbox, bot, wall)


def _dispatcher(
    api: Telegram,
    sessions: Sessions,
    survey: Survey,
    settings: Settings,
    clock: FakeClock,
    conversation: ConversationService,
    *,
    per_chat_interval: float,
) -> Dispatcher:
    pacer = Pacer(None, per_chat_interval, sleep=api.wall.sleep, monotonic=api.wall.time)
    return Dispatcher(
        sessions, survey, settings, clock, TelegramTransport(api.bot), conversation,
        instance="sandbox", pacer=pacer, sleep=api.wall.sleep, monotonic=api.wall.time,
    )  # fmt: skip


async def _patients(sessions: Sessions, clock: FakeClock) -> None:
    for chat_id in CHATS:
        await add_patient(sessions, clock, f"S{chat_id}", [plan("day_1", START)], chat_id=chat_id)


async def test_check_ins_reach_the_chats_paced_under_telegrams_limits(
    telegram_api: Telegram,
    sessions: Sessions,
    survey: Survey,
    settings: Settings,
    clock: FakeClock,
    conversation: ConversationService,
) -> None:
    await _patients(sessions, clock)
    dispatcher = _dispatcher(
        telegram_api, sessions, survey, settings, clock, conversation, per_chat_interval=1.05
    )

    counts = await dispatcher.dispatch_due()

    assert counts.sent == len(CHATS)
    assert telegram_api.sandbox.rate_stats.rejected == 0
    assert telegram_api.sandbox.violations == ()
    rows = {r.id: r for r in await checkin_rows(sessions)}
    for chat_id in CHATS:
        [question] = telegram_api.sandbox.transcript(chat_id).messages  # one per check-in
        assert question.text is not None and question.text.startswith(
            "Time for your check-in (day 1 after your operation). It takes about 2 minutes."
            "\n\n1/7\n"
        )
        assert [b.label for b in question.buttons[0]][:3] == ["0", "1", "2"]
        assert question.message_id in {r.message_id for r in rows.values()}


async def test_a_429_from_telegram_is_waited_out_for_its_retry_after(
    telegram_api: Telegram,
    sessions: Sessions,
    survey: Survey,
    settings: Settings,
    clock: FakeClock,
    conversation: ConversationService,
) -> None:
    await _patients(sessions, clock)
    for chat_id in CHATS:  # a message this second: the opening right after it is too soon
        await telegram_api.bot.send_message(chat_id, "Welcome")
    unpaced = _dispatcher(
        telegram_api, sessions, survey, settings, clock, conversation, per_chat_interval=0
    )
    started = telegram_api.wall.now

    counts = await unpaced.dispatch_due()

    assert counts.sent == len(CHATS)
    stats = telegram_api.sandbox.rate_stats
    assert stats.rejected >= 1 and stats.accepted == 2 * len(CHATS)
    assert telegram_api.wall.now - started >= 1  # retry_after was slept, not ignored
    for chat_id in CHATS:
        assert len(telegram_api.sandbox.transcript(chat_id).messages) == 2


async def test_telegram_errors_end_in_delivery_or_a_flag(
    telegram_api: Telegram,
    sessions: Sessions,
    survey: Survey,
    settings: Settings,
    clock: FakeClock,
    conversation: ConversationService,
) -> None:
    await _patients(sessions, clock)
    faults = telegram_api.sandbox.faults
    faults.add("sendMessage", "403", times=5, chat_id=41)
    faults.add("sendMessage", "500", times=2, chat_id=42)
    dispatcher = _dispatcher(
        telegram_api, sessions, survey, settings, clock, conversation, per_chat_interval=1.05
    )

    counts = await dispatcher.dispatch_due()
    clock.advance(dt.timedelta(minutes=1))
    again = await dispatcher.dispatch_due()

    assert (counts.sent, counts.blocked, again.claimed) == (2, 1, 0)
    assert telegram_api.sandbox.transcript(41).messages == ()
    assert len(telegram_api.sandbox.transcript(42).messages) == 1  # the opening: one message
    [flag] = await flags(sessions)
    assert (flag.rule_id, flag.evidence["reason"]) == (UNREACHABLE_RULE, "blocked")
