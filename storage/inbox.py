"""Polled Telegram updates kept until handled, so an update in flight survives a crash."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.conflicts import insert_or_nothing
from storage.models import InboxUpdate

__all__ = [
    "forget_handled_updates",
    "mark_updates_handled",
    "store_updates",
    "unhandled_updates",
]

_TABLE = cast("Table", InboxUpdate.__table__)


async def store_updates(
    session: AsyncSession, payloads: Sequence[dict[str, Any]], now: dt.datetime
) -> None:
    """Keep each update (its Bot API JSON); one fetched again is kept once, as first stored."""
    rows = [
        {"update_id": int(payload["update_id"]), "received_at": now, "payload": payload}
        for payload in payloads
    ]
    if not rows:
        return
    # the rows as parameters: inlined as values, each fetch would compile a new statement
    await session.execute(insert_or_nothing(session, _TABLE, "update_id"), rows)


async def mark_updates_handled(
    session: AsyncSession, update_ids: Sequence[int], now: dt.datetime
) -> None:
    """Mark the updates handled (those marked already keep their time)."""
    if not update_ids:
        return
    await session.execute(
        update(_TABLE)
        .where(_TABLE.c.update_id.in_(update_ids), _TABLE.c.processed_at.is_(None))
        .values(processed_at=now)
    )


async def unhandled_updates(session: AsyncSession) -> list[dict[str, Any]]:
    """The stored updates not yet handled, oldest first (Telegram numbers them in order)."""
    result = await session.scalars(
        select(InboxUpdate.payload)
        .where(InboxUpdate.processed_at.is_(None))
        .order_by(InboxUpdate.update_id)
    )
    return list(result)


async def forget_handled_updates(session: AsyncSession) -> int:
    """Delete the handled rows (``processed_update`` keeps their ids); how many."""
    result = await session.execute(delete(InboxUpdate).where(InboxUpdate.processed_at.is_not(None)))
    return int(result.rowcount)  # type: ignore[attr-defined]
