"""Telegram update ids already handled (at-least-once delivery made idempotent)."""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import Table, bindparam, delete
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
    dialect = session.bind.dialect.name if session.bind is not None else ""
    statement = _MARK_POSTGRESQL if dialect == "postgresql" else _MARK_SQLITE
    result = await session.execute(statement, {"processed": update_id, "at": now})
    return bool(result.rowcount)  # type: ignore[attr-defined]


# Built once (every update the bot handles runs one), on the table: given parameters, an
# insert of the mapped class would be an ORM bulk insert, which reports no row count.
_TABLE = cast("Table", ProcessedUpdate.__table__)
_MARK_POSTGRESQL = (
    postgresql_insert(_TABLE)
    .values(update_id=bindparam("processed"), processed_at=bindparam("at"))
    .on_conflict_do_nothing(index_elements=["update_id"])
)
_MARK_SQLITE = (
    sqlite_insert(_TABLE)
    .values(update_id=bindparam("processed"), processed_at=bindparam("at"))
    .on_conflict_do_nothing(index_elements=["update_id"])
)


async def forget_updates_before(session: AsyncSession, cutoff: dt.datetime) -> int:
    result = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < cutoff)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
