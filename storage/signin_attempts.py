"""Refused sign-ins to the dashboard, counted from the audit trail they are recorded in.

Every failed sign-in is an audit event (``web.signin_failed``) whose detail holds the
account name as typed (folded: ``name``) and the client's address (``address``); a
successful one (``web.signed_in``) holds the folded name too. Counting these rows, rather
than keeping counts in a process, gives every process serving the dashboard one limit.
The ``audit_event(at)`` index bounds each count to the window.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEvent

__all__ = ["FAILED", "SIGNED_IN", "failed_signins"]

FAILED = "web.signin_failed"
SIGNED_IN = "web.signed_in"


async def failed_signins(
    session: AsyncSession, *, since: dt.datetime, name: str, address: str
) -> tuple[int, int]:
    """Failed sign-ins after ``since``: under the folded account ``name`` (only those after
    its last successful sign-in), and from ``address`` (whatever the name)."""
    named = AuditEvent.detail["name"].as_string()
    last_success = await session.scalar(
        select(func.max(AuditEvent.at)).where(
            AuditEvent.action == SIGNED_IN, AuditEvent.at > since, named == name
        )
    )
    by_name = await session.scalar(
        select(func.count()).where(
            AuditEvent.action == FAILED,
            AuditEvent.at > (last_success or since),
            named == name,
        )
    )
    by_address = await session.scalar(
        select(func.count()).where(
            AuditEvent.action == FAILED,
            AuditEvent.at > since,
            AuditEvent.detail["address"].as_string() == address,
        )
    )
    return int(by_name or 0), int(by_address or 0)
