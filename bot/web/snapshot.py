"""A value that is expensive to compute, kept fresh in the background.

The worklist's slowly changing figures (the ward's quartiles, the pain trends, the patients
to call) read millions of rows. A request never waits for them once they exist: when they
are older than ``ttl`` the request is served what there is and one refresh starts beside
it; :meth:`Snapshot.keep_fresh` also refreshes them on a timer while the dashboard is
served, so a nurse opening the page after a quiet hour sees figures a few minutes old.
Every value carries the clock time it was computed at, which the page shows.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from bot.clock import Clock

__all__ = ["Fresh", "Snapshot"]

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class Fresh(Generic[T]):
    """A computed value and when its computation started (the data is at least that new)."""

    value: T
    as_of: dt.datetime


class Snapshot(Generic[T]):
    def __init__(self, compute: Callable[[], Awaitable[T]], clock: Clock, ttl: dt.timedelta):
        self._compute = compute
        self._clock = clock
        self._ttl = ttl
        self._current: Fresh[T] | None = None
        self._lock = asyncio.Lock()
        self._refreshing: asyncio.Task[None] | None = None
        self._computed = asyncio.Event()

    @property
    def ttl(self) -> dt.timedelta:
        return self._ttl

    @property
    def refreshing(self) -> asyncio.Task[None] | None:
        """The refresh started beside a request, while it runs."""
        return self._refreshing

    async def get(self) -> Fresh[T]:
        """The latest value; only the very first call waits for a computation."""
        current = self._current
        if current is None:
            return await self.refresh()
        if self._clock.now() - current.as_of >= self._ttl and self._refreshing is None:
            self._refreshing = asyncio.create_task(self._refresh_beside())
        return current

    async def fresh(self) -> Fresh[T]:
        """The value, computed now if it is older than ``ttl`` (for work that may wait:
        another snapshot's background refresh)."""
        current = self._current
        if current is not None and self._clock.now() - current.as_of < self._ttl:
            return current
        return await self.refresh()

    async def refresh(self) -> Fresh[T]:
        """Compute the value now (one computation at a time; a caller that waited for
        another's computation takes its result)."""
        requested = self._clock.now()
        async with self._lock:
            current = self._current
            if current is not None and current.as_of >= requested:
                return current
            fresh = Fresh(await self._compute(), requested)
            self._current = fresh
            self._computed.set()
            return fresh

    async def _refresh_logged(self) -> None:
        try:
            await self.refresh()
        except Exception:  # the old value stays; the next request or tick tries again
            log.exception("refreshing the dashboard's shared figures failed")

    async def _refresh_beside(self) -> None:
        try:
            await self._refresh_logged()
        finally:
            self._refreshing = None

    async def keep_fresh(self, every: float | None = None) -> None:
        """Refresh every ``every`` seconds (default: the ttl) until cancelled."""
        seconds = every if every is not None else self._ttl.total_seconds()
        while True:
            await self._refresh_logged()
            await asyncio.sleep(seconds)

    async def ready(self) -> Fresh[T]:
        """The value once the first computation (for example at start) has stored it."""
        await self._computed.wait()
        assert self._current is not None
        return self._current

    async def settled(self) -> None:
        """Wait for a refresh started beside a request (tests and the benchmark)."""
        task = self._refreshing
        if task is not None:
            await asyncio.shield(task)
