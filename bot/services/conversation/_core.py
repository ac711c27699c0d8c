"""What every part of the patient conversation shares: who wrote, the open transaction's
context, and the plumbing around it (de-duplication, audit, buttons, dates)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.scheduling.policy import DispatchPolicy
from bot.services.callbacks import CallbackCodec, CallbackData
from bot.services.replies import Button, Keyboard, Reply
from bot.settings import Settings
from bot.texts import T
from storage import checkins as checkin_store
from storage import patients as patient_store
from storage.audit import record_audit
from storage.records import CheckinRecord, EnrolmentRecord, PatientRecord
from storage.updates import mark_update_processed
from surveys.model import Form, Language, Question, Survey, Text

REMINDER_MIN_GAP = DispatchPolicy().reminder_min_gap

Answers = dict[str, Any]
"""A check-in's live answers by question id, as :func:`current_answers` reads them."""

security_log = logging.getLogger("followup.security")

# Callback kinds: answer, toggle, done, skip, back, who, consent, language, pause.
ANSWER, TOGGLE, DONE, SKIP, BACK, WHO = "a", "t", "d", "s", "b", "w"
CONSENT, LANGUAGE, PAUSE = "c", "l", "p"


def language_of(code: str | None) -> Language:
    """Map a Telegram ``language_code`` (or our own code) to a supported language."""
    return "zh-Hans" if code and code.lower().startswith("zh") else "en"


@dataclass(frozen=True)
class Chat:
    """Who wrote: a private chat id, the update id (None when not from Telegram)."""

    chat_id: int
    update_id: int | None = None
    language_code: str | None = None


@dataclass
class Context:
    """One patient action inside its transaction."""

    session: AsyncSession
    chat: Chat
    patient: PatientRecord
    enrolment: EnrolmentRecord
    now: dt.datetime
    opened: int | None = None
    """A check-in this action opened (the patient has not seen its question yet)."""

    @property
    def language(self) -> Language:
        return language_of(self.patient.language)


Action = Callable[[Context, Reply], Awaitable[None]]


