"""The dispatcher: a few periodic jobs driven by what the database says is due.

There is no job per check-in. Each job asks the database, so a restart (or a second
process) simply carries on, and anything due while the bot was down is handled at once:

- :meth:`Dispatcher.close_windows` marks unfinished check-ins whose window closed as
  missed, with the reason in ``last_error`` (``paused``… do not count towards the flag),
  and :meth:`Dispatcher.flag_missed` raises one flag per run of consecutive missed
  check-ins (both in :mod:`bot.scheduling.missed`);
- :meth:`Dispatcher.dispatch_due` claims due check-ins (``scheduled`` → ``sending``) and
  sends the intro and first question; stale ones (window closed) are never sent late;
- :meth:`Dispatcher.send_reminders` re-asks the current question of open check-ins.

Exactly-once: a check-in is claimed in the database before it is sent and marked ``sent``
after. A ``sending`` claim whose process died or stopped (its heartbeat, see
:mod:`storage.instances`) is settled at the next tick: if the question's message id was
recorded Telegram accepted it, so it is marked sent;
otherwise it goes back to ``scheduled`` and is sent again (the intro may then arrive twice,
which beats never asking). Reminders are claimed by moving ``next_reminder_at`` on first:
at most once each.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.scheduling.busy import keep_busy
from bot.scheduling.counts import (
    CloseCounts,
    Counts,
    DispatchCounts,
    FlagCounts,
    ReminderCounts,
    TickCounts,
)
from bot.scheduling.missed import MissedCheckins
from bot.scheduling.pacing import ClaimExpired, PacedTransport, Pacer, Sleep
from bot.scheduling.policy import DispatchPolicy
from bot.scheduling.quiet import AwakeZones
from bot.scheduling.recovery import settle_abandoned_claims
from bot.scheduling.streaks import UNDELIVERABLE, runs_of
from bot.services.flagging import raise_system_flag
from bot.services.replies import Reply
from bot.services.transport import (
    Blocked,
    DeliveryError,
    RetryLater,
    Transient,
    Transport,
    deliver_reply,
)
from bot.settings import Settings
from storage import dispatch as store
from storage.audit import record_audit
from storage.checkins import get_checkin
from storage.db import retrying
from storage.missed import closed_history
from storage.records import PatientRecord
from surveys.model import Survey

__all__ = ["UNREACHABLE_RULE", "Conversation", "Dispatcher"]

log = logging.getLogger(__name__)

UNREACHABLE_RULE = "unreachable"


class Conversation(Protocol):
    """What the dispatcher needs from :class:`~bot.services.conversation.ConversationService`."""

    async def opening(
        self, checkin_id: int, *, reminder: bool = False
    ) -> tuple[int, Reply] | None: ...

    async def question_sent(self, checkin_id: int, message_id: int) -> None: ...


class Dispatcher:
    """Sends check-ins and reminders at their time; each job is idempotent and concurrent-safe.

    ``instance`` names this process in ``claimed_by`` (default: the settings' instance name
    and the process id). ``pacer`` defaults to ``settings.send_rate`` messages per second
    and one message per second per chat; ``sleep``/``monotonic`` are the real-time waits of
    pacing and backoff (tests pass instant ones). Time of day comes from ``clock`` only.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        survey: Survey,
        settings: Settings,
        clock: Clock,
        transport: Transport,
        conversation: Conversation,
        *,
        instance: str | None = None,
        policy: DispatchPolicy | None = None,
        pacer: Pacer | None = None,
        sleep: Sleep = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = sessions
        self._schedule = survey.schedule
        self._clock = clock
        self._conversation = conversation
        self._instance = (instance or f"{settings.instance_name}:{os.getpid()}")[:64]
        self._policy = policy or DispatchPolicy()
        self._pacer = pacer or Pacer(settings.send_rate, sleep=sleep, monotonic=monotonic)
        self._transport = PacedTransport(
            transport, self._pacer, self._policy, sleep=sleep, monotonic=monotonic
        )
        self._monotonic = monotonic
        self._budget = self._policy.tick_budget or 0.8 * settings.tick_seconds
        self._awake = AwakeZones(survey.schedule)
        self._in_hand: set[int] = set()  # check-ins claimed here and being delivered
        self._missed = MissedCheckins(sessions, survey.schedule, clock, self._policy.batch_size)

    @property
    def instance(self) -> str:
        return self._instance

    # ------------------------------------------------------------------ the jobs

    async def tick(self) -> TickCounts:
        """Run every job once, in the order that never sends a stale check-in."""
        return TickCounts(
            closed=await self.close_windows(),
            flagged=await self.flag_missed(),
            dispatched=await self.dispatch_due(),
            reminded=await self.send_reminders(),
        )

    async def run_until_idle(self, max_ticks: int = 50) -> TickCounts:
        """Tick until a tick finds nothing to do (after moving a fake clock, or on start)."""
        total = TickCounts(CloseCounts(), FlagCounts(), DispatchCounts(), ReminderCounts())
        for _ in range(max_ticks):
            counts = await self.tick()
            total.add(counts)
            if not counts.busy():
                break
        return total

    catch_up = run_until_idle

    async def dispatch_due(self) -> DispatchCounts:
        """Recover dead claims, then claim and send due check-ins until none are left.

        Claims are taken batch by batch while the sends go on (see
        :func:`~bot.scheduling.busy.keep_busy`), so the pacer never runs dry between
        batches; no batch is claimed once the run's time budget is spent or once a
        check-in was not sent.
        """
        counts = DispatchCounts()
        await self._recover_stale(counts)

        async def claim(limit: int) -> list[Callable[[], Awaitable[str]]]:
            deadline = self._monotonic() + self._policy.lease.total_seconds() / 2
            claims = await self._claim_due(limit)
            counts.claimed += len(claims)
            return [functools.partial(self._deliver, c, deadline=deadline) for c in claims]

        await keep_busy(claim, counts, self._policy, self._budget, self._monotonic)
        _log("dispatch", counts)
        return counts

    async def send_reminders(self) -> ReminderCounts:
        """Send due reminders, fetched batch by batch while the sends go on (a reminder that
        failed waits for the next tick)."""
        counts = ReminderCounts()
        last: tuple[dt.datetime, int] | None = None  # the last reminder handed out

        async def due(limit: int) -> list[Callable[[], Awaitable[str]]]:
            nonlocal last
            now = self._clock.now()
            async with self._sessions() as session:
                rows = await store.due_reminders(
                    session, now=now, limit=limit + self._policy.concurrency,
                    awake_zones=await self._awake_zones(session, now),
                )  # fmt: skip
            # reminders handed out but not sent yet are still due (at most ``concurrency``)
            fresh = [r for r in rows if last is None or (r.next_reminder_at, r.checkin_id) > last]
            fresh = fresh[:limit]
            if fresh:
                last = (fresh[-1].next_reminder_at, fresh[-1].checkin_id)
            counts.due += len(fresh)
            return [functools.partial(self._remind, r, now=now) for r in fresh]

        await keep_busy(due, counts, self._policy, self._budget, self._monotonic)
        _log("reminders", counts)
        return counts

    async def close_windows(self) -> CloseCounts:
        return await self._missed.close_windows()

    async def flag_missed(self) -> FlagCounts:
        return await self._missed.flag_missed()

    async def _awake_zones(self, session: AsyncSession, now: dt.datetime) -> frozenset[str]:
        """The patients' zones outside quiet hours (their list read once a minute)."""
        return await self._awake.at(now, functools.partial(store.patient_timezones, session))

    # ------------------------------------------------------------------ dispatch

    async def _claim_due(self, limit: int) -> list[store.Claim]:
        now = self._clock.now()
        async with self._sessions.begin() as session:
            claims = await store.claim_due(
                session, now=now, instance=self._instance, limit=limit,
                awake_zones=await self._awake_zones(session, now),
                retry_delays=self._policy.retry_delays,
            )  # fmt: skip
            # an older check-in whose window closed gives way: answers go to the new one
            for checkin_id in await store.miss_closed_open(
                session, {c.enrolment_id for c in claims}, now=now
            ):
                await record_audit(
                    session, at=now, actor="system", action="checkin.missed",
                    entity="checkin", entity_id=checkin_id, detail={"reason": None},
                )  # fmt: skip
        return claims

    async def _deliver(self, claim: store.Claim, *, deadline: float) -> str:
        """Send the claimed check-in; no message starts after ``deadline`` (half the lease
        from the claim, so the claim is never recovered while we may still send)."""
        self._in_hand.add(claim.checkin_id)
        try:
            return await self._deliver_claimed(claim, deadline=deadline)
        finally:
            self._in_hand.discard(claim.checkin_id)

    async def _deliver_claimed(self, claim: store.Claim, *, deadline: float) -> str:
        try:
            opening = await self._conversation.opening(claim.checkin_id)
            if opening is None:  # unlinked since the claim
                return await self._release(claim, "not linked", count=False)
            chat_id, reply = opening
            await deliver_reply(self._transport.until(deadline), chat_id, reply,
                                self._conversation)  # fmt: skip
        except Blocked:
            await self._blocked(claim.checkin_id, claim)
            return "blocked"
        except ClaimExpired:
            return await self._release(claim, "out of time", count=False)
        except RetryLater as exc:
            return await self._release(claim, f"rate limited {exc.retry_after:g}s", count=False)
        except DeliveryError as exc:
            return await self._failed(claim, _describe(exc))
        except Exception:  # a bug in one check-in must not stop the others
            log.exception("check-in %s could not be delivered", claim.checkin_id)
            return await self._failed(claim, "internal error")

        async def record() -> bool:  # retried through a database outage: never re-sent
            now = self._clock.now()
            async with self._sessions.begin() as session:
                return await store.mark_sent(
                    session, claim.checkin_id, instance=self._instance,
                    claimed_at=claim.claimed_at, sent_at=now,
                    next_reminder_at=self._first_reminder(claim.reminder_times, now),
                )  # fmt: skip

        marked = await retrying(record)
        if not marked:
            log.warning("check-in %s was sent but its claim had been taken over", claim.checkin_id)
        return "sent" if marked else "lost"

    async def _release(self, claim: store.Claim, error: str, *, count: bool) -> str:
        async with self._sessions.begin() as session:
            await store.release_claim(
                session, claim.checkin_id, instance=self._instance, claimed_at=claim.claimed_at,
                error=error, count_attempt=count,
            )  # fmt: skip
        return "retried" if count else "released"

    async def _failed(self, claim: store.Claim, error: str) -> str:
        """A counted failed try: retry later, or give up into ``missed``/undeliverable."""
        if claim.attempts + 1 < self._policy.max_attempts:
            return await self._release(claim, error, count=True)
        now = self._clock.now()
        async with self._sessions.begin() as session:
            if not await store.give_up_claim(
                session, claim.checkin_id, instance=self._instance, claimed_at=claim.claimed_at,
                reason=UNDELIVERABLE,
            ):  # fmt: skip
                return "lost"
            patient = await store.patient_of_checkin(session, claim.checkin_id)
            assert patient is not None
            await record_audit(
                session, at=now, actor="system", action="checkin.undeliverable",
                entity="checkin", entity_id=claim.checkin_id,
                detail={"attempts": claim.attempts + 1, "error": error},
            )  # fmt: skip
            enrolment_id = await _enrolment_of(session, claim.checkin_id)
            history = await closed_history(session, enrolment_id)
            runs = runs_of(
                history,
                minimum=self._schedule.unreachable_flag_after,
                reasons={UNDELIVERABLE},
            )
            if runs and runs[-1][-1].checkin_id == claim.checkin_id:
                await self._raise_unreachable(
                    session, patient, claim.checkin_id, now,
                    reason=UNDELIVERABLE, detail={"attempts": claim.attempts + 1},
                )  # fmt: skip
        log.warning("check-in %s given up after %s tries", claim.checkin_id, claim.attempts + 1)
        return "failed"

    async def _blocked(self, checkin_id: int, claim: store.Claim | None) -> None:
        """The patient blocked the bot: unreachable, one flag, and the check-in kept."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            if claim is not None:
                await store.release_claim(
                    session, checkin_id, instance=self._instance, claimed_at=claim.claimed_at,
                    error="blocked", count_attempt=False,
                )  # fmt: skip
            patient = await store.patient_of_checkin(session, checkin_id)
            if patient is None:
                return
            if await store.set_patient_unreachable(session, patient.id):
                await record_audit(
                    session, at=now, actor="system", action="patient.unreachable",
                    entity="patient", entity_id=patient.id,
                    detail={"reason": "blocked", "checkin": checkin_id},
                )  # fmt: skip
            await self._raise_unreachable(session, patient, checkin_id, now, reason="blocked")
        log.info("patient %s blocked the bot (check-in %s)", patient.ref, checkin_id)

    async def _raise_unreachable(
        self,
        session: AsyncSession,
        patient: PatientRecord,
        checkin_id: int,
        now: dt.datetime,
        *,
        reason: str,
        detail: dict[str, Any] | None = None,
    ) -> None:
        why = {
            "blocked": ("The patient blocked the bot or deleted the chat.",
                        "患者屏蔽了机器人或删除了对话。"),
            UNDELIVERABLE: ("Check-ins could not be delivered to the patient.",
                            "随访消息无法送达患者。"),
        }[reason]  # fmt: skip
        await raise_system_flag(
            session, patient=patient, rule_id=UNREACHABLE_RULE,
            level=self._schedule.unreachable_flag_level,
            evidence={"reason": reason, "checkin": checkin_id, **(detail or {}),
                      "why": {"en": why[0], "zh-Hans": why[1]}},
            dedupe_key=f"{UNREACHABLE_RULE}:{patient.id}:{checkin_id}", now=now,
            checkin_id=checkin_id,
        )  # fmt: skip

    async def recover(self) -> DispatchCounts:
        """Settle the claims of processes that died or stopped (and our own forgotten ones)."""
        counts = DispatchCounts()
        await self._recover_stale(counts)
        return counts

    async def _recover_stale(self, counts: DispatchCounts) -> None:
        """Settle the ``sending`` claims of processes gone (see :mod:`storage.instances`)."""
        await settle_abandoned_claims(
            self._sessions, counts, now=self._clock.now(), instance=self._instance,
            in_hand=self._in_hand, lease=self._policy.lease, limit=self._policy.batch_size,
            first_reminder=self._first_reminder,
        )  # fmt: skip

    def _first_reminder(
        self, times: Sequence[dt.datetime], sent_at: dt.datetime
    ) -> dt.datetime | None:
        earliest = sent_at + self._policy.reminder_min_gap
        return next((t for t in times if t >= earliest), None)

    # ------------------------------------------------------------------ reminders

    async def _remind(self, due: store.ReminderDue, *, now: dt.datetime) -> str:
        next_at = next((t for t in due.reminder_times if t > now), None)
        async with self._sessions.begin() as session:
            claimed = await store.advance_reminder(
                session, due.checkin_id, expected_at=due.next_reminder_at,
                count=due.reminder_count + 1, next_at=next_at,
            )  # fmt: skip
        if not claimed:
            return "skipped"
        deadline = self._monotonic() + self._policy.lease.total_seconds() / 2
        try:
            opening = await self._conversation.opening(due.checkin_id, reminder=True)
            if opening is None:
                await self._undo_reminder(due, next_at)
                return "skipped"
            chat_id, reply = opening
            await deliver_reply(self._transport.until(deadline), chat_id, reply,
                                self._conversation)  # fmt: skip
        except Blocked:
            await self._blocked(due.checkin_id, None)
            return "blocked"
        except (Transient, RetryLater, ClaimExpired):
            await self._undo_reminder(due, next_at)
            return "retried"
        except Exception:  # a refused message would fail again: drop this reminder
            log.exception("reminder for check-in %s dropped", due.checkin_id)
            return "skipped"
        return "sent"

    async def _undo_reminder(
        self, due: store.ReminderDue, claimed_next: dt.datetime | None
    ) -> None:
        async with self._sessions.begin() as session:
            await store.undo_reminder(
                session, due.checkin_id, claimed_next_at=claimed_next,
                restore_at=due.next_reminder_at, restore_count=due.reminder_count,
            )  # fmt: skip


def _describe(exc: DeliveryError) -> str:
    """A short error for ``last_error``: the class and Telegram's description, never text."""
    return f"{type(exc).__name__}: {exc}"[:200]


async def _enrolment_of(session: AsyncSession, checkin_id: int) -> int:
    checkin = await get_checkin(session, checkin_id)
    assert checkin is not None
    return checkin.enrolment_id


def _log(job: str, counts: Counts) -> None:
    if counts.busy():
        log.info("%s: %s", job, counts)
