"""Run jobs a few at a time while more are fetched: the dispatcher's sends and reminders."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.scheduling.counts import Counts
from bot.scheduling.policy import DispatchPolicy

__all__ = ["Job", "keep_busy"]

log = logging.getLogger("bot.scheduling.dispatcher")

Job = Callable[[], Awaitable[str]]


async def keep_busy(
    take: Callable[[int], Awaitable[list[Job]]],
    counts: Counts,
    policy: DispatchPolicy,
    budget: float,
    monotonic: Callable[[], float],
) -> None:
    """Run the jobs ``take(limit)`` hands out, ``concurrency`` at a time, taking more
    as places free up.

    More are taken once a quarter of the places (or ``batch_size``, if smaller) are
    free, so the sends never wait for a batch to end, the claims come in batches, and a
    run ends within the time ``concurrency`` jobs take after its time budget. Nothing
    more is taken once ``take`` found fewer than asked for, a job's outcome was not
    ``sent``, or the budget is spent. Each outcome is counted in ``counts``.
    """
    enough = min(policy.batch_size, max(1, policy.concurrency // 4))
    started = monotonic()
    running: set[asyncio.Task[str]] = set()
    more = True
    try:
        while True:
            free = policy.concurrency - len(running)
            if more and free >= enough and monotonic() - started < budget:
                limit = min(policy.batch_size, free)
                jobs = await take(limit)
                more = len(jobs) == limit
                running |= {asyncio.create_task(_guarded(job)) for job in jobs}
            if not running:
                return
            done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                outcome = task.result()
                counts.bump(outcome)
                more = more and outcome == "sent"
    except asyncio.CancelledError:
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        raise
    except Exception:  # e.g. the database went away: let the sends under way finish
        await asyncio.gather(*running, return_exceptions=True)
        raise


async def _guarded(job: Job) -> str:
    """A crash counts as the job's error, not as the run's."""
    try:
        return await job()
    except Exception:
        log.exception("dispatcher step failed")
        return "errors"
