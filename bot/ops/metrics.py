"""Prometheus metrics: what the process counts as it goes, and what the database says now.

Counters (messages sent, 429s) live in the process; gauges (due-but-unsent check-ins,
outbox depth, open flags, live processes, last tick age) are read from the database at each
scrape, so every process reports the same picture of the shared database.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.services.replies import Edit, Keyboard, Outgoing
from bot.services.transport import RetryLater, Transient, Transport
from storage import health
from storage import instances as instance_store
from storage import outbox as outbox_store

__all__ = ["CONTENT_TYPE", "CountingTransport", "Metrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LEVELS = ("red", "amber", "info")
R = TypeVar("R")


class Metrics:
    """One registry per process (tests make their own)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sessions = sessions
        self._clock = clock
        self._monotonic = monotonic
        self._last_tick: float | None = None
        self.registry = CollectorRegistry()
        r = self.registry
        self.messages_sent = Counter(
            "followup_messages_sent", "Messages Telegram accepted from this process", registry=r
        )
        self.rate_limited = Counter(
            "followup_rate_limited", "429 answers (retry later) from the Bot API", registry=r
        )
        self.unconfirmed = Counter(
            "followup_sends_unconfirmed",
            "Sends without Telegram's answer (timeout, network or server error): they may have "
            "been delivered, so a retry may duplicate",
            registry=r,
        )
        self._due = Gauge(
            "followup_checkins_due_unsent", "Check-ins due now and not sent yet", registry=r
        )
        self._outbox = Gauge(
            "followup_outbox_depth", "Outbox messages not sent, by status", ["status"], registry=r
        )
        self._uncertain = Gauge(
            "followup_outbox_uncertain_resends",
            "Outbox re-sends after an unknown outcome (possible duplicates)",
            registry=r,
        )
        self._flags = Gauge(
            "followup_open_flags", "Flags not resolved, by level", ["level"], registry=r
        )
        self._instances = Gauge(
            "followup_instances_live",
            "Bot processes whose heartbeat is fresh (their claims are never taken over)",
            registry=r,
        )
        self._tick_age = Gauge(
            "followup_last_tick_age_seconds",
            "Seconds since this process's scheduler last finished a dispatch run (-1: never)",
            registry=r,
        )

    def ticked(self) -> None:
        """The scheduler finished a run of its jobs."""
        self._last_tick = self._monotonic()

    def tick_age(self) -> float | None:
        return None if self._last_tick is None else self._monotonic() - self._last_tick

    async def render(self) -> bytes:
        """Refresh the gauges from the database and render the text exposition format."""
        async with self.sessions() as session:
            due = await health.due_unsent_checkins(session, self._clock.now())
            depth = await outbox_store.stats(session)
            flags = await health.open_flags_by_level(session)
            live = await instance_store.live_instances(session, self._clock.now())
        self._instances.set(len(live))
        self._due.set(due)
        for status in ("pending", "sending", "failed"):
            self._outbox.labels(status).set(getattr(depth, status))
        self._uncertain.set(depth.uncertain)
        for level in sorted({*LEVELS, *flags}):
            self._flags.labels(level).set(flags.get(level, 0))
        age = self.tick_age()
        self._tick_age.set(-1 if age is None else age)
        return generate_latest(self.registry)


class CountingTransport:
    """A transport that counts what Telegram accepted, how often it said 429, and the sends
    whose outcome is unknown."""

    def __init__(self, inner: Transport, metrics: Metrics) -> None:
        self._inner = inner
        self._metrics = metrics

    async def send(self, chat_id: int, message: Outgoing) -> int:
        message_id = await self._counted(self._inner.send(chat_id, message), send=True)
        self._metrics.messages_sent.inc()
        return message_id

    async def edit(self, chat_id: int, edit: Edit) -> None:
        await self._counted(self._inner.edit(chat_id, edit))

    async def send_photo(
        self, chat_id: int, png: bytes, caption: str, keyboard: Keyboard = ()
    ) -> int:
        message_id = await self._counted(
            self._inner.send_photo(chat_id, png, caption, keyboard), send=True
        )
        self._metrics.messages_sent.inc()
        return message_id

    async def _counted(self, call: Awaitable[R], *, send: bool = False) -> R:
        try:
            return await call
        except RetryLater:
            self._metrics.rate_limited.inc()
            raise
        except Transient:
            if send:  # an edit repeated changes nothing; a send repeated may duplicate
                self._metrics.unconfirmed.inc()
            raise
