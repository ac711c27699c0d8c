"""The production limiter: replies first, short bursts per chat, 429s waited out."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram.error import RetryAfter

from bot.telegram.rate_limiter import REPLYING, Budget, ReplyFirstLimiter


class Clock:
    """A monotonic clock that moves only when something sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_waiting_reply_goes_before_waiting_dispatches() -> None:
    clock = Clock()
    budget = Budget(1, clock, sleep=clock.sleep, window=0)
    order: list[str] = []

    async def call(name: str, priority: int) -> None:
        await budget.take(priority)
        order.append(name)

    await budget.take(1)  # a dispatch under way holds the only place
    dispatches = [asyncio.create_task(call(f"dispatch {n}", 1)) for n in (1, 2)]
    await _settle()
    reply = asyncio.create_task(call("reply", 0))  # arrives after both dispatches
    await _settle()
    assert order == []
    for _ in range(3):
        budget.give_back()
        await _settle()
    await asyncio.gather(reply, *dispatches)
    assert order == ["reply", "dispatch 1", "dispatch 2"]


async def _send(limiter: ReplyFirstLimiter, chat_id: int, sent: list[int]) -> Any:
    async def callback() -> dict[str, Any]:
        sent.append(chat_id)
        return {"message_id": len(sent)}

    return await limiter.process_request(
        callback, (), {}, "sendMessage", {"chat_id": chat_id}, None
    )


async def test_a_chat_gets_a_short_burst_then_one_message_a_second() -> None:
    clock = Clock()
    limiter = ReplyFirstLimiter(30, chat_burst=3, monotonic=clock, sleep=clock.sleep, window=0)
    sent: list[int] = []
    for _ in range(3):
        await _send(limiter, 7, sent)
    assert clock.slept == []  # the reply follows the tap at once
    await _send(limiter, 7, sent)
    await _send(limiter, 8, sent)  # another chat has its own bucket
    assert clock.slept == [1.0]
    assert sent == [7, 7, 7, 7, 8]


async def test_edits_and_callback_answers_do_not_use_the_chat_bucket() -> None:
    clock = Clock()
    limiter = ReplyFirstLimiter(30, chat_burst=1, monotonic=clock, sleep=clock.sleep, window=0)
    calls: list[str] = []

    async def callback() -> bool:
        calls.append("call")
        return True

    for _ in range(5):
        await limiter.process_request(
            callback, (), {}, "editMessageText", {"chat_id": 7, "message_id": 1}, None
        )
        await limiter.process_request(
            callback, (), {}, "answerCallbackQuery", {"callback_query_id": "1"}, None
        )
    assert len(calls) == 10 and clock.slept == []


async def test_a_429_pauses_and_the_call_is_tried_again() -> None:
    clock = Clock()
    limiter = ReplyFirstLimiter(30, monotonic=clock, sleep=clock.sleep, window=0)
    tries = 0

    async def callback() -> dict[str, Any]:
        nonlocal tries
        tries += 1
        if tries == 1:
            raise RetryAfter(3)
        return {"ok": True}

    token = REPLYING.set(True)
    try:
        result = await limiter.process_request(
            callback, (), {}, "sendMessage", {"chat_id": 7}, None
        )
    finally:
        REPLYING.reset(token)
    assert result == {"ok": True}
    assert tries == 2 and clock.slept == [3.0]
