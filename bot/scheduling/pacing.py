"""Telegram's flood limits on the sending side: pace, retry, and give up in time.

Telegram allows about 30 messages per second per bot token and one per second per chat.
:class:`Pacer` spaces this process's messages evenly at ``rate`` per second (no bursts: a
burst of ``rate`` followed by the steady rate would exceed 30 in a one-second window) and
keeps ``per_chat_interval`` seconds between two messages to the same chat.

Several processes sharing one token: each gets ``FOLLOWUP_SEND_RATE`` messages per second,
so set it to ``30 / N`` (or a little less) for N processes; the default 25 leaves room for
interactive replies of a single process.

:class:`PacedTransport` wraps a :class:`~bot.services.transport.Transport`: each message
waits for the pacer, is retried with exponential backoff on
:class:`~bot.services.transport.Transient` errors (tenacity), waits out a
:class:`~bot.services.transport.RetryLater` (pausing the whole pacer, since Telegram's flood
control applies to the bot), and is refused with :class:`ClaimExpired` once the claim's
deadline has passed. A timed-out request may still have been delivered by Telegram; it is
retried anyway, so such a message can arrive twice (we cannot know).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiolimiter import AsyncLimiter
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from bot.scheduling.policy import DispatchPolicy
from bot.services.replies import Edit, Keyboard, Outgoing
from bot.services.transport import DeliveryError, RetryLater, Transient, Transport

__all__ = ["ClaimExpired", "PacedTransport", "Pacer", "Sleep"]

Sleep = Callable[[float], Awaitable[None]]
T = TypeVar("T")

_PRUNE_ABOVE = 4096


class ClaimExpired(DeliveryError):
    """The claim's time budget ran out before this message could be sent."""


class Pacer:
    """Spaces messages: ``rate`` per second overall, ``per_chat_interval`` s apart per chat."""

    def __init__(
        self,
        rate: float | None,
        per_chat_interval: float = 1.05,
        *,
        sleep: Sleep = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate is not None and rate <= 0:
            raise ValueError("rate must be positive (or None for no limit)")
        self._limiter = AsyncLimiter(1, 1 / rate) if rate else None
        self._per_chat = per_chat_interval
        self._sleep = sleep
        self._monotonic = monotonic
        self._chat_free_at: dict[int, float] = {}
        self._paused_until = 0.0

    @classmethod
    def unlimited(cls, sleep: Sleep = asyncio.sleep) -> Pacer:
        """No spacing at all (tests, and transports that pace themselves)."""
        return cls(None, 0.0, sleep=sleep)

    async def wait(self, chat_id: int) -> None:
        """Return when one more message to ``chat_id`` fits the limits."""
        now = self._monotonic()
        start = max(now, self._chat_free_at.get(chat_id, 0.0), self._paused_until)
        self._chat_free_at[chat_id] = start + self._per_chat
        if start > now:
            await self._sleep(start - now)
        if self._limiter is not None:
            await self._limiter.acquire()
        self.sent(chat_id)
        if len(self._chat_free_at) > _PRUNE_ABOVE:
            self._prune(self._monotonic())

    def sent(self, chat_id: int) -> None:
        """A message to the chat has just left (or come back): the next waits a full interval.

        Called again once Telegram answered, so network delays never squeeze two messages
        of one chat closer than the interval at Telegram's end.
        """
        self._chat_free_at[chat_id] = max(
            self._chat_free_at.get(chat_id, 0.0), self._monotonic() + self._per_chat
        )

    def pause(self, seconds: float) -> None:
        """Hold every message for ``seconds`` (Telegram said: retry after)."""
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)

    def _prune(self, now: float) -> None:
        for chat_id in [c for c, free in self._chat_free_at.items() if free <= now]:
            del self._chat_free_at[chat_id]


class PacedTransport:
    """A transport whose sends are paced, retried, and bounded by a deadline."""

    def __init__(
        self,
        transport: Transport,
        pacer: Pacer,
        policy: DispatchPolicy,
        *,
        sleep: Sleep = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        deadline: float | None = None,
    ) -> None:
        self._transport = transport
        self._pacer = pacer
        self._policy = policy
        self._sleep = sleep
        self._monotonic = monotonic
        self._deadline = deadline

    def until(self, deadline: float) -> PacedTransport:
        """The same transport, refusing to start a message after ``deadline`` (monotonic s)."""
        return PacedTransport(
            self._transport, self._pacer, self._policy, sleep=self._sleep,
            monotonic=self._monotonic, deadline=deadline,
        )  # fmt: skip

    async def send(self, chat_id: int, message: Outgoing) -> int:
        return await self._paced(chat_id, lambda: self._transport.send(chat_id, message))

    async def edit(self, chat_id: int, edit: Edit) -> None:
        await self._paced(chat_id, lambda: self._transport.edit(chat_id, edit))

    async def send_photo(
        self, chat_id: int, png: bytes, caption: str, keyboard: Keyboard = ()
    ) -> int:
        return await self._paced(
            chat_id, lambda: self._transport.send_photo(chat_id, png, caption, keyboard)
        )

    async def _paced(self, chat_id: int, action: Callable[[], Awaitable[T]]) -> T:
        async def paced() -> T:
            self._check_deadline()
            await self._pacer.wait(chat_id)
            self._check_deadline()
            try:
                return await action()
            finally:
                self._pacer.sent(chat_id)

        return await self._retried(paced)

    async def _retried(self, action: Callable[[], Awaitable[T]]) -> T:
        """Transient errors: a few tries with exponential backoff."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._policy.send_tries),
            wait=wait_exponential(
                multiplier=self._policy.backoff_initial, max=self._policy.backoff_max
            ),
            retry=retry_if_exception_type(Transient),
            sleep=self._sleep,
            reraise=True,
        )
        return await retrying(self._waiting_out_rate_limits, action)

    async def _waiting_out_rate_limits(self, action: Callable[[], Awaitable[T]]) -> T:
        """Rate limits: pause the pacer and try again (the action waits for the pacer)."""
        limited = 0
        while True:
            try:
                return await action()
            except RetryLater as exc:
                limited += 1
                self._pacer.pause(exc.retry_after)  # the next message waits it out
                if (
                    limited > self._policy.retry_later_tries
                    or exc.retry_after > self._policy.max_retry_after
                ):
                    raise

    def _check_deadline(self) -> None:
        if self._deadline is not None and self._monotonic() >= self._deadline:
            raise ClaimExpired("claim deadline passed")
