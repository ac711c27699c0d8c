"""Check-ins whose window closed unanswered: each marked missed with its reason (counted
towards the flag, or excused: paused, withdrawn, never linked…), and one flag per run of
counted misses in a row. Both jobs are idempotent and safe in several processes."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.scheduling.counts import CloseCounts, Counts, FlagCounts
from bot.scheduling.streaks import COUNTED_MISSES, missed_run_why, runs_of
from bot.services.flagging import raise_system_flag
from storage import dispatch as store
from storage import missed as missed_store
from storage.audit import record_audit
from surveys.model import Schedule

__all__ = ["MISSED_RULE", "OPEN", "MissedCheckins"]

log = logging.getLogger("bot.scheduling.dispatcher")

MISSED_RULE = "consecutive_missed"
OPEN = ("sent", "in_progress")


class MissedCheckins:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        schedule: Schedule,
        clock: Clock,
        batch_size: int,
    ) -> None:
        self._sessions = sessions
        self._schedule = schedule
        self._clock = clock
        self._batch_size = batch_size

    async def close_windows(self) -> CloseCounts:
        counts = CloseCounts()
        while True:
            now = self._clock.now()
            async with self._sessions.begin() as session:
                closing = await missed_store.windows_to_close(
                    session, now=now, limit=self._batch_size
                )
                by_reason: dict[str | None, list[int]] = defaultdict(list)
                for row in closing:
                    by_reason[_missed_reason(row)].append(row.checkin_id)
                changed = 0
                for reason, ids in by_reason.items():
                    missed = await missed_store.mark_missed(session, ids, now=now, reason=reason)
                    changed += len(missed)
                    if reason not in COUNTED_MISSES:
                        counts.excused += len(missed)
                    for checkin_id in missed:
                        await record_audit(
                            session, at=now, actor="system", action="checkin.missed",
                            entity="checkin", entity_id=checkin_id, detail={"reason": reason},
                        )  # fmt: skip
            counts.missed += changed
            if len(closing) < self._batch_size or not changed:
                break
        _log("close", counts)
        return counts

    async def flag_missed(self) -> FlagCounts:
        """One flag per run of ``consecutive_missed_flag`` counted misses in a row."""
        counts = FlagCounts()
        while True:
            now = self._clock.now()
            async with self._sessions.begin() as session:
                misses = await missed_store.misses_to_escalate(session, limit=self._batch_size)
                for enrolment_id in sorted({enrolment for _, enrolment in misses}):
                    counts.flagged += await self._flag_streaks(session, enrolment_id, now)
                await missed_store.mark_escalated(session, [c for c, _ in misses])
            counts.checked += len(misses)
            if len(misses) < self._batch_size:
                break
        _log("escalate", counts)
        return counts

    async def _flag_streaks(
        self, session: AsyncSession, enrolment_id: int, now: dt.datetime
    ) -> int:
        patient = await store.patient_of_enrolment(session, enrolment_id)
        if patient is None or patient.status == "withdrawn":
            return 0
        history = await missed_store.closed_history(session, enrolment_id)
        raised = 0
        for run in runs_of(history, minimum=self._schedule.consecutive_missed_flag):
            _, created = await raise_system_flag(
                session, patient=patient, rule_id=MISSED_RULE,
                level=self._schedule.missed_flag_level,
                evidence={
                    "missed": [
                        {"checkin": c.checkin_id, "form": c.form, "day_post_op": c.day,
                         "due_at": c.due_at.isoformat(), "reason": c.last_error}
                        for c in run
                    ],
                    "threshold": self._schedule.consecutive_missed_flag,
                    "why": missed_run_why(run),
                },
                dedupe_key=f"{MISSED_RULE}:{enrolment_id}:{run[0].checkin_id}",
                now=now, checkin_id=run[-1].checkin_id,
            )  # fmt: skip
            raised += created
        return raised


def _missed_reason(row: missed_store.Closing) -> str | None:
    """Why a check-in closed unanswered (None: it was sent and not answered)."""
    if row.enrolment_status != "active":
        return row.enrolment_status
    if row.patient_status != "active":
        return row.patient_status
    if row.status in OPEN:
        return None
    if not row.linked:
        return "not linked"
    if not row.onboarded:
        return "not onboarded"
    return "not sent"


def _log(job: str, counts: Counts) -> None:
    if counts.busy():
        log.info("%s: %s", job, counts)
