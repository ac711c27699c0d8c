"""Telegram update ids already handled (at-least-once delivery made idempotent)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProcessedUpdate

__all__ = ["forget_updates_before", "mark_update_processed"]


async def mark_update_processed(session: AsyncSession, update_id: int, now: dt.datetime) -> bool:
    """Record the update id; ``False`` if it was handled before.

    The insert belongs to the caller's transaction, so if handling fails the id is not
    kept and the redelivered update is handled again.
    """
    seen = await session.scalar(
        select(ProcessedUpdate.update_id).where(ProcessedUpdate.update_id == update_id)
    )
    if seen is not None:
        return False
    session.add(ProcessedUpdate(update_id=update_id, processed_at=now))
    await session.flush()
    return True


async def forget_updates_before(session: AsyncSession, cutoff: dt.datetime) -> int:
    result = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < cutoff)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
