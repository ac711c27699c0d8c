"""Settling check-in claims whose process is gone (or that a failed step of ours left).

Which claims qualify is :func:`storage.dispatch.stale_claims` (heartbeats, see
:mod:`storage.instances`). If the question's message id was recorded, Telegram accepted it:
the check-in is marked sent and not sent again. Otherwise it goes back to ``scheduled``, due at
once, and is sent again; its opening may already have reached the patient, so each takeover
is audited as ``claim.recovered`` with the dead owner's name.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Collection, Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.scheduling.counts import DispatchCounts
from storage import dispatch as store
from storage.audit import record_audit

__all__ = ["settle_abandoned_claims"]

log = logging.getLogger(__name__)

FirstReminder = Callable[[Sequence[dt.datetime], dt.datetime], dt.datetime | None]


async def settle_abandoned_claims(
    sessions: async_sessionmaker[AsyncSession],
    counts: DispatchCounts,
    *,
    now: dt.datetime,
    instance: str,
    in_hand: Collection[int],
    lease: dt.timedelta,
    limit: int,
    first_reminder: FirstReminder,
) -> None:
    """Settle up to ``limit`` claims (never one of ``in_hand``, being sent by ``instance``)."""
    async with sessions.begin() as session:
        stale = await store.stale_claims(
            session, now=now, lease=lease, limit=limit, own=instance, in_hand=in_hand
        )
        for claim in stale:
            if claim.claimed_by is None:
                continue
            if claim.message_id is not None:  # Telegram accepted the question
                settled = await store.mark_sent(
                    session, claim.checkin_id, instance=claim.claimed_by,
                    claimed_at=claim.claimed_at, sent_at=claim.claimed_at,
                    next_reminder_at=first_reminder(claim.reminder_times, now),
                )  # fmt: skip
                counts.recovered_sent += settled
            else:
                settled = await store.release_claim(
                    session, claim.checkin_id, instance=claim.claimed_by,
                    claimed_at=claim.claimed_at, error="claim recovered", count_attempt=True,
                    at_once=True,
                )  # fmt: skip
                counts.recovered_retry += settled
            if settled:
                await record_audit(
                    session, at=now, actor="system", action="claim.recovered",
                    entity="checkin", entity_id=claim.checkin_id,
                    detail={"from": claim.claimed_by, "sent": claim.message_id is not None},
                )  # fmt: skip
    if stale:
        log.warning("recovered %s check-in claims of processes gone", len(stale))
