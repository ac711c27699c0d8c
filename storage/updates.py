"""Telegram update ids already handled (at-least-once delivery made idempotent)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProcessedUpdate

__all__ = ["forget_updates_before", "mark_update_processed"]


async def mark_update_processed(session: AsyncSession, update_id: int, now: dt.datetime) -> bool:
    """Record the update id; ``False`` if it was handled before (or is being handled now).

    One ``INSERT … ON CONFLICT DO NOTHING``, so two processes given the same update cannot
    both go on. The row belongs to the caller's transaction: if handling fails, the id is
    not kept and the redelivered update is handled again.
    """
    values = {"update_id": update_id, "processed_at": now}
    dialect = session.bind.dialect.name if session.bind is not None else ""
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    result = await session.execute(
        insert(ProcessedUpdate)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["update_id"])
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def forget_updates_before(session: AsyncSession, cutoff: dt.datetime) -> int:
    result = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < cutoff)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
