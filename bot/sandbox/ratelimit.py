"""Telegram-like flood limits (sliding windows) and the counters benchmarks read."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from bot.sandbox.errors import ApiError

__all__ = ["DEFAULT_LIMITED_METHODS", "RateLimiter", "RateLimits", "RateStats", "SecondCounts"]

DEFAULT_LIMITED_METHODS = frozenset({"sendmessage", "sendphoto", "senddocument"})


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Messages allowed per sliding window; None switches a limit off.

    Telegram's published guidance: about 30 messages per second overall, one per second
    per chat, 20 per minute per group. ``methods`` (lowercase) are the calls that count.
    """

    global_per_second: int | None = 30
    per_chat_per_second: int | None = 1
    per_group_per_minute: int | None = None
    methods: frozenset[str] = DEFAULT_LIMITED_METHODS


@dataclass(frozen=True, slots=True)
class SecondCounts:
    second: int
    accepted: int
    rejected: int


@dataclass(frozen=True, slots=True)
class RateStats:
    """Counted messages: accepted, refused with 429 by the limiter, and a per-second timeline
    (seconds since the first counted request)."""

    accepted: int
    rejected: int
    timeline: tuple[SecondCounts, ...]


class _Window:
    def __init__(self, limit: int, span: float) -> None:
        self.limit = limit
        self.span = span
        self.stamps: deque[float] = deque()

    def wait(self, now: float) -> float:
        """Seconds until one more message fits (0 when it fits now)."""
        while self.stamps and self.stamps[0] <= now - self.span:
            self.stamps.popleft()
        if len(self.stamps) < self.limit:
            return 0.0
        return self.stamps[0] + self.span - now


class RateLimiter:
    def __init__(self, limits: RateLimits | None, clock: Callable[[], float]) -> None:
        self._limits = limits
        self._clock = clock
        self._global = (
            _Window(limits.global_per_second, 1.0) if limits and limits.global_per_second else None
        )
        self._chats: dict[int, _Window] = {}
        self._groups: dict[int, _Window] = {}
        self._origin: float | None = None
        self._timeline: dict[int, list[int]] = {}
        self._accepted = 0
        self._rejected = 0

    @property
    def limits(self) -> RateLimits | None:
        return self._limits

    def counts(self, method: str) -> bool:
        methods = self._limits.methods if self._limits else DEFAULT_LIMITED_METHODS
        return method.lower() in methods

    def admit(self, method: str, chat_id: int, *, is_group: bool) -> None:
        """Count a message, or refuse it with 429 and ``retry_after`` when a window is full."""
        if not self.counts(method):
            return
        now = self._clock()
        windows = self._windows(chat_id, is_group)
        wait = max((window.wait(now) for window in windows), default=0.0)
        if wait > 0:
            self._tick(now, accepted=False)
            retry_after = max(1, math.ceil(wait))
            raise ApiError(
                429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
            )
        for window in windows:
            window.stamps.append(now)
        self._tick(now, accepted=True)

    def stats(self) -> RateStats:
        if not self._timeline:
            return RateStats(self._accepted, self._rejected, ())
        last = max(self._timeline)
        timeline = tuple(
            SecondCounts(second, *self._timeline.get(second, [0, 0])) for second in range(last + 1)
        )
        return RateStats(self._accepted, self._rejected, timeline)

    def _windows(self, chat_id: int, is_group: bool) -> list[_Window]:
        limits = self._limits
        if limits is None:
            return []
        windows = [self._global] if self._global else []
        if limits.per_chat_per_second:
            chat_window = self._chats.setdefault(chat_id, _Window(limits.per_chat_per_second, 1.0))
            windows.append(chat_window)
        if is_group and limits.per_group_per_minute:
            group_window = self._groups.setdefault(
                chat_id, _Window(limits.per_group_per_minute, 60.0)
            )
            windows.append(group_window)
        return windows

    def _tick(self, now: float, *, accepted: bool) -> None:
        if self._origin is None:
            self._origin = now
        bucket = self._timeline.setdefault(int(now - self._origin), [0, 0])
        if accepted:
            self._accepted += 1
            bucket[0] += 1
        else:
            self._rejected += 1
            bucket[1] += 1
