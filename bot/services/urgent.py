"""Urgent advice to a patient, queued in the outbox with the flag that causes it.

The advice is a row of the same transaction as the red flag, so it exists exactly when the
flag does and is sent after commit, retried until Telegram accepts it (see
:mod:`bot.scheduling.outbox`). It says the nurses are being alerted only when a nurse group
is configured; otherwise it tells the patient to call the ward themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from bot.settings import Settings
from bot.texts import T
from storage.audit import record_audit
from storage.outbox import enqueue
from storage.records import PatientRecord
from surveys.model import Language

__all__ = ["RED_ADVICE", "queue_red_advice", "red_advice_text"]

RED_ADVICE = "red_advice"


def red_advice_text(settings: Settings, language: Language) -> str:
    """The advice for a red answer, honest about whether the nurses are alerted."""
    phone = settings.ward_phone or T.ward_phone_missing.get(language)
    advice = T.red_advice.format(language, phone=phone, emergency=settings.emergency_number)
    nurses = (
        T.red_nurses_alerted if settings.nurse_chat_id is not None else T.red_nurses_not_alerted
    )
    return f"{advice}\n{nurses.get(language)}"


async def queue_red_advice(
    session: AsyncSession,
    settings: Settings,
    *,
    patient: PatientRecord,
    chat_id: int,
    language: Language,
    now: dt.datetime,
    cause: str,
    rules: Iterable[str],
) -> int | None:
    """Queue the advice once per ``cause`` (e.g. ``flag:12``, the first new red flag); its
    outbox id, or None if this cause's advice was queued before."""
    outbox_id = await enqueue(
        session, chat_id=chat_id, kind=RED_ADVICE, text=red_advice_text(settings, language),
        now=now, patient_id=patient.id, dedupe_key=f"{RED_ADVICE}:{cause}",
    )  # fmt: skip
    if outbox_id is not None:
        await record_audit(
            session, at=now, actor=f"patient:{patient.ref}", action="advice.queued",
            entity="patient", entity_id=patient.id,
            detail={"level": "red", "cause": cause, "rules": sorted(rules), "outbox": outbox_id},
        )  # fmt: skip
    return outbox_id
