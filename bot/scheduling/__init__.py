"""Scheduling and delivery of check-ins: the dispatcher and its periodic jobs.

Assembly (once, after the services and the transport exist)::

    dispatcher = Dispatcher(sessions, survey, settings, clock, transport, conversation)
    schedule_jobs(application.job_queue, dispatcher, settings)

The demo moves a :class:`~bot.clock.FakeClock` and calls ``await dispatcher.catch_up()``.
"""

from bot.scheduling.counts import (
    CloseCounts,
    Counts,
    DispatchCounts,
    FlagCounts,
    ReminderCounts,
    TickCounts,
)
from bot.scheduling.dispatcher import UNREACHABLE_RULE, Conversation, Dispatcher
from bot.scheduling.jobs import JOB_IDS, OUTBOX_JOB_ID, run_jobs_now, schedule_jobs, schedule_outbox
from bot.scheduling.missed import MISSED_RULE
from bot.scheduling.outbox import OutboxPolicy, OutboxSender
from bot.scheduling.pacing import ClaimExpired, PacedTransport, Pacer
from bot.scheduling.policy import DispatchPolicy
from bot.scheduling.quiet import AwakeZones

__all__ = [
    "JOB_IDS",
    "MISSED_RULE",
    "OUTBOX_JOB_ID",
    "UNREACHABLE_RULE",
    "AwakeZones",
    "ClaimExpired",
    "CloseCounts",
    "Conversation",
    "Counts",
    "DispatchCounts",
    "DispatchPolicy",
    "Dispatcher",
    "FlagCounts",
    "OutboxPolicy",
    "OutboxSender",
    "PacedTransport",
    "Pacer",
    "ReminderCounts",
    "TickCounts",
    "run_jobs_now",
    "schedule_jobs",
    "schedule_outbox",
]
