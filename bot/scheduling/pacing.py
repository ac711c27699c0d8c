"""Telegram's flood limits on the sending side: pace, retry, and give up in time.

Telegram allows about 30 messages per second per bot token and one per second per chat,
counted over sliding one-second windows. :class:`Pacer` keeps this process's messages
evenly spaced at ``rate`` per second (no bursts), keeps ``per_chat_interval`` seconds between
two messages to the same chat, and never lets more than ``per_second`` (Telegram's 30)
messages reach Telegram within one second. Both limits count from when Telegram *answered*
the earlier message: Telegram counts a message somewhere between our request leaving and
its answer arriving, so a message that leaves a full second after the answer of the one
``per_second`` (or, per chat, one) before it can never fall into the same window, however
long the network takes. That round trip is the safety margin; with ``rate`` at the cap the
pacer runs at ``30 / (1 s + round trip)``.

Several processes sharing one token: each gets ``FOLLOWUP_SEND_RATE`` messages per second,
so set it to ``30 / N`` (or a little less) for N processes; the default 25 leaves room for
interactive replies of a single process, which do not go through this pacer.

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
import contextlib
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from bot.scheduling.policy import DispatchPolicy
from bot.services.replies import Edit, Keyboard, Outgoing
from bot.services.transport import DeliveryError, RetryLater, Transient, Transport

__all__ = ["TELEGRAM_PER_SECOND", "ClaimExpired", "PacedTransport", "Pacer", "Sleep"]

Sleep = Callable[[float], Awaitable[None]]
T = TypeVar("T")

TELEGRAM_PER_SECOND = 30
"""Messages Telegram accepts from one bot within any one second."""

_WINDOW = 1.0  # seconds: Telegram's windows, overall and per chat
_PRUNE_ABOVE = 4096


class ClaimExpired(DeliveryError):
    """The claim's time budget ran out before this message could be sent."""


class _Message:
    """One message under way: answered once Telegram's answer (or error) came back."""

    __slots__ = ("answered", "answered_at")

    def __init__(self) -> None:
        self.answered_at: float | None = None
        self.answered = asyncio.Event()


class _Chat:
    """A chat's messages, one at a time: the next leaves ``free_at`` at the earliest."""

    __slots__ = ("free_at", "turn", "users")

    def __init__(self) -> None:
        self.free_at = -math.inf
        self.turn = asyncio.Lock()
        self.users = 0


class Pacer:
    """Spaces messages: ``rate`` per second overall (at most ``per_second`` within any second
    at Telegram), and ``per_chat_interval`` seconds apart per chat.

    Use ``async with pacer.slot(chat_id):`` around each request. ``rate=None`` switches the
    overall limits off (tests, and transports that pace themselves). ``sleep`` is trusted to
    wait as long as asked (tests pass instant ones).
    """

    def __init__(
        self,
        rate: float | None,
        per_chat_interval: float = 1.05,
        *,
        per_second: int = TELEGRAM_PER_SECOND,
        sleep: Sleep = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate is not None and rate <= 0:
            raise ValueError("rate must be positive (or None for no limit)")
        if per_second < 1:
            raise ValueError("per_second must be at least 1")
        self._rate = rate
        self._interval = 1 / rate if rate else 0.0
        self._per_second = per_second if rate else 0
        self._per_chat = per_chat_interval
        self._sleep = sleep
        self._monotonic = monotonic
        self._turn = asyncio.Lock()  # first come, first served
        self._due = -math.inf  # when the next message is due on the even schedule
        self._recent: deque[_Message] = deque()  # the last ``per_second`` messages
        self._window_from = -math.inf  # the next message leaves a second after this answer
        self._paused_until = -math.inf
        self._chats: dict[int, _Chat] = {}

    @classmethod
    def unlimited(cls, sleep: Sleep = asyncio.sleep) -> Pacer:
        """No spacing at all (tests, and transports that pace themselves)."""
        return cls(None, 0.0, sleep=sleep)

    @property
    def rate(self) -> float | None:
        """Messages per second this pacer aims at (None: no limit)."""
        return self._rate

    @contextlib.asynccontextmanager
    async def slot(self, chat_id: int) -> AsyncIterator[None]:
        """Wait until one more message to ``chat_id`` fits the limits; send it inside.

        Messages to one chat go one at a time. Leaving the block marks the message
        answered, whether it was sent or failed.
        """
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Chat()
        chat.users += 1
        try:
            async with chat.turn:
                await self._sleep_until(max(chat.free_at, self._paused_until))
                message = await self._depart()
                try:
                    yield
                finally:
                    answered_at = self._monotonic()
                    message.answered_at = answered_at
                    message.answered.set()
                    chat.free_at = answered_at + self._per_chat
        finally:
            chat.users -= 1
            if len(self._chats) > _PRUNE_ABOVE:
                self._prune(self._monotonic())

    def pause(self, seconds: float) -> None:
        """Hold every message for ``seconds`` (Telegram said: retry after)."""
        self._paused_until = max(self._paused_until, self._monotonic() + seconds)

    async def _depart(self) -> _Message:
        """Wait for this message's turn overall: the even schedule, a pause, and a free
        place in Telegram's window."""
        async with self._turn:
            if len(self._recent) == self._per_second > 0:
                # a second after the answer to the message ``per_second`` before this one
                # (messages leave in order, so every earlier one is a second behind too)
                oldest = self._recent[0]
                await oldest.answered.wait()
                self._recent.popleft()
                assert oldest.answered_at is not None
                self._window_from = oldest.answered_at
            now = await self._sleep_until(
                max(self._due, self._paused_until, self._window_from + _WINDOW)
            )
            # a message less than an interval late is made up by the next one (timers fire
            # late under load); after a longer gap the schedule starts afresh
            on_time = 0 <= now - self._due < self._interval
            self._due = (self._due if on_time else now) + self._interval
            message = _Message()
            if self._per_second:
                self._recent.append(message)
            return message

    async def _sleep_until(self, at: float) -> float:
        """Sleep until ``at`` (monotonic seconds); return the time then."""
        now = self._monotonic()
        if at <= now:
            return now
        await self._sleep(at - now)
        return max(at, self._monotonic())

    def _prune(self, now: float) -> None:
        for chat_id in [c for c, chat in self._chats.items() if not chat.users
                        and chat.free_at <= now]:  # fmt: skip
            del self._chats[chat_id]


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
            async with self._pacer.slot(chat_id):
                self._check_deadline()
                return await action()

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
