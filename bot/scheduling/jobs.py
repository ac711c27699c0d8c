"""Register the dispatcher's jobs with python-telegram-bot's JobQueue or an APScheduler.

The jobs live in memory only (APScheduler's default store): never share a job store between
processes. Nothing is lost that way, because every job asks the database what is due.
Job ids are deterministic, so registering twice replaces rather than duplicates.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Final, Protocol

from bot.scheduling.dispatcher import Dispatcher
from bot.settings import Settings

__all__ = [
    "JOB_IDS",
    "OUTBOX_JOB_ID",
    "RepeatingQueue",
    "Scheduler",
    "run_jobs_now",
    "schedule_jobs",
    "schedule_outbox",
]

log = logging.getLogger(__name__)

# job id → dispatcher method, in the order a tick runs them
JOB_IDS: Final = {
    "followup.close_windows": "close_windows",
    "followup.flag_missed": "flag_missed",
    "followup.dispatch_due": "dispatch_due",
    "followup.send_reminders": "send_reminders",
}

OUTBOX_JOB_ID: Final = "followup.outbox"

# one run at a time; runs missed while busy collapse into one, however late
_JOB_OPTIONS: Final = {
    "max_instances": 1,
    "coalesce": True,
    "misfire_grace_time": None,
    "replace_existing": True,
}


class RepeatingQueue(Protocol):
    """python-telegram-bot's ``JobQueue``."""

    def run_repeating(
        self,
        callback: Callable[[Any], Coroutine[Any, Any, Any]],
        interval: float | dt.timedelta,
        first: float | dt.timedelta | dt.datetime | dt.time | None = None,
        last: float | dt.timedelta | dt.datetime | dt.time | None = None,
        data: object | None = None,
        name: str | None = None,
        chat_id: int | None = None,
        user_id: int | None = None,
        job_kwargs: dict[str, Any] | None = None,
    ) -> Any: ...


class Scheduler(Protocol):
    """An APScheduler 3 scheduler (``AsyncIOScheduler``)."""

    def add_job(self, func: Callable[..., Any], trigger: str, **kwargs: Any) -> Any: ...


def schedule_jobs(
    target: RepeatingQueue | Scheduler,
    dispatcher: Dispatcher,
    settings: Settings,
    *,
    after_run: Callable[[], None] | None = None,
) -> list[str]:
    """Run each job every ``settings.tick_seconds``, the first time right away (catch-up).

    Returns the job ids. A run still busy when the next is due is skipped, not doubled.
    ``after_run`` is told each time the dispatch job finished a run (for health checks).
    """
    for job_id, method in JOB_IDS.items():
        job = getattr(dispatcher, method)
        if after_run is not None and method == "dispatch_due":
            job = _then(job, after_run)
        run = _guarded(job_id, job)
        if hasattr(target, "run_repeating"):

            async def callback(_context: object, run: Callable[[], Awaitable[None]] = run) -> None:
                await run()

            # APScheduler cannot run a job "now" from a queue that has not started yet
            # (``first=0`` means "after one interval"): the first run is started by
            # :func:`run_jobs_now` once the application runs.
            target.run_repeating(
                callback, interval=settings.tick_seconds, name=job_id,
                job_kwargs={"id": job_id, **_JOB_OPTIONS},
            )  # fmt: skip
        else:
            target.add_job(
                run, "interval", seconds=settings.tick_seconds, id=job_id, name=job_id,
                next_run_time=dt.datetime.now(dt.UTC), **_JOB_OPTIONS,
            )  # fmt: skip
    return list(JOB_IDS)


_CATCHING_UP: set[asyncio.Task[Any]] = set()


def run_jobs_now(application: Any) -> None:
    """Run every scheduling job once, now (after a restart, what fell due is sent at once)."""
    queue = application.job_queue
    if queue is None:
        return
    for job in queue.jobs():
        if job.name in JOB_IDS:  # a plain task: the application may not be running yet
            task = asyncio.create_task(job.run(application), name=f"catch-up:{job.name}")
            _CATCHING_UP.add(task)
            task.add_done_callback(_CATCHING_UP.discard)


def _guarded(job_id: str, job: Callable[[], Awaitable[object]]) -> Callable[[], Awaitable[None]]:
    """Log a failed run (e.g. the database was unreachable) and let the next run try again."""

    async def run() -> None:
        try:
            await job()
        except Exception:
            log.exception("job %s failed; it runs again in the next interval", job_id)

    return run


def _then(
    job: Callable[[], Awaitable[object]], after: Callable[[], None]
) -> Callable[[], Awaitable[object]]:
    """``job``, then ``after()`` once it succeeded."""

    async def job_then() -> object:
        result = await job()
        after()
        return result

    return job_then


class OutboxSweep(Protocol):
    async def sweep(self) -> int: ...


def schedule_outbox(
    target: RepeatingQueue, sender: OutboxSweep, interval: float, job_id: str = OUTBOX_JOB_ID
) -> str:
    """Sweep the outbox every ``interval`` seconds (first right away: what a crash left).

    Also used for other sweeps (``job_id`` names them), e.g. housekeeping.
    """
    run = _guarded(job_id, sender.sweep)

    async def callback(_context: object) -> None:
        await run()

    target.run_repeating(
        callback, interval=interval, first=0, name=job_id,
        job_kwargs={"id": job_id, **_JOB_OPTIONS},
    )  # fmt: skip
    return job_id
