"""Read-only counts for health checks and metrics (each one indexed query)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, literal, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Checkin, Flag, UTCDateTime

__all__ = ["database_answers", "due_unsent_checkins", "open_flags_by_level"]


async def database_answers(session: AsyncSession) -> bool:
    return bool(await session.scalar(text("SELECT 1")) == 1)


async def due_unsent_checkins(session: AsyncSession, now: dt.datetime) -> int:
    """Check-ins due now (window open) that are not sent yet, claimed or not."""
    at = literal(now, UTCDateTime())
    count = await session.scalar(
        select(func.count())
        .select_from(Checkin)
        .where(
            Checkin.status.in_(("scheduled", "sending")),
            Checkin.due_at <= at,
            Checkin.closes_at > at,
        )
    )
    return int(count or 0)


async def open_flags_by_level(session: AsyncSession) -> dict[str, int]:
    """Flags not yet resolved (open or acknowledged), by level."""
    rows = await session.execute(
        select(Flag.level, func.count())
        .where(Flag.status.in_(("open", "acknowledged")))
        .group_by(Flag.level)
    )
    return {level: int(count) for level, count in rows.all()}
