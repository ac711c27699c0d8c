"""Append-only audit trail. There is deliberately no update or delete here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEvent
from storage.records import AuditRecord

__all__ = ["list_audit", "record_audit"]


async def record_audit(
    session: AsyncSession,
    *,
    at: dt.datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: object = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Add one audit event in the caller's transaction. ``detail`` must hold no free text."""
    session.add(
        AuditEvent(
            at=at,
            actor=actor,
            action=action,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            detail=detail or {},
        )
    )


async def list_audit(
    session: AsyncSession,
    *,
    entity: str | None = None,
    entity_id: object = None,
    action: str | None = None,
    limit: int = 1000,
) -> list[AuditRecord]:
    query = select(AuditEvent).order_by(AuditEvent.id).limit(limit)
    if entity is not None:
        query = query.where(AuditEvent.entity == entity)
    if entity_id is not None:
        query = query.where(AuditEvent.entity_id == str(entity_id))
    if action is not None:
        query = query.where(AuditEvent.action == action)
    return [AuditRecord.of(row) for row in (await session.scalars(query)).all()]
