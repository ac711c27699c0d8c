"""Pausing and resuming a patient's check-ins: one rule for the patient's own /stop and
/resume and for the nurses (the dashboard and ``followup patient pause|resume``).

A paused patient gets no check-ins and no reminders: the dispatcher only messages active
patients, and a window that closes meanwhile is marked missed as ``paused`` (not counted
towards the missed check-ins flag). Resuming only makes the patient active again: the
dispatcher then sends at most the one check-in whose window is still open, and those whose
window closed stay missed, so nothing arrives in a burst.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from storage.audit import record_audit
from storage.patients import change_patient_status
from storage.records import PatientRecord

__all__ = ["PAUSABLE", "set_checkins_paused"]

PAUSABLE = ("active", "unreachable")
"""Statuses a patient's check-ins can be paused from (withdrawn or declined: nothing to pause)."""


async def set_checkins_paused(
    session: AsyncSession, patient: PatientRecord, *, paused: bool, actor: str, at: dt.datetime
) -> bool:
    """Pause (``active`` or ``unreachable`` → ``paused``) or resume (``paused`` →
    ``active``) in the caller's transaction, audited as ``patient.paused`` /
    ``patient.resumed`` under ``actor``; whether the status changed."""
    changed = await change_patient_status(
        session,
        patient.id,
        from_statuses=PAUSABLE if paused else ("paused",),
        to_status="paused" if paused else "active",
    )
    if changed:
        await record_audit(
            session, at=at, actor=actor, action="patient.paused" if paused else "patient.resumed",
            entity="patient", entity_id=patient.id,
        )  # fmt: skip
    return changed
