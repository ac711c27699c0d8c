"""The production rate limiter: Telegram's limits, with replies to answering patients first.

Telegram allows about 30 messages per second per bot and, per chat, about one per second
over time while tolerating short bursts. :class:`ReplyFirstLimiter` (a python-telegram-bot
``BaseRateLimiter``) keeps every chat-bound call of the process within:

* **overall**: at most ``per_second`` calls under way or answered less than a second ago
  (counting from Telegram's answer leaves the network's round trip as a safety margin);
* **per chat** (messages only; edits and callback answers are not messages): a bucket of
  ``chat_burst`` messages refilled at ``chat_rate`` per second, so a reply follows a tap
  at once and a chat still averages one message a second;
* **priority**: a call made while handling a patient's update (:data:`REPLYING`, set by
  the update processor) takes the next free overall place before any waiting dispatch,
  reminder or nurse card, so a dispatch wave never delays an answer by seconds.

A 429 pauses every call for its ``retry_after`` and the call is tried again, up to
``max_retries`` times; then the error reaches the caller (a reply is then retried later by
the patient handlers, a dispatch by the dispatcher).
"""

from __future__ import annotations

import asyncio
import contextvars
import heapq
import itertools
import math
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

__all__ = ["REPLYING", "Budget", "ReplyFirstLimiter"]

REPLYING: contextvars.ContextVar[bool] = contextvars.ContextVar("followup_replying", default=False)
"""True while the current task handles a patient's (or nurse's) update."""

Sleep = Callable[[float], Awaitable[None]]
_WINDOW = 1.0
_REPLY, _BACKGROUND = 0, 1
_UNLIMITED = frozenset(
    {"answercallbackquery", "getupdates", "getme", "getchatmember", "getchat", "setmycommands",
     "deletewebhook", "setwebhook", "getwebhookinfo", "getfile", "sendchataction", "close",
     "logout"}
)  # fmt: skip
"""Calls that are not chat-bound messages or edits: never held back."""


class Budget:
    """``per_second`` places, each taken at departure and free a second after the answer;
    waiters are served by priority (replies first), then in arrival order."""

    def __init__(
        self,
        per_second: int,
        monotonic: Callable[[], float] = time.monotonic,
        *,
        sleep: Sleep = asyncio.sleep,
        window: float = _WINDOW,
    ) -> None:
        self._free = per_second
        self._sleep = sleep
        self._window = window
        self._monotonic = monotonic
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._paused_until = -math.inf

    async def take(self, priority: int) -> None:
        while True:
            pause = self._paused_until - self._monotonic()
            if pause > 0:
                await self._sleep(pause)
                continue
            if self._free > 0 and not self._waiting:
                self._free -= 1
                return
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            entry = (priority, next(self._order), waiter)
            heapq.heappush(self._waiting, entry)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    self._release_now()  # handed a place it can no longer use
                else:
                    self._waiting.remove(entry)
                    heapq.heapify(self._waiting)
                raise
            if self._paused_until <= self._monotonic():
                return
            self._release_now()  # paused meanwhile: queue again after the pause

    def give_back(self) -> None:
        """The call was answered: its place is free again a second later."""
        asyncio.get_running_loop().call_later(self._window, self._release_now)

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)

    def _release_now(self) -> None:
        while self._waiting:
            _, _, waiter = heapq.heappop(self._waiting)
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free += 1


class _ChatBucket:
    __slots__ = ("at", "lock", "tokens")

    def __init__(self, burst: float, now: float) -> None:
        self.tokens = burst
        self.at = now
        self.lock = asyncio.Lock()


class ReplyFirstLimiter(BaseRateLimiter[None]):
    """Telegram's flood limits for one process, replies to patients first (see module)."""

    def __init__(
        self,
        per_second: int = 30,
        *,
        chat_burst: int = 3,
        chat_rate: float = 1.0,
        max_retries: int = 5,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        window: float = _WINDOW,
    ) -> None:
        self._budget = Budget(per_second, monotonic, sleep=sleep, window=window)
        self._sleep = sleep
        self._chat_burst = float(chat_burst)
        self._chat_rate = chat_rate
        self._max_retries = max_retries
        self._monotonic = monotonic
        self._chats: dict[int | str, _ChatBucket] = {}

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat_id = data.get("chat_id")
        if endpoint.lower() in _UNLIMITED or chat_id is None:
            return await callback(*args, **kwargs)
        priority = _REPLY if REPLYING.get() else _BACKGROUND
        is_message = endpoint.lower().startswith("send")
        tries = 0
        while True:
            if is_message:
                await self._chat_turn(chat_id)
            await self._budget.take(priority)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                delay = exc.retry_after
                seconds = delay if isinstance(delay, (int, float)) else delay.total_seconds()
                self._budget.pause(seconds)
                tries += 1
                if tries > self._max_retries:
                    raise
            finally:
                self._budget.give_back()

    async def _chat_turn(self, chat_id: int | str) -> None:
        """Wait for a token of the chat's bucket (messages to one chat leave in order)."""
        now = self._monotonic()
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if len(self._chats) > 4096:
                self._prune(now)
            bucket = self._chats[chat_id] = _ChatBucket(self._chat_burst, now)
        async with bucket.lock:
            now = self._monotonic()
            bucket.tokens = min(
                self._chat_burst, bucket.tokens + (now - bucket.at) * self._chat_rate
            )
            bucket.at = now
            if bucket.tokens < 1:
                await self._sleep((1 - bucket.tokens) / self._chat_rate)
                bucket.tokens, bucket.at = 1.0, self._monotonic()
            bucket.tokens -= 1

    def _prune(self, now: float) -> None:
        full = [key for key, b in self._chats.items() if not b.lock.locked()
                and b.tokens + (now - b.at) * self._chat_rate >= self._chat_burst]  # fmt: skip
        for key in full:
            del self._chats[key]
