"""The outbox: patient messages that must not be lost, written with their cause.

A row is added in the caller's transaction (e.g. with the red flag whose advice it
carries), so the message exists exactly when its cause does. Any process may then send it:
:func:`claim` turns ``pending`` (or a ``sending`` row its dead process left) into ``sending``
under a short lease, atomically (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, one
``UPDATE … RETURNING`` on SQLite); :func:`mark_sent` records Telegram's message id;
:func:`release` puts it back for a later try. Every change after the claim checks the claim
is still the caller's, so a process that lost its claim cannot overwrite another's outcome.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import cast

from sqlalchemy import ColumnElement, Table, and_, case, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.conflicts import insert_or_nothing
from storage.instances import abandoned
from storage.models import OutboxMessage, UTCDateTime

__all__ = [
    "OutboxItem",
    "OutboxStats",
    "claim",
    "enqueue",
    "fail",
    "mark_sent",
    "release",
    "stats",
]


@dataclass(frozen=True)
class OutboxItem:
    """A claimed message: send ``text`` to ``chat_id``."""

    id: int
    chat_id: int
    kind: str
    text: str
    attempts: int
    claimed_until: dt.datetime


@dataclass(frozen=True)
class OutboxStats:
    pending: int
    sending: int
    failed: int
    uncertain: int


def _at(value: dt.datetime) -> ColumnElement[dt.datetime]:
    return literal(value, UTCDateTime())


def _postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


async def enqueue(
    session: AsyncSession,
    *,
    chat_id: int,
    kind: str,
    text: str,
    now: dt.datetime,
    patient_id: int | None = None,
    dedupe_key: str | None = None,
) -> int | None:
    """Add a message to send; ``None`` if one with this ``dedupe_key`` already exists."""
    values = {
        "chat_id": chat_id, "kind": kind, "text": text, "patient_id": patient_id,
        "dedupe_key": dedupe_key, "status": "pending", "created_at": now,
        "next_attempt_at": now, "attempts": 0, "uncertain": 0,
    }  # fmt: skip
    table = cast("Table", OutboxMessage.__table__)
    statement = (
        insert_or_nothing(session, table, "dedupe_key").values(**values).returning(table.c.id)
    )
    return (await session.execute(statement)).scalar_one_or_none()


def _claimable(
    now: dt.datetime, instance: str, in_hand: Collection[int] = ()
) -> ColumnElement[bool]:
    """Due and pending, or ``sending`` under a claim that was left behind: its owner is gone
    (:func:`storage.instances.abandoned`), or it is ours, past its lease and not in hand."""
    expired = OutboxMessage.claimed_until <= _at(now)
    forgotten = and_(OutboxMessage.claimed_by == instance, expired)
    left = and_(
        OutboxMessage.status == "sending",
        or_(abandoned(OutboxMessage.claimed_by, now, expired), forgotten),
    )
    if in_hand:
        left = and_(left, OutboxMessage.id.not_in(list(in_hand)))
    return or_(
        and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= _at(now)), left
    )


async def claim(
    session: AsyncSession,
    *,
    now: dt.datetime,
    instance: str,
    lease: dt.timedelta,
    limit: int,
    ids: Collection[int] | None = None,
    in_hand: Collection[int] = (),
) -> list[OutboxItem]:
    """Claim up to ``limit`` messages due now (only ``ids``, if given), oldest first.

    A message taken over from a process that died mid-send may have reached the patient
    (the Bot API has no idempotency key): it is counted in ``uncertain``. ``in_hand``: the
    messages this process is sending now, never taken again.
    """
    claimable = _claimable(now, instance, in_hand)
    candidates = select(OutboxMessage.id).where(claimable)
    if ids is not None:
        candidates = candidates.where(OutboxMessage.id.in_(list(ids)))
    candidates = candidates.order_by(OutboxMessage.id).limit(limit)
    chosen: object = candidates
    if _postgres(session):
        chosen = list((await session.scalars(candidates.with_for_update(skip_locked=True))).all())
        if not chosen:
            return []
    until = now + lease
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(chosen), claimable)  # type: ignore[arg-type]
        .values(
            status="sending",
            claimed_by=instance,
            claimed_until=until,
            uncertain=OutboxMessage.uncertain
            + case((OutboxMessage.status == "sending", 1), else_=0),
        )
        .returning(
            OutboxMessage.id,
            OutboxMessage.chat_id,
            OutboxMessage.kind,
            OutboxMessage.text,
            OutboxMessage.attempts,
        )
        .execution_options(synchronize_session=False)
    )
    items = [OutboxItem(*row, until) for row in result.all()]
    return sorted(items, key=lambda item: item.id)


def _owned(item: OutboxItem, instance: str) -> ColumnElement[bool]:
    return and_(
        OutboxMessage.id == item.id,
        OutboxMessage.status == "sending",
        OutboxMessage.claimed_by == instance,
        OutboxMessage.claimed_until == _at(item.claimed_until),
    )


async def mark_sent(
    session: AsyncSession, item: OutboxItem, *, instance: str, message_id: int, now: dt.datetime
) -> bool:
    """``sending`` → ``sent`` with Telegram's message id, only under our own claim."""
    result = await session.execute(
        update(OutboxMessage)
        .where(_owned(item, instance))
        .values(
            status="sent",
            sent_at=now,
            message_id=message_id,
            attempts=OutboxMessage.attempts + 1,
            claimed_until=None,
            last_error=None,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def release(
    session: AsyncSession,
    item: OutboxItem,
    *,
    instance: str,
    retry_at: dt.datetime,
    error: str,
    counted: bool = True,
    uncertain: bool = False,
) -> bool:
    """Back to ``pending`` for a try at ``retry_at``; ``uncertain``: Telegram may have it."""
    values: dict[str, object] = {
        "status": "pending", "next_attempt_at": retry_at, "claimed_until": None,
        "last_error": error[:200],
    }  # fmt: skip
    if counted:
        values["attempts"] = OutboxMessage.attempts + 1
    if uncertain:
        values["uncertain"] = OutboxMessage.uncertain + 1
    result = await session.execute(
        update(OutboxMessage)
        .where(_owned(item, instance))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def fail(session: AsyncSession, item: OutboxItem, *, instance: str, error: str) -> bool:
    """``sending`` → ``failed``: Telegram refused it for good (blocked, bad request)."""
    result = await session.execute(
        update(OutboxMessage)
        .where(_owned(item, instance))
        .values(
            status="failed",
            attempts=OutboxMessage.attempts + 1,
            claimed_until=None,
            last_error=error[:200],
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def stats(session: AsyncSession) -> OutboxStats:
    """How many messages wait, are being sent, failed for good, and were re-sent blind."""
    rows = await session.execute(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.status.in_(("pending", "sending", "failed")))
        .group_by(OutboxMessage.status)
    )
    counts = {status: int(count) for status, count in rows.all()}
    uncertain_total = await session.scalar(
        select(func.coalesce(func.sum(OutboxMessage.uncertain), 0))
    )
    return OutboxStats(
        pending=counts.get("pending", 0),
        sending=counts.get("sending", 0),
        failed=counts.get("failed", 0),
        uncertain=int(uncertain_total or 0),
    )
