"""The dispatcher's tunables, with the defaults production uses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = ["DispatchPolicy"]


def _doubling(start: dt.timedelta, cap: dt.timedelta, count: int) -> tuple[dt.timedelta, ...]:
    return tuple(min(start * 2**n, cap) for n in range(count))


@dataclass(frozen=True)
class DispatchPolicy:
    """How hard and how long the dispatcher tries.

    ``concurrency``: check-ins (or reminders) in hand at once. Each waits about a second between
    its intro and its question, so it takes more than 30 to keep Telegram's 30 messages/s busy;
    more are claimed, at most ``batch_size`` at a time, as places free up. ``lease``: a
    ``sending`` claim older than this is taken to belong to a dead process and is recovered; a
    live process stops sending for a claim after half of it, so a claim is never recovered while
    its owner may still send. A minute: a crash delays its check-ins by about that much (each
    claim is sent within seconds of being taken, so half of it is plenty). ``retry_delays[n -
    1]``: how long a check-in released after ``n`` failed tries waits before the next tick may
    claim it again (the last value for more). After ``max_attempts`` failed tries it is marked
    missed as ``undeliverable``. Within one try a message is sent up to ``send_tries`` times on
    transient errors (exponential backoff from ``backoff_initial`` up to ``backoff_max``
    seconds) and waits out up to ``retry_later_tries`` rate limits of at most
    ``max_retry_after`` seconds each. ``tick_budget``: seconds after which a job stops taking
    new batches, so one run ends before the next is due (default: 80% of the tick interval).
    """

    batch_size: int = 100
    concurrency: int = 40
    lease: dt.timedelta = dt.timedelta(seconds=60)
    max_attempts: int = 10
    retry_delays: tuple[dt.timedelta, ...] = _doubling(
        dt.timedelta(seconds=30), dt.timedelta(minutes=30), 8
    )
    send_tries: int = 3
    backoff_initial: float = 0.5
    backoff_max: float = 8.0
    retry_later_tries: int = 3
    max_retry_after: float = 30.0
    reminder_min_gap: dt.timedelta = dt.timedelta(hours=1)
    tick_budget: float | None = None

    def __post_init__(self) -> None:
        if self.batch_size < 1 or self.concurrency < 1 or self.max_attempts < 1:
            raise ValueError("batch_size, concurrency and max_attempts must be at least 1")
        if self.send_tries < 1:
            raise ValueError("send_tries must be at least 1")
        if self.lease <= dt.timedelta(0):
            raise ValueError("lease must be positive")
