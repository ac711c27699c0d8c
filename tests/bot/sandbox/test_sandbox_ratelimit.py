"""Telegram-like flood limits: sliding one-second windows answered with 429 + retry_after."""

from __future__ import annotations

import datetime as dtm
from collections.abc import AsyncIterator

import pytest
from sandbox_support import PATIENT, TOKEN, SteppedClock, make_bot
from telegram import Bot
from telegram.error import RetryAfter

from bot.sandbox import BotApiSandbox, RateLimits, RateStats, SecondCounts
from bot.sandbox.errors import ApiError
from bot.sandbox.ratelimit import RateLimiter

PATIENTS = range(1001, 1011)


@pytest.fixture
async def limited(clock: SteppedClock) -> AsyncIterator[tuple[BotApiSandbox, Bot]]:
    limits = RateLimits(global_per_second=3, per_chat_per_second=1)
    async with BotApiSandbox(token=TOKEN, clock=clock, rate_limits=limits) as sandbox:
        for user_id in PATIENTS:
            sandbox.create_private_chat(user_id, f"Patient {user_id}")
        async with make_bot(sandbox) as bot:
            yield sandbox, bot


async def test_global_limit_answers_429_beyond_the_window(
    limited: tuple[BotApiSandbox, Bot], clock: SteppedClock
) -> None:
    sandbox, bot = limited
    for user_id in list(PATIENTS)[:3]:
        await bot.send_message(user_id, "Check-in")
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(1004, "Check-in")
    assert raised.value.retry_after == dtm.timedelta(seconds=1)

    clock.advance(1.0)
    await bot.send_message(1004, "Check-in")
    assert sandbox.rate_stats == RateStats(
        accepted=4,
        rejected=1,
        timeline=(SecondCounts(0, 3, 1), SecondCounts(1, 1, 0)),
    )
    assert sandbox.violations == ()


async def test_default_limits_refuse_the_31st_message_in_a_second(clock: SteppedClock) -> None:
    async with BotApiSandbox(token=TOKEN, clock=clock, rate_limits=RateLimits()) as sandbox:
        for user_id in range(2001, 2032):
            sandbox.create_private_chat(user_id, f"Patient {user_id}")
        async with make_bot(sandbox) as bot:
            for user_id in range(2001, 2031):
                await bot.send_message(user_id, "Check-in")
            with pytest.raises(RetryAfter):
                await bot.send_message(2031, "Check-in")
        assert (sandbox.rate_stats.accepted, sandbox.rate_stats.rejected) == (30, 1)


async def test_per_chat_limit_is_one_message_per_second(
    limited: tuple[BotApiSandbox, Bot], clock: SteppedClock
) -> None:
    sandbox, bot = limited
    await bot.send_message(1001, "Question 1")
    clock.advance(0.5)
    with pytest.raises(RetryAfter):
        await bot.send_message(1001, "Question 2")
    await bot.send_message(1002, "Question 1")  # another chat is not affected
    clock.advance(0.5)
    await bot.send_message(1001, "Question 2")
    assert sandbox.transcript(1001).texts == ("Question 1", "Question 2")


async def test_refused_message_is_not_delivered_and_not_a_violation(
    limited: tuple[BotApiSandbox, Bot],
) -> None:
    sandbox, bot = limited
    await bot.send_message(1001, "One")
    with pytest.raises(RetryAfter):
        await bot.send_message(1001, "Two")
    assert sandbox.transcript(1001).texts == ("One",)
    assert sandbox.violations == ()


async def test_without_limits_messages_are_only_counted(
    bot: Bot, sandbox: BotApiSandbox, clock: SteppedClock
) -> None:
    for _ in range(3):
        for _burst in range(5):
            await bot.send_message(PATIENT, "Burst")
        clock.advance(1.0)
    stats = sandbox.rate_stats
    assert (stats.accepted, stats.rejected) == (15, 0)
    assert [entry.accepted for entry in stats.timeline] == [5, 5, 5]


@pytest.mark.parametrize(
    ("limits", "sends", "refused"),
    [
        # (chat id, seconds since start) for each send; indexes refused
        (
            RateLimits(global_per_second=2, per_chat_per_second=None),
            [(1, 0.0), (2, 0.1), (3, 0.2)],
            [2],
        ),
        (
            RateLimits(global_per_second=2, per_chat_per_second=None),
            [(1, 0.0), (2, 0.5), (3, 1.0)],
            [],
        ),
        (
            RateLimits(global_per_second=None, per_chat_per_second=1),
            [(1, 0.0), (1, 0.99), (1, 1.0)],
            [1],
        ),
        (
            RateLimits(global_per_second=None, per_chat_per_second=None, per_group_per_minute=2),
            [(-1, 0.0), (-1, 10.0), (-1, 30.0), (-1, 60.0)],
            [2],
        ),
    ],
)
def test_sliding_windows(
    limits: RateLimits, sends: list[tuple[int, float]], refused: list[int]
) -> None:
    clock = SteppedClock(0.0)
    limiter = RateLimiter(limits, clock)
    outcome = []
    for index, (chat_id, at) in enumerate(sends):
        clock.now = at
        try:
            limiter.admit("sendMessage", chat_id, is_group=chat_id < 0)
        except ApiError as error:
            assert error.error_code == 429
            outcome.append(index)
    assert outcome == refused


def test_retry_after_rounds_the_wait_up() -> None:
    clock = SteppedClock(0.0)
    limiter = RateLimiter(
        RateLimits(global_per_second=None, per_chat_per_second=None, per_group_per_minute=1), clock
    )
    limiter.admit("sendMessage", -1, is_group=True)
    clock.now = 20.2
    with pytest.raises(ApiError) as raised:
        limiter.admit("sendMessage", -1, is_group=True)
    assert raised.value.retry_after == 40
    assert raised.value.envelope() == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 40",
        "parameters": {"retry_after": 40},
    }


def test_only_sending_methods_count() -> None:
    limiter = RateLimiter(RateLimits(global_per_second=1), SteppedClock(0.0))
    limiter.admit("editMessageText", 1, is_group=False)
    limiter.admit("sendMessage", 1, is_group=False)
    assert limiter.stats().accepted == 1
