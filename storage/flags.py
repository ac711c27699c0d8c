"""Flags for the nurses: raised idempotently, then acknowledged and resolved."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.cards import attach_flag, touch_card_of_flag
from storage.models import Flag, Patient
from storage.records import FlagRecord

__all__ = [
    "LEVEL_ORDER",
    "flags_by_dedupe_key",
    "get_flag",
    "has_unresolved_flag",
    "list_flags",
    "raise_flag",
    "set_flag",
]

LEVEL_ORDER = {"red": 0, "amber": 1, "info": 2}


async def raise_flag(
    session: AsyncSession,
    *,
    patient_id: int,
    checkin_id: int | None,
    rule_id: str,
    level: str,
    evidence: dict[str, Any],
    dedupe_key: str,
    now: dt.datetime,
) -> tuple[FlagRecord, bool]:
    """Raise a flag once per ``dedupe_key``; returns the flag and whether it is new."""
    existing = await session.scalar(select(Flag).where(Flag.dedupe_key == dedupe_key))
    if existing is None:
        row = Flag(
            patient_id=patient_id,
            checkin_id=checkin_id,
            dedupe_key=dedupe_key,
            rule_id=rule_id,
            level=level,
            evidence=evidence,
            status="open",
            raised_at=now,
        )
        try:
            async with session.begin_nested():
                session.add(row)
        except IntegrityError:  # raised concurrently by another process
            existing = await session.scalar(select(Flag).where(Flag.dedupe_key == dedupe_key))
        else:
            row.card_id = await attach_flag(session, row, now)
            return await _record(session, row), True
    assert existing is not None
    return await _record(session, existing), False


async def flags_by_dedupe_key(
    session: AsyncSession, dedupe_keys: Collection[str]
) -> dict[str, FlagRecord]:
    """The flags already raised under any of ``dedupe_keys``, by key, in one query."""
    if not dedupe_keys:
        return {}
    rows = await session.execute(
        select(Flag, Patient.ref)
        .join(Patient, Patient.id == Flag.patient_id)
        .where(Flag.dedupe_key.in_(dedupe_keys))
    )
    return {row.dedupe_key: FlagRecord.of(row, ref) for row, ref in rows.all()}


async def _record(session: AsyncSession, row: Flag) -> FlagRecord:
    ref = await session.scalar(select(Patient.ref).where(Patient.id == row.patient_id))
    return FlagRecord.of(row, ref or "?")


async def get_flag(session: AsyncSession, flag_id: int) -> FlagRecord | None:
    row = await session.get(Flag, flag_id, populate_existing=True)
    return await _record(session, row) if row else None


async def list_flags(
    session: AsyncSession,
    *,
    statuses: Sequence[str] = ("open", "acknowledged"),
    levels: Sequence[str] | None = None,
    patient_id: int | None = None,
    limit: int = 200,
) -> list[FlagRecord]:
    """Flags by level (red first), then oldest first."""
    level_rank = case(LEVEL_ORDER, value=Flag.level, else_=9)
    query = (
        select(Flag, Patient.ref)
        .join(Patient, Patient.id == Flag.patient_id)
        .where(Flag.status.in_(statuses))
        .order_by(level_rank, Flag.raised_at, Flag.id)
        .limit(limit)
    )
    if levels is not None:
        query = query.where(Flag.level.in_(levels))
    if patient_id is not None:
        query = query.where(Flag.patient_id == patient_id)
    return [FlagRecord.of(row, ref) for row, ref in (await session.execute(query)).all()]


async def set_flag(
    session: AsyncSession,
    flag_id: int,
    *,
    expect_status: Sequence[str] = (),
    touch_card: bool = True,
    **values: Any,
) -> bool:
    """Set columns of one flag; with ``expect_status`` only if it is still in one of them.

    The flag's card, if it has one, is marked to be shown again (``touch_card``).
    """
    query = update(Flag).where(Flag.id == flag_id)
    if expect_status:
        query = query.where(Flag.status.in_(expect_status))
    result = await session.execute(query.values(**values))
    changed = bool(result.rowcount)  # type: ignore[attr-defined]
    if changed and touch_card:
        await touch_card_of_flag(session, flag_id)
    return changed


async def has_unresolved_flag(session: AsyncSession, patient_id: int, rule_id: str) -> bool:
    """Whether the patient has a flag of this rule that is open or acknowledged."""
    found = await session.scalar(
        select(Flag.id)
        .where(
            Flag.patient_id == patient_id,
            Flag.rule_id == rule_id,
            Flag.status.in_(("open", "acknowledged")),
        )
        .limit(1)
    )
    return found is not None
