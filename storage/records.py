"""Plain records returned by the repositories, so ORM rows never leak upward."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from storage import models

__all__ = [
    "AnswerRecord",
    "AuditRecord",
    "CheckinRecord",
    "EnrolmentRecord",
    "FlagRecord",
    "NurseCardRecord",
    "NurseDialogueRecord",
    "PatientRecord",
]


@dataclass(frozen=True)
class PatientRecord:
    id: int
    ref: str
    language: str
    timezone: str
    send_at: str | None
    chat_id: int | None
    status: str
    consented_at: dt.datetime | None
    language_confirmed: bool
    created_at: dt.datetime
    linked_at: dt.datetime | None

    @classmethod
    def of(cls, row: models.Patient) -> PatientRecord:
        return cls(
            row.id, row.ref, row.language, row.timezone, row.send_at, row.chat_id, row.status,
            row.consented_at, row.language_confirmed, row.created_at, row.linked_at,
        )  # fmt: skip


@dataclass(frozen=True)
class EnrolmentRecord:
    id: int
    patient_id: int
    surgery_date: dt.date
    procedure: str
    levels: str | None
    survey_id: str
    survey_version: str
    caregiver_helps: bool
    status: str
    enrolled_at: dt.datetime

    @classmethod
    def of(cls, row: models.Enrolment) -> EnrolmentRecord:
        return cls(
            row.id, row.patient_id, row.surgery_date, row.procedure, row.levels, row.survey_id,
            row.survey_version, row.caregiver_helps, row.status, row.enrolled_at,
        )  # fmt: skip


@dataclass(frozen=True)
class CheckinRecord:
    id: int
    enrolment_id: int
    spec_id: str
    form: str
    day: int | None
    due_at: dt.datetime
    closes_at: dt.datetime
    reminder_times: tuple[dt.datetime, ...]
    status: str
    position: str | None
    draft: dict[str, Any] | None
    answered_by: str | None
    reminder_count: int
    next_reminder_at: dt.datetime | None
    sent_at: dt.datetime | None
    started_at: dt.datetime | None
    completed_at: dt.datetime | None
    message_id: int | None
    recalled: bool
    last_error: str | None = None
    """Why a missed check-in was missed (None: sent and not answered), or a send error."""

    @classmethod
    def of(cls, row: models.Checkin) -> CheckinRecord:
        return cls(
            row.id, row.enrolment_id, row.spec_id, row.form, row.day, row.due_at, row.closes_at,
            tuple(dt.datetime.fromisoformat(t) for t in row.reminder_times or ()),
            row.status, row.position, row.draft, row.answered_by, row.reminder_count,
            row.next_reminder_at, row.sent_at, row.started_at, row.completed_at, row.message_id,
            row.recalled, row.last_error,
        )  # fmt: skip


@dataclass(frozen=True)
class AnswerRecord:
    id: int
    checkin_id: int
    question_id: str
    raw: str | None
    value: Any
    survey_version: str
    answered_at: dt.datetime
    answered_by: str

    @classmethod
    def of(cls, row: models.Answer) -> AnswerRecord:
        return cls(
            row.id, row.checkin_id, row.question_id, row.raw, row.value, row.survey_version,
            row.answered_at, row.answered_by,
        )  # fmt: skip


@dataclass(frozen=True)
class FlagRecord:
    id: int
    patient_id: int
    patient_ref: str
    checkin_id: int | None
    rule_id: str
    level: str
    evidence: dict[str, Any]
    status: str
    raised_at: dt.datetime
    notified_at: dt.datetime | None
    card_chat_id: int | None
    card_message_id: int | None
    escalated_at: dt.datetime | None
    acknowledged_by: str | None
    acknowledged_at: dt.datetime | None
    resolved_by: str | None
    resolved_at: dt.datetime | None
    resolution_note: str | None
    card_id: int | None = None

    @classmethod
    def of(cls, row: models.Flag, patient_ref: str) -> FlagRecord:
        return cls(
            row.id, row.patient_id, patient_ref, row.checkin_id, row.rule_id, row.level,
            row.evidence, row.status, row.raised_at, row.notified_at, row.card_chat_id,
            row.card_message_id, row.escalated_at, row.acknowledged_by, row.acknowledged_at,
            row.resolved_by, row.resolved_at, row.resolution_note, row.card_id,
        )  # fmt: skip


@dataclass(frozen=True)
class AuditRecord:
    id: int
    at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_id: str | None
    detail: dict[str, Any]

    @classmethod
    def of(cls, row: models.AuditEvent) -> AuditRecord:
        return cls(row.id, row.at, row.actor, row.action, row.entity, row.entity_id, row.detail)


@dataclass(frozen=True)
class NurseCardRecord:
    id: int
    patient_id: int
    source_key: str
    checkin_id: int | None
    created_at: dt.datetime
    version: int
    rendered_version: int
    chat_id: int | None
    message_id: int | None
    posted_at: dt.datetime | None
    escalated_at: dt.datetime | None

    @classmethod
    def of(cls, row: models.NurseCard) -> NurseCardRecord:
        return cls(
            row.id, row.patient_id, row.source_key, row.checkin_id, row.created_at, row.version,
            row.rendered_version, row.chat_id, row.message_id, row.posted_at, row.escalated_at,
        )  # fmt: skip


@dataclass(frozen=True)
class NurseDialogueRecord:
    """A nurse's dialogue in progress: which one (``kind``), at which ``step``, answers so far."""

    chat_id: int
    user_id: int
    kind: str
    step: str
    data: dict[str, Any]
    updated_at: dt.datetime

    @classmethod
    def of(cls, row: models.NurseDialogue) -> NurseDialogueRecord:
        return cls(row.chat_id, row.user_id, row.kind, row.step, dict(row.data), row.updated_at)
