"""ORM models: the database is the source of truth for every conversation and check-in.

Alembic owns the schema (``storage/migrations``); these classes describe it for queries.
Times are stored as timezone-aware UTC datetimes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

__all__ = [
    "Answer",
    "AuditEvent",
    "Base",
    "Checkin",
    "Enrolment",
    "Flag",
    "InboxUpdate",
    "Instance",
    "Invite",
    "NurseAccount",
    "NurseCard",
    "NurseCardMessage",
    "NurseDialogue",
    "NursePreference",
    "OutboxMessage",
    "Patient",
    "ProcessedUpdate",
    "WebSignInLink",
]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes on every backend (SQLite keeps no offset, so it is added back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use UTC-aware datetimes")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        dt.datetime: UTCDateTime(),
    }


class Patient(Base):
    """A pseudonymous patient: a reference code, never a name."""

    __tablename__ = "patient"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    timezone: Mapped[str] = mapped_column(String(64))
    send_at: Mapped[str | None] = mapped_column(String(5))
    chat_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    # active | paused | unreachable | withdrawn
    status: Mapped[str] = mapped_column(String(16), default="active")
    consented_at: Mapped[dt.datetime | None]
    language_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime]
    linked_at: Mapped[dt.datetime | None]

    enrolments: Mapped[list[Enrolment]] = relationship(back_populates="patient")


class Enrolment(Base):
    __tablename__ = "enrolment"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patient.id", ondelete="CASCADE"), index=True
    )
    surgery_date: Mapped[dt.date] = mapped_column(Date)
    procedure: Mapped[str] = mapped_column(String(120))
    levels: Mapped[str | None] = mapped_column(String(60))
    survey_id: Mapped[str] = mapped_column(String(64))
    survey_version: Mapped[str] = mapped_column(String(32))
    caregiver_helps: Mapped[bool] = mapped_column(Boolean, default=False)
    # active | paused | completed | withdrawn
    status: Mapped[str] = mapped_column(String(16), default="active")
    enrolled_at: Mapped[dt.datetime]

    patient: Mapped[Patient] = relationship(back_populates="enrolments")


class Invite(Base):
    """A single-use link token; only its SHA-256 hash is stored."""

    __tablename__ = "invite"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolment.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]


class Checkin(Base):
    """One planned check-in and the live state of its conversation.

    status: scheduled → sending → sent → in_progress → completed, or missed / cancelled /
    paused. ``position`` is the question currently asked; ``draft`` holds multi-choice
    toggles not yet confirmed. ``claimed_by``/``claimed_at`` make dispatch exactly-once
    across processes. ``escalate_at`` is set when a check-in is marked missed and cleared
    once the consecutive-missed check has seen it (almost always NULL, so its index is tiny
    and the planner trusts it).
    """

    __tablename__ = "checkin"
    __table_args__ = (
        Index("ix_checkin_status_due", "status", "due_at"),
        Index("ix_checkin_status_closes", "status", "closes_at"),
        Index("ix_checkin_next_reminder", "next_reminder_at"),
        Index("ix_checkin_escalate_at", "escalate_at"),
        UniqueConstraint("enrolment_id", "spec_id", name="uq_checkin_enrolment_spec"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolment.id", ondelete="CASCADE"), index=True
    )
    spec_id: Mapped[str] = mapped_column(String(32))
    form: Mapped[str] = mapped_column(String(32))
    day: Mapped[int | None] = mapped_column(Integer)
    due_at: Mapped[dt.datetime]
    closes_at: Mapped[dt.datetime]
    reminder_times: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    position: Mapped[str | None] = mapped_column(String(64))
    draft: Mapped[dict[str, Any] | None]
    answered_by: Mapped[str | None] = mapped_column(String(16))
    reminder_count: Mapped[int] = mapped_column(Integer, default=0)
    next_reminder_at: Mapped[dt.datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]
    started_at: Mapped[dt.datetime | None]
    completed_at: Mapped[dt.datetime | None]
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(200))
    escalate_at: Mapped[dt.datetime | None]
    recalled: Mapped[bool] = mapped_column(Boolean, default=False)


class Answer(Base):
    """One answer. Changing an answer (Back) supersedes the old row; nothing is deleted."""

    __tablename__ = "answer"
    __table_args__ = (Index("ix_answer_checkin_question", "checkin_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkin.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(64))
    raw: Mapped[str | None] = mapped_column(Text)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    survey_version: Mapped[str] = mapped_column(String(32))
    answered_at: Mapped[dt.datetime]
    answered_by: Mapped[str] = mapped_column(String(16), default="patient")
    superseded_at: Mapped[dt.datetime | None]


class Flag(Base):
    """A worrying finding for the nurses. ``dedupe_key`` makes raising idempotent."""

    __tablename__ = "flag"
    __table_args__ = (Index("ix_flag_status_level", "status", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patient.id", ondelete="CASCADE"), index=True
    )
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkin.id", ondelete="SET NULL"))
    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True)
    rule_id: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(8))
    evidence: Mapped[dict[str, Any]]
    # open | acknowledged | resolved
    status: Mapped[str] = mapped_column(String(16), default="open")
    raised_at: Mapped[dt.datetime]
    notified_at: Mapped[dt.datetime | None]
    card_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    card_message_id: Mapped[int | None] = mapped_column(BigInteger)
    escalated_at: Mapped[dt.datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(120))
    acknowledged_at: Mapped[dt.datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(120))
    resolved_at: Mapped[dt.datetime | None]
    resolution_note: Mapped[str | None] = mapped_column(Text)
    card_id: Mapped[int | None] = mapped_column(
        ForeignKey("nurse_card.id", ondelete="SET NULL"), index=True
    )


class AuditEvent(Base):
    """Append-only record of who did what to which record. Never updated or deleted."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ProcessedUpdate(Base):
    """Telegram update ids already handled, so a redelivered update changes nothing."""

    __tablename__ = "processed_update"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[dt.datetime]