class Core:
    """The conversation's dependencies and the plumbing every part uses."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        survey: Survey,
        settings: Settings,
        clock: Clock,
    ) -> None:
        self.sessions = sessions
        self.survey = survey
        self.settings = settings
        self.clock = clock
        self.codec = CallbackCodec(settings.callback_key())

    async def first_time(self, session: AsyncSession, chat: Chat) -> bool:
        """Whether this update is new (a redelivered one changes nothing twice)."""
        if chat.update_id is None:
            return True
        return await mark_update_processed(session, chat.update_id, self.clock.now())

    async def context(self, session: AsyncSession, chat: Chat, now: dt.datetime) -> Context | None:
        """The chat's patient in their active enrolment (see :meth:`context_for`)."""
        found = await patient_store.patient_with_enrolment_by_chat(session, chat.chat_id)
        if found is None:
            return None
        return await self.context_for(session, chat, *found, now)

    async def context_for(
        self, session: AsyncSession, chat: Chat, patient: PatientRecord,
        enrolment: EnrolmentRecord | None, now: dt.datetime,
    ) -> Context | None:  # fmt: skip
        """None when withdrawn or not enrolled; an unreachable patient is reachable again."""
        if patient.status == "withdrawn" or enrolment is None:
            return None
        ctx = Context(session, chat, patient, enrolment, now)
        if patient.status == "unreachable":  # they wrote to us: the chat works again
            await patient_store.update_patient(session, patient.id, status="active")
            await self.audit(ctx, "patient.reachable")
            ctx.patient = await self.reload(ctx)
        return ctx

    async def with_patient(
        self, chat: Chat, action: Action, *, allow_paused: bool = False
    ) -> Reply:
        """Run ``action`` for the chat's patient in one transaction, or say why not."""
        reply = Reply()
        async with self.sessions.begin() as session:
            if not await self.first_time(session, chat):
                return reply
            ctx = await self.context(session, chat, self.clock.now())
            if ctx is None:
                reply.say(T.invite_needed.get(language_of(chat.language_code)))
                return reply
            if ctx.patient.status == "paused" and not allow_paused:
                reply.say(T.stopped.format(ctx.language, phone=self.phone(ctx.language)))
                return reply
            await action(ctx, reply)
        return reply

    async def reload(self, ctx: Context) -> PatientRecord:
        patient = await patient_store.get_patient(ctx.session, ctx.patient.id)
        assert patient is not None
        return patient

    async def reread(self, ctx: Context, checkin: CheckinRecord) -> CheckinRecord:
        """The check-in as stored, when an update left it alone (its status moved on)."""
        current = await checkin_store.get_checkin(ctx.session, checkin.id)
        assert current is not None
        return current

    async def audit(self, ctx: Context, action: str, **detail: Any) -> None:
        await record_audit(
            ctx.session, at=ctx.now, actor=f"patient:{ctx.patient.ref}", action=action,
            entity="patient", entity_id=ctx.patient.id, detail=detail,
        )  # fmt: skip

    def phone(self, language: Language) -> str:
        return self.settings.ward_phone or T.ward_phone_missing.get(language)

    def button(self, ctx: Context, label: Text | str, kind: str, value: str,
               checkin_id: int = 0, question: int = 0) -> Button:  # fmt: skip
        text = label if isinstance(label, str) else label.get(ctx.language)
        data = CallbackData(kind, checkin_id, question, value)
        return Button(text, self.codec.encode(ctx.chat.chat_id, data))

    def shown(self, ctx: Context, text: str) -> str:
        """Question text with the ward's phone filled in (the note's hint names it)."""
        return text.replace("{phone}", self.phone(ctx.language))

    def consent_keyboard(self, ctx: Context) -> Keyboard:
        return ((self.button(ctx, T.consent_button, CONSENT, "y"),),
                (self.button(ctx, T.consent_decline_button, CONSENT, "n"),))  # fmt: skip

    def language_keyboard(self, ctx: Context) -> Keyboard:
        return ((self.button(ctx, "English", LANGUAGE, "en"),
                 self.button(ctx, "中文", LANGUAGE, "zh")),)  # fmt: skip

    def date(self, ctx: Context, when: dt.datetime) -> str:
        """A date in the patient's timezone and language."""
        local = when.astimezone(ZoneInfo(ctx.patient.timezone)).date()
        if ctx.language == "zh-Hans":
            return f"{local.year}年{local.month}月{local.day}日"
        return f"{local:%a} {local.day} {local:%b %Y}"


def question_index(form: Form, question_id: str) -> int:
    return next(i for i, q in enumerate(form.questions) if q.id == question_id)


def is_open(checkin: CheckinRecord, now: dt.datetime) -> bool:
    return checkin.status in checkin_store.OPEN_STATUSES and checkin.closes_at > now


def draft_selection(checkin: CheckinRecord, question_id: str) -> list[str]:
    draft = checkin.draft or {}
    if draft.get("question") != question_id:
        return []
    return list(cast("list[str]", draft.get("selected", [])))


def button_value(survey: Survey, question: Question, value: str) -> str | None:
    """Turn a button's compact value into the raw text the parser accepts."""
    if question.type in ("scale", "yes_no"):
        return value
    try:
        index = int(value)
    except ValueError:
        return None
    if question.type == "single_choice" and 0 <= index < len(question.options):
        return question.options[index].id
    if question.type == "distance" and 0 <= index < len(survey.distance_categories):
        return survey.distance_categories[index].id
    return None


def next_reminder(checkin: CheckinRecord, now: dt.datetime) -> dt.datetime | None:
    """The first planned reminder at least the minimum gap after ``now``."""
    earliest = now + REMINDER_MIN_GAP
    upcoming = [t for t in checkin.reminder_times[checkin.reminder_count :] if t >= earliest]
    return upcoming[0] if upcoming else None
