"""The periodic jobs: registered once with deterministic ids, each calling its method."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from telegram.ext import ApplicationBuilder

from bot.sandbox import DEFAULT_TOKEN
from bot.scheduling import JOB_IDS, schedule_jobs
from bot.scheduling.counts import FlagCounts
from bot.settings import Settings

IDS = [
    "followup.close_windows",
    "followup.flag_missed",
    "followup.dispatch_due",
    "followup.send_reminders",
]


class RecordingDispatcher:
    """Stands in for the dispatcher: records which job ran; ``broken`` ones raise."""

    def __init__(self, broken: str = "") -> None:
        self.ran: list[str] = []
        self.broken = broken

    def __getattr__(self, name: str) -> Any:
        async def job() -> FlagCounts:
            self.ran.append(name)
            if name == self.broken:
                raise ConnectionError("database unreachable")
            return FlagCounts()

        return job


@pytest.fixture
def settings() -> Settings:
    return Settings(_env_file=None, tick_seconds=12)


async def test_jobs_go_into_the_job_queue_once_with_deterministic_ids(settings: Settings) -> None:
    application = ApplicationBuilder().token(DEFAULT_TOKEN).build()
    queue = application.job_queue
    assert queue is not None

    first = schedule_jobs(queue, RecordingDispatcher(), settings)  # type: ignore[arg-type]
    schedule_jobs(queue, RecordingDispatcher(), settings)  # type: ignore[arg-type]
    await queue.start()
    try:
        jobs = queue.jobs()
        assert first == IDS == list(JOB_IDS)
        assert sorted(j.job.id for j in jobs) == sorted(IDS)
        for job in jobs:
            assert job.name == job.job.id
            assert job.job.trigger.interval == dt.timedelta(seconds=12)
            assert (job.job.max_instances, job.job.coalesce) == (1, True)
            assert job.job.misfire_grace_time is None
    finally:
        await queue.stop(wait=False)


async def test_each_job_runs_its_dispatcher_method(settings: Settings) -> None:
    application = ApplicationBuilder().token(DEFAULT_TOKEN).build()
    queue = application.job_queue
    assert queue is not None
    dispatcher = RecordingDispatcher()
    schedule_jobs(queue, dispatcher, settings)  # type: ignore[arg-type]

    for job in queue.jobs():
        await job.callback(None)  # type: ignore[arg-type]

    assert dispatcher.ran == ["close_windows", "flag_missed", "dispatch_due", "send_reminders"]


class RecordingScheduler:
    def __init__(self) -> None:
        self.added: list[tuple[Any, str, dict[str, Any]]] = []

    def add_job(self, func: Any, trigger: str, **kwargs: Any) -> None:
        self.added.append((func, trigger, kwargs))


async def test_a_plain_apscheduler_gets_the_same_jobs(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    scheduler = RecordingScheduler()
    dispatcher = RecordingDispatcher(broken="dispatch_due")

    schedule_jobs(scheduler, dispatcher, settings)  # type: ignore[arg-type]
    with caplog.at_level(logging.ERROR, logger="bot.scheduling.jobs"):
        for func, _, _ in scheduler.added:
            await func()  # a failing job is logged; the others still run

    assert [(trigger, kw["id"], kw["seconds"]) for _, trigger, kw in scheduler.added] == [
        ("interval", job_id, 12) for job_id in IDS
    ]
    for _, _, kw in scheduler.added:
        assert (kw["max_instances"], kw["coalesce"], kw["replace_existing"]) == (1, True, True)
        assert kw["misfire_grace_time"] is None
    assert dispatcher.ran == ["close_windows", "flag_missed", "dispatch_due", "send_reminders"]
    assert [r.getMessage() for r in caplog.records] == [
        "job followup.dispatch_due failed; it runs again in the next interval"
    ]