class NurseCard(Base):
    """The nurses' card for one check-in (or one message, or one flag outside a check-in).

    It is the outbox of the nurse group: written with its flags, it is (re)posted by
    whichever process claims it (``claimed_by``/``claimed_at``) while ``rendered_version``
    is behind ``version``; every change to one of its flags bumps ``version``.
    """

    __tablename__ = "nurse_card"
    __table_args__ = (Index("ix_nurse_card_pending", "rendered_version", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patient.id", ondelete="CASCADE"), index=True
    )
    source_key: Mapped[str] = mapped_column(String(96), unique=True)
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkin.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime]
    version: Mapped[int] = mapped_column(Integer, default=1)
    rendered_version: Mapped[int] = mapped_column(Integer, default=0)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    posted_at: Mapped[dt.datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[dt.datetime | None]
    escalated_at: Mapped[dt.datetime | None]


class NurseCardMessage(Base):
    """Every message that shows a card, so a tap or reply finds its card without reading text.

    ``mode`` is what the message shows: the card, the outcome choice, or the note prompt
    (a reply resolves the card only while its message asks for a note).
    """

    __tablename__ = "nurse_card_message"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    message_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    card_id: Mapped[int] = mapped_column(
        ForeignKey("nurse_card.id", ondelete="CASCADE"), index=True
    )
    mode: Mapped[str] = mapped_column(String(16), default="card")


class NurseDialogue(Base):
    """A nurse's multi-step dialogue in one chat (e.g. /enroll): its step and answers so far.

    Kept in the database so any bot process can take the next message; one per chat and user.
    """

    __tablename__ = "nurse_dialogue"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]]
    updated_at: Mapped[dt.datetime]


class NursePreference(Base):
    """What a nurse chose for themselves (the language of the nurse side), by Telegram user."""

    __tablename__ = "nurse_preference"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    language: Mapped[str] = mapped_column(String(8))
    updated_at: Mapped[dt.datetime]


class NurseAccount(Base):
    """A nurse who signs in to the web dashboard; only an argon2 hash of the password."""

    __tablename__ = "nurse_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="en")
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime]


class WebSignInLink(Base):
    """A one-time sign-in link a nurse asked the bot for; only its SHA-256 hash is stored."""

    __tablename__ = "web_signin_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(120))
    language: Mapped[str] = mapped_column(String(8), default="en")
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]


class OutboxMessage(Base):
    """A message to a patient that must not be lost (e.g. urgent advice).

    Written in the same transaction as its cause, sent after commit by whichever process
    claims it first. status: pending → sending → sent, or failed (Telegram refused it).
    ``claimed_until`` is the claim's lease: a ``sending`` row past it belongs to a process
    that died mid-send and is claimed again. ``uncertain`` counts sends whose outcome was
    never heard (timeouts): the Bot API offers no idempotency key, so such a retry may
    duplicate and is counted rather than hidden.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int | None] = mapped_column(
        ForeignKey("patient.id", ondelete="CASCADE"), index=True
    )
    chat_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    dedupe_key: Mapped[str | None] = mapped_column(String(160), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    created_at: Mapped[dt.datetime]
    next_attempt_at: Mapped[dt.datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    uncertain: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[dt.datetime | None]
    sent_at: Mapped[dt.datetime | None]
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(String(200))


class InboxUpdate(Base):
    """A Telegram update fetched by long polling, stored before the next fetch confirms it.

    ``processed_at`` is set once the application has handled it; rows still without one at
    start-up are replayed (handlers skip an update id they already handled).
    """

    __tablename__ = "inbox_update"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    received_at: Mapped[dt.datetime]
    payload: Mapped[dict[str, Any]]
    processed_at: Mapped[dt.datetime | None] = mapped_column(index=True)


class Instance(Base):
    """A running bot process: its claims on check-ins, cards and outbox rows carry ``name``.

    ``seen_at`` is renewed every few seconds while the process lives; a claim whose owner
    stopped (``stopped_at``) or has not been seen for a few beats is recovered at once,
    and a claim of a live owner is never taken, however long its send takes.
    """

    __tablename__ = "instance"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[dt.datetime]
    seen_at: Mapped[dt.datetime]
    stopped_at: Mapped[dt.datetime | None]
