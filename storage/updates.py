"""Telegram update ids already handled (at-least-once delivery made idempotent)."""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import Table, delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage.conflicts import insert_or_nothing
from storage.models import ProcessedUpdate

__all__ = ["forget_updates_before", "mark_update_processed"]


async def mark_update_processed(session: AsyncSession, update_id: int, now: dt.datetime) -> bool:
    """Record the update id; ``False`` if it was handled before (or is being handled now).

    One ``INSERT … ON CONFLICT DO NOTHING``, so two processes given the same update cannot
    both go on. The row belongs to the caller's transaction: if handling fails, the id is
    not kept and the redelivered update is handled again.
    """
    # on the table: given parameters, an insert of the mapped class would be an ORM bulk
    # insert, which reports no row count
    statement = insert_or_nothing(session, _TABLE, "update_id")
    result = await session.execute(statement, {"update_id": update_id, "processed_at": now})
    return bool(result.rowcount)  # type: ignore[attr-defined]


_TABLE = cast("Table", ProcessedUpdate.__table__)


async def forget_updates_before(session: AsyncSession, cutoff: dt.datetime) -> int:
    result = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < cutoff)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
