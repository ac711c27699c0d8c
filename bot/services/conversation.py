"""The patient's conversation, independent of Telegram.

Every entry point takes a :class:`Chat` (who wrote, and the update id for de-duplication)
and returns a :class:`~bot.services.replies.Reply` for the transport to render. State lives
in the database only, so a restart resumes at the same question, and a redelivered update
or a double tap changes nothing twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.scheduling.policy import DispatchPolicy
from bot.services.callbacks import CallbackCodec, CallbackData, InvalidCallback
from bot.services.flagging import (
    RuleHistory,
    raise_answer_flags,
    raise_system_flag,
    review_changed_answers,
    rule_history,
)
from bot.services.rendering import answer_label, question_keyboard, question_text
from bot.services.replies import Button, Edit, Keyboard, QuestionRef, Reply
from bot.settings import Settings
from bot.texts import T
from storage import checkins as checkin_store
from storage import patients as patient_store
from storage.answers import current_answers, record_answer, supersede_answer
from storage.audit import record_audit
from storage.invites import InviteRefused, invite_enrolment, redeem_invite
from storage.records import CheckinRecord, EnrolmentRecord, PatientRecord
from storage.updates import mark_update_processed
from surveys.engine import Accepted, Ask, Completed, advance, current_step, previous_question
from surveys.model import Language, Question, Survey, Text

__all__ = ["Chat", "ConversationService", "language_of"]

REMINDER_MIN_GAP = DispatchPolicy().reminder_min_gap

Answers = dict[str, Any]
"""A check-in's live answers by question id, as :func:`current_answers` reads them."""

log = logging.getLogger(__name__)
security_log = logging.getLogger("followup.security")

WHO = "w"  # callback kinds: answer, toggle, done, skip, back, who, consent, language, pause
ANSWER, TOGGLE, DONE, SKIP, BACK = "a", "t", "d", "s", "b"
CONSENT, LANGUAGE, PAUSE = "c", "l", "p"
WHO_WORDS = {
    "patient": ("1", "me", "patient", "myself", "i", "我", "我自己", "患者", "本人"),
    "caregiver": ("2", "family", "carer", "caregiver", "家属", "护理", "护工", "家人"),
}


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
class _Context:
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


class ConversationService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        survey: Survey,
        settings: Settings,
        clock: Clock,
    ) -> None:
        self._sessions = sessions
        self._survey = survey
        self._settings = settings
        self._clock = clock
        self._codec = CallbackCodec(settings.callback_key())

    # ----------------------------------------------------------------- entry points

    async def start(self, chat: Chat, token: str | None) -> Reply:
        """``/start [token]``: link the chat with an invite, or continue where the patient is."""
        reply = Reply()
        async with self._sessions.begin() as session:
            if not await self._first_time(session, chat):
                return reply
            now = self._clock.now()
            ctx = await self._context(session, chat, now)
            if ctx is not None:
                if token and await self._invite_of_someone_else(ctx, token.strip()):
                    reply.say(T.chat_taken.get(ctx.language))
                    return reply
                await self._continue(ctx, reply)
                return reply
            language = language_of(chat.language_code)
            if not token:
                reply.say(T.invite_needed.get(language))
                return reply
            outcome = await redeem_invite(session, token.strip(), now)
            if isinstance(outcome, InviteRefused):
                security_log.info("invite refused: %s (chat %s)", outcome.reason, chat.chat_id)
                refusal = {"unknown": T.invite_unknown, "expired": T.invite_expired,
                           "used": T.invite_used}[outcome.reason]  # fmt: skip
                reply.say(refusal.get(language))
                return reply
            enrolment = await patient_store.get_enrolment(session, outcome)
            assert enrolment is not None
            await patient_store.update_patient(
                session, enrolment.patient_id, chat_id=chat.chat_id, linked_at=now
            )
            linked = await patient_store.get_patient(session, enrolment.patient_id)
            assert linked is not None
            await record_audit(
                session, at=now, actor=f"patient:{linked.ref}", action="patient.linked",
                entity="patient", entity_id=linked.id, detail={"enrolment": enrolment.id},
            )  # fmt: skip
            await self._continue(_Context(session, chat, linked, enrolment, now), reply)
        return reply

    async def text(self, chat: Chat, text: str) -> Reply:
        """A typed message: an answer to the current question, or a nudge."""
        return await self._with_patient(chat, lambda ctx, reply: self._typed(ctx, reply, text))

    async def button(self, chat: Chat, payload: str, message_id: int | None) -> Reply:
        """A tap on an inline button of one of our messages."""
        reply = Reply()
        async with self._sessions.begin() as session:
            if not await self._first_time(session, chat):
                return reply
            now = self._clock.now()
            ctx = await self._context(session, chat, now)
            language = ctx.language if ctx else language_of(chat.language_code)
            try:
                data = self._codec.decode(chat.chat_id, payload)
            except InvalidCallback as exc:
                security_log.warning("refused button payload (%s) from chat %s", exc, chat.chat_id)
                await record_audit(
                    session, at=now, actor=f"chat:{chat.chat_id}", action="security.bad_callback",
                    entity="chat", entity_id=chat.chat_id, detail={"reason": str(exc)},
                )  # fmt: skip
                reply.callback_text = T.button_invalid.get(language)
                if ctx is not None:
                    await self._continue(ctx, reply, quiet=True)
                return reply
            if ctx is None:
                reply.callback_text = T.button_invalid.get(language)
                reply.say(T.invite_needed.get(language))
                return reply
            await self._pressed(ctx, reply, data, message_id)
        return reply

    async def help(self, chat: Chat) -> Reply:
        async def show(ctx: _Context, reply: Reply) -> None:
            reply.say(T.help.format(ctx.language, emergency=self._settings.emergency_number))

        return await self._with_patient(chat, show, allow_paused=True)

    async def stop(self, chat: Chat) -> Reply:
        async def confirm(ctx: _Context, reply: Reply) -> None:
            reply.say(
                T.stop_confirm.get(ctx.language),
                ((self._button(ctx, T.stop_yes, PAUSE, "y"),
                  self._button(ctx, T.stop_no, PAUSE, "n")),),
            )  # fmt: skip

        return await self._with_patient(chat, confirm, allow_paused=True)

    async def resume(self, chat: Chat) -> Reply:
        async def resume(ctx: _Context, reply: Reply) -> None:
            if ctx.patient.status != "paused":
                reply.say(T.not_paused.get(ctx.language))
                await self._continue(ctx, reply, quiet=True)
                return
            await patient_store.update_patient(ctx.session, ctx.patient.id, status="active")
            await self._audit(ctx, "patient.resumed")
            ctx.patient = await self._reload(ctx)
            reply.say(T.resumed.get(ctx.language))
            await self._continue(ctx, reply)

        return await self._with_patient(chat, resume, allow_paused=True)

    async def choose_language(self, chat: Chat) -> Reply:
        async def ask(ctx: _Context, reply: Reply) -> None:
            reply.say(T.choose_language.get(ctx.language), self._language_keyboard(ctx))

        return await self._with_patient(chat, ask, allow_paused=True)

    async def unsupported(self, chat: Chat) -> Reply:
        """A sticker, photo, voice note, location…: say what works."""
        return await self._nudge(chat, T.unsupported)

    async def edited(self, chat: Chat) -> Reply:
        return await self._nudge(chat, T.edited)

    async def unknown_command(self, chat: Chat) -> Reply:
        return await self._nudge(chat, T.unknown_command)

    async def membership(self, chat: Chat, *, blocked: bool) -> list[int]:
        """The patient blocked (or unblocked) the bot: mark them unreachable (or active).

        Blocking raises the same amber flag the dispatcher raises when a send is refused,
        so the nurses can phone the patient.
        """
        async with self._sessions.begin() as session:
            if not await self._first_time(session, chat):
                return []
            now = self._clock.now()
            found = await patient_store.patient_with_enrolment_by_chat(session, chat.chat_id)
            if found is None or found[0].status in ("withdrawn", "paused"):
                return []
            patient, enrolment = found
            if not blocked:
                await self._context_for(session, chat, patient, enrolment, now)  # reachable again
                return []
            if patient.status == "unreachable":
                return []
            await patient_store.update_patient(session, patient.id, status="unreachable")
            await record_audit(
                session, at=now, actor=f"patient:{patient.ref}", action="patient.unreachable",
                entity="patient", entity_id=patient.id, detail={"reason": "blocked"},
            )  # fmt: skip
            flag, _ = await raise_system_flag(
                session, patient=patient, rule_id="unreachable",
                level=self._survey.schedule.unreachable_flag_level,
                evidence={"reason": "blocked", "why": {
                    "en": "The patient blocked the bot or deleted the chat.",
                    "zh-Hans": "患者屏蔽了机器人或删除了对话。"}},
                dedupe_key=f"unreachable:{patient.id}:blocked:{now.isoformat()}", now=now,
            )  # fmt: skip
        return [flag.id]

    async def question_sent(self, checkin_id: int, message_id: int) -> None:
        """Remember which message shows the current question, to edit it once answered."""
        async with self._sessions.begin() as session:
            await checkin_store.set_message_id(session, checkin_id, message_id)

    async def opening(self, checkin_id: int, *, reminder: bool = False) -> tuple[int, Reply] | None:
        """What to send when a check-in is delivered (or a reminder): intro + current question.

        Used by the dispatcher, which owns the check-in's status; this only renders.
        """
        async with self._sessions.begin() as session:
            found = await checkin_store.checkin_with_patient(session, checkin_id)
            now = self._clock.now()
            if found is None:
                return None
            checkin, enrolment, patient = found
            if checkin.closes_at <= now:
                return None
            wanted = checkin_store.OPEN_STATUSES if reminder else ("sending",)
            if checkin.status not in wanted:  # answered, closed or sent meanwhile
                return None
            if patient.chat_id is None:
                return None
            ctx = _Context(session, Chat(patient.chat_id), patient, enrolment, now)
            reply = Reply()
            if reminder:
                reply.say(T.reminder.get(ctx.language))
            else:
                reply.say(self._intro(ctx, checkin))
            await self._ask_current(ctx, reply, checkin)
            return patient.chat_id, reply

    # ------------------------------------------------------------------ plumbing

    async def _first_time(self, session: AsyncSession, chat: Chat) -> bool:
        if chat.update_id is None:
            return True
        return await mark_update_processed(session, chat.update_id, self._clock.now())

    async def _context(
        self, session: AsyncSession, chat: Chat, now: dt.datetime
    ) -> _Context | None:
        """The chat's patient in their active enrolment (see :meth:`_context_for`)."""
        found = await patient_store.patient_with_enrolment_by_chat(session, chat.chat_id)
        if found is None:
            return None
        return await self._context_for(session, chat, *found, now)

    async def _context_for(
        self, session: AsyncSession, chat: Chat, patient: PatientRecord,
        enrolment: EnrolmentRecord | None, now: dt.datetime,
    ) -> _Context | None:  # fmt: skip
        """None when withdrawn or not enrolled; an unreachable patient is reachable again."""
        if patient.status == "withdrawn" or enrolment is None:
            return None
        ctx = _Context(session, chat, patient, enrolment, now)
        if patient.status == "unreachable":  # they wrote to us: the chat works again
            await patient_store.update_patient(session, patient.id, status="active")
            await self._audit(ctx, "patient.reachable")
            ctx.patient = await self._reload(ctx)
        return ctx

    async def _invite_of_someone_else(self, ctx: _Context, token: str) -> bool:
        """Whether ``token`` is an invite for another patient (looked at, not used)."""
        enrolment_id = await invite_enrolment(ctx.session, token)
        return enrolment_id is not None and enrolment_id != ctx.enrolment.id

    async def _with_patient(self, chat: Chat, action: Any, *, allow_paused: bool = False) -> Reply:
        reply = Reply()
        async with self._sessions.begin() as session:
            if not await self._first_time(session, chat):
                return reply
            ctx = await self._context(session, chat, self._clock.now())
            if ctx is None:
                reply.say(T.invite_needed.get(language_of(chat.language_code)))
                return reply
            if ctx.patient.status == "paused" and not allow_paused:
                reply.say(T.stopped.format(ctx.language, phone=self._phone(ctx.language)))
                return reply
            await action(ctx, reply)
        return reply

    async def _nudge(self, chat: Chat, text: Text) -> Reply:
        async def say(ctx: _Context, reply: Reply) -> None:
            reply.say(text.get(ctx.language))

        return await self._with_patient(chat, say, allow_paused=True)

    async def _reload(self, ctx: _Context) -> PatientRecord:
        patient = await patient_store.get_patient(ctx.session, ctx.patient.id)
        assert patient is not None
        return patient

    async def _reread(self, ctx: _Context, checkin: CheckinRecord) -> CheckinRecord:
        """The check-in as stored, when an update left it alone (its status moved on)."""
        current = await checkin_store.get_checkin(ctx.session, checkin.id)
        assert current is not None
        return current

    async def _audit(self, ctx: _Context, action: str, **detail: Any) -> None:
        await record_audit(
            ctx.session, at=ctx.now, actor=f"patient:{ctx.patient.ref}", action=action,
            entity="patient", entity_id=ctx.patient.id, detail=detail,
        )  # fmt: skip

    def _phone(self, language: Language) -> str:
        return self._settings.ward_phone or T.ward_phone_missing.get(language)

    def _button(self, ctx: _Context, label: Text | str, kind: str, value: str,
                checkin_id: int = 0, question: int = 0) -> Button:  # fmt: skip
        text = label if isinstance(label, str) else label.get(ctx.language)
        data = CallbackData(kind, checkin_id, question, value)
        return Button(text, self._codec.encode(ctx.chat.chat_id, data))

    def _language_keyboard(self, ctx: _Context) -> Keyboard:
        return ((self._button(ctx, "English", LANGUAGE, "en"),
                 self._button(ctx, "中文", LANGUAGE, "zh")),)  # fmt: skip

    # ------------------------------------------------------------- conversation

    async def _continue(self, ctx: _Context, reply: Reply, *, quiet: bool = False) -> None:
        """Take the patient to wherever they are: consent, language, or the open question."""
        if ctx.patient.consented_at is None:
            reply.say(
                T.consent.format(ctx.language, emergency=self._settings.emergency_number),
                ((self._button(ctx, T.consent_button, CONSENT, "y"),),),
            )
            return
        if not ctx.patient.language_confirmed:
            reply.say(T.choose_language.get(ctx.language), self._language_keyboard(ctx))
            return
        if ctx.patient.status == "paused":
            reply.say(T.stopped.format(ctx.language, phone=self._phone(ctx.language)))
            return
        checkin = await self._open_or_start(ctx)
        if checkin is None:
            if not quiet:
                await self._say_nothing_open(ctx, reply)
            return
        if checkin.status == "sent" and checkin.started_at is None:
            reply.say(self._intro(ctx, checkin))
        await self._ask_current(ctx, reply, checkin)

    async def _open_or_start(self, ctx: _Context) -> CheckinRecord | None:
        """The open check-in, or the earliest due one opened now (the patient is here)."""
        session = ctx.session
        checkin = await checkin_store.open_checkin(session, ctx.enrolment.id, ctx.now)
        if checkin is not None:
            return checkin
        delivered = await checkin_store.delivered_while_sending(session, ctx.enrolment.id, ctx.now)
        if delivered is not None:
            return await self._adopt(ctx, delivered)
        # An open check-in whose window closed is the scheduler's to mark missed; a newer
        # one that is due may still be opened now.
        for candidate in await checkin_store.checkins_for_enrolment(session, ctx.enrolment.id):
            if (
                candidate.status == "scheduled"
                and candidate.due_at <= ctx.now < candidate.closes_at
            ):
                opened = await checkin_store.update_checkin(
                    session, candidate.id, expect_status=("scheduled",), status="sent",
                    sent_at=ctx.now, claimed_by="conversation", claimed_at=ctx.now,
                    next_reminder_at=_next_reminder(candidate, ctx.now),
                )  # fmt: skip
                if opened:
                    ctx.opened = candidate.id
                    return await checkin_store.get_checkin(session, candidate.id)
        return None

    async def _adopt(self, ctx: _Context, checkin: CheckinRecord) -> CheckinRecord | None:
        """Take over a check-in whose question reached the patient before the dispatcher
        marked it sent (it is slow, or died): the patient is answering it now."""
        adopted = await checkin_store.update_checkin(
            ctx.session, checkin.id, expect_status=("sending",), status="sent",
            sent_at=ctx.now, next_reminder_at=_next_reminder(checkin, ctx.now),
        )  # fmt: skip
        return await checkin_store.get_checkin(ctx.session, checkin.id) if adopted else None

    def _intro(self, ctx: _Context, checkin: CheckinRecord) -> str:
        if checkin.day is None:
            intro = T.baseline_recalled_intro if checkin.recalled else T.baseline_intro
            return intro.get(ctx.language)
        return T.checkin_intro.format(ctx.language, day=checkin.day)

    async def _say_nothing_open(self, ctx: _Context, reply: Reply) -> None:
        reply.say(T.nothing_open.get(ctx.language))
        upcoming = await self._next_due(ctx)
        if upcoming is not None:
            reply.say(T.next_checkin.format(ctx.language, date=self._date(ctx, upcoming)))

    async def _next_due(self, ctx: _Context) -> dt.datetime | None:
        return await checkin_store.next_scheduled_due(ctx.session, ctx.enrolment.id, ctx.now)

    def _date(self, ctx: _Context, when: dt.datetime) -> str:
        local = when.astimezone(ZoneInfo(ctx.patient.timezone)).date()
        if ctx.language == "zh-Hans":
            return f"{local.year}年{local.month}月{local.day}日"
        return f"{local:%a} {local.day} {local:%b %Y}"

    async def _ask_current(
        self, ctx: _Context, reply: Reply, checkin: CheckinRecord, answers: Answers | None = None
    ) -> None:
        """Show the current question of an open check-in (or the who-is-answering step).

        ``answers``: the check-in's live answers, if this action has them already.
        """
        if ctx.enrolment.caregiver_helps and checkin.answered_by is None:
            keyboard = ((self._button(ctx, T.who_patient, WHO, "p", checkin.id),),
                        (self._button(ctx, T.who_caregiver, WHO, "c", checkin.id),))  # fmt: skip
            reply.say(T.who_answers.get(ctx.language), keyboard, QuestionRef(checkin.id, "_who"))
            return
        form = self._survey.form(checkin.form)
        if answers is None:
            answers = await current_answers(ctx.session, checkin.id)
        step = current_step(form, answers)
        if isinstance(step, Completed):
            await self._complete(ctx, reply, checkin, answers)
            return
        selected = _draft_selection(checkin, step.question.id)
        reply.say(
            question_text(step.question, ctx.language, step.number, step.total),
            self._keyboard(ctx, checkin, step, selected),
            QuestionRef(checkin.id, step.question.id),
        )
        if checkin.position != step.question.id:
            await checkin_store.update_checkin(ctx.session, checkin.id, position=step.question.id)

    def _keyboard(
        self, ctx: _Context, checkin: CheckinRecord, step: Ask, selected: list[str]
    ) -> Keyboard:
        index = _question_index(self._survey.form(checkin.form), step.question.id)

        def payload(kind: str, value: str) -> str:
            data = CallbackData(kind, checkin.id, index, value)
            return self._codec.encode(ctx.chat.chat_id, data)

        return question_keyboard(
            self._survey, step.question, ctx.language, payload,
            selected=selected, can_go_back=step.number > 1,
        )  # fmt: skip

    async def _typed(self, ctx: _Context, reply: Reply, text: str) -> None:
        if ctx.patient.consented_at is None:
            reply.say(
                T.consent_needed.get(ctx.language),
                ((self._button(ctx, T.consent_button, CONSENT, "y"),),),
            )
            return
        if not ctx.patient.language_confirmed:
            lowered = text.strip().lower()
            if lowered in ("english", "en", "1"):
                await self._set_language(ctx, reply, "en", onboarding=True)
            elif lowered in ("中文", "chinese", "zh", "2", "汉语", "普通话"):
                await self._set_language(ctx, reply, "zh-Hans", onboarding=True)
            else:
                reply.say(T.choose_language.get(ctx.language), self._language_keyboard(ctx))
            return
        checkin = await self._open_or_start(ctx)
        if checkin is None:
            await self._say_nothing_open(ctx, reply)
            return
        if ctx.opened == checkin.id:  # opened by this very message: it answers nothing yet
            reply.say(self._intro(ctx, checkin))
            await self._ask_current(ctx, reply, checkin)
            return
        locked = await checkin_store.lock_checkin(ctx.session, checkin.id)
        if locked is None or not _is_open(locked, ctx.now):
            await self._say_nothing_open(ctx, reply)
            return
        checkin = locked
        if ctx.enrolment.caregiver_helps and checkin.answered_by is None:
            who = _who_from_text(text)
            if who is None:
                reply.say(T.type_or_tap.get(ctx.language))
                await self._ask_current(ctx, reply, checkin)
                return
            await self._set_who(ctx, reply, checkin, who, checkin.message_id)
            return
        form = self._survey.form(checkin.form)
        answers = await current_answers(ctx.session, checkin.id)
        step = current_step(form, answers)
        if isinstance(step, Completed):
            await self._complete(ctx, reply, checkin, answers)
            return
        await self._submit(ctx, reply, checkin, answers, step, text, checkin.message_id,
                           from_button=False)  # fmt: skip

    async def _pressed(
        self, ctx: _Context, reply: Reply, data: CallbackData, message_id: int | None
    ) -> None:
        if data.kind == CONSENT:
            await self._consent(ctx, reply, message_id)
            return
        if data.kind == LANGUAGE:
            language: Language = "zh-Hans" if data.value == "zh" else "en"
            onboarding = not ctx.patient.language_confirmed
            if message_id is not None:
                reply.edits.append(Edit(message_id, T.choose_language.get(language) + " ✔"))
            await self._set_language(ctx, reply, language, onboarding=onboarding)
            return
        if data.kind == PAUSE:
            await self._pause(ctx, reply, data.value == "y", message_id)
            return
        if ctx.patient.status == "paused":
            reply.callback_text = T.stopped.format(ctx.language, phone=self._phone(ctx.language))
            return
        checkin = await checkin_store.lock_checkin(ctx.session, data.checkin_id)
        if checkin is None or checkin.enrolment_id != ctx.enrolment.id:
            await self._stale(ctx, reply)
            return
        if checkin.status == "sending" and checkin.message_id is not None:
            checkin = await self._adopt(ctx, checkin) or checkin
        if not _is_open(checkin, ctx.now):
            await self._stale(ctx, reply, closed=checkin.status != "completed")
            return
        if data.kind == WHO:
            if checkin.answered_by is not None:
                await self._stale(ctx, reply)
                return
            who = "caregiver" if data.value == "c" else "patient"
            await self._set_who(ctx, reply, checkin, who, message_id)
            return
        form = self._survey.form(checkin.form)
        answers = await current_answers(ctx.session, checkin.id)
        step = current_step(form, answers)
        if (
            isinstance(step, Completed)
            or (ctx.enrolment.caregiver_helps and checkin.answered_by is None)
            or _question_index(form, step.question.id) != data.question
        ):
            await self._stale(ctx, reply)
            return
        question = step.question
        if data.kind == ANSWER:
            raw = _button_value(self._survey, question, data.value)
            if raw is None:
                await self._stale(ctx, reply)
                return
            await self._submit(ctx, reply, checkin, answers, step, raw, message_id,
                               from_button=True)  # fmt: skip
        elif data.kind == SKIP:
            await self._submit(ctx, reply, checkin, answers, step, None, message_id,
                               from_button=True)  # fmt: skip
        elif data.kind == TOGGLE:
            await self._toggle(ctx, reply, checkin, step, data.value, message_id)
        elif data.kind == DONE:
            chosen = _draft_selection(checkin, question.id)
            if not chosen:
                reply.callback_text = T.pick_at_least_one.get(ctx.language)
                return
            await self._submit(ctx, reply, checkin, answers, step, ",".join(chosen), message_id,
                               from_button=True)  # fmt: skip
        elif data.kind == BACK:
            await self._back(ctx, reply, checkin, answers, step, message_id)
        else:
            await self._stale(ctx, reply)

    async def _stale(self, ctx: _Context, reply: Reply, *, closed: bool = False) -> None:
        reply.callback_text = (T.checkin_closed if closed else T.button_stale).get(ctx.language)
        checkin = await self._open_or_start(ctx)
        if checkin is not None:
            await self._ask_current(ctx, reply, checkin)

    async def _consent(self, ctx: _Context, reply: Reply, message_id: int | None) -> None:
        if ctx.patient.consented_at is not None:
            reply.callback_text = T.button_stale.get(ctx.language)
            return
        await patient_store.update_patient(ctx.session, ctx.patient.id, consented_at=ctx.now)
        await self._audit(ctx, "patient.consented")
        ctx.patient = await self._reload(ctx)
        if message_id is not None:
            reply.edits.append(
                Edit(message_id, T.consent.format(ctx.language,
                     emergency=self._settings.emergency_number) + "\n\n✔ " +
                     T.consent_button.get(ctx.language))
            )  # fmt: skip
        await self._continue(ctx, reply)

    async def _set_language(
        self, ctx: _Context, reply: Reply, language: Language, *, onboarding: bool
    ) -> None:
        await patient_store.update_patient(
            ctx.session, ctx.patient.id, language=language, language_confirmed=True
        )
        await self._audit(ctx, "patient.language", language=language)
        ctx.patient = await self._reload(ctx)
        reply.say(T.language_set.get(ctx.language))
        await self._continue(ctx, reply, quiet=not onboarding)

    async def _pause(
        self, ctx: _Context, reply: Reply, confirmed: bool, message_id: int | None
    ) -> None:
        if message_id is not None:
            reply.edits.append(Edit(message_id, T.stop_confirm.get(ctx.language)))
        if not confirmed:
            reply.say(T.not_stopped.get(ctx.language))
            await self._continue(ctx, reply, quiet=True)
            return
        if ctx.patient.status != "paused":
            await patient_store.update_patient(ctx.session, ctx.patient.id, status="paused")
            await self._audit(ctx, "patient.paused")
        reply.say(T.stopped.format(ctx.language, phone=self._phone(ctx.language)))

    async def _set_who(
        self, ctx: _Context, reply: Reply, checkin: CheckinRecord, who: str,
        message_id: int | None,
    ) -> None:  # fmt: skip
        updated = await checkin_store.update_held_checkin(
            ctx.session, checkin, expect_status=checkin_store.OPEN_STATUSES,
            answered_by=who, status="in_progress", started_at=checkin.started_at or ctx.now,
        ) or await self._reread(ctx, checkin)  # fmt: skip
        label = T.who_caregiver if who == "caregiver" else T.who_patient
        if message_id is not None:
            reply.edits.append(
                Edit(message_id, f"{T.who_answers.get(ctx.language)}\n✔ {label.get(ctx.language)}")
            )
        await self._ask_current(ctx, reply, updated)

    async def _toggle(
        self, ctx: _Context, reply: Reply, checkin: CheckinRecord, step: Ask, value: str,
        message_id: int | None,
    ) -> None:  # fmt: skip
        question = step.question
        try:
            option = question.options[int(value)]
        except (ValueError, IndexError):
            await self._stale(ctx, reply)
            return
        selected = _draft_selection(checkin, question.id)
        if option.id in selected:
            selected.remove(option.id)
        elif option.exclusive:
            selected = [option.id]
        else:
            exclusive = {o.id for o in question.options if o.exclusive}
            selected = [s for s in selected if s not in exclusive] + [option.id]
        ordered = [o.id for o in question.options if o.id in selected]
        updated = await checkin_store.update_held_checkin(
            ctx.session, checkin, draft={"question": question.id, "selected": ordered}
        ) or await self._reread(ctx, checkin)
        if message_id is not None:
            reply.edits.append(
                Edit(
                    message_id,
                    question_text(question, ctx.language, step.number, step.total),
                    self._keyboard(ctx, updated, step, ordered),
                )
            )

    async def _back(
        self, ctx: _Context, reply: Reply, checkin: CheckinRecord, answers: Answers, step: Ask,
        message_id: int | None,
    ) -> None:  # fmt: skip
        form = self._survey.form(checkin.form)
        previous = previous_question(form, answers, step.question.id)
        if previous is None:
            reply.callback_text = T.button_stale.get(ctx.language)
            return
        await supersede_answer(ctx.session, checkin.id, previous.id, ctx.now)
        updated = await checkin_store.update_held_checkin(
            ctx.session, checkin, position=previous.id, draft=None
        ) or await self._reread(ctx, checkin)
        await self._audit(ctx, "answer.reopened", checkin=checkin.id, question=previous.id)
        if message_id is not None:
            shown = question_text(step.question, ctx.language, step.number, step.total)
            reply.edits.append(Edit(message_id, shown))
        reopened = {q: value for q, value in answers.items() if q != previous.id}
        await self._ask_current(ctx, reply, updated, reopened)

    async def _submit(
        self,
        ctx: _Context,
        reply: Reply,
        checkin: CheckinRecord,
        answers: Answers,
        step: Ask,
        raw: str | None,
        message_id: int | None,
        *,
        from_button: bool,
    ) -> None:
        """Answer the current question of ``checkin`` (held, with its live ``answers``)."""
        form = self._survey.form(checkin.form)
        question = step.question
        result = advance(self._survey, form, answers, question.id, raw, ctx.now)
        if not isinstance(result, Accepted):
            message = result.message.get(ctx.language)
            if from_button:
                reply.callback_text = message
            else:
                reply.say(message)
                await self._ask_current(ctx, reply, checkin, answers)
            return
        who = checkin.answered_by or "patient"
        await record_answer(
            ctx.session, checkin_id=checkin.id, question_id=question.id, raw=raw,
            value=result.value, survey_version=self._survey.version, answered_at=ctx.now,
            answered_by=who, replaces=question.id in answers,
        )  # fmt: skip
        if message_id is not None:
            shown = answer_label(self._survey, question, result.value, ctx.language)
            reply.edits.append(Edit(message_id, f"{question.text.get(ctx.language)}\n✔ {shown}"))
        next_id = result.next.question.id if isinstance(result.next, Ask) else None
        reminder_at = checkin.next_reminder_at
        if reminder_at is not None and reminder_at < ctx.now + REMINDER_MIN_GAP:
            reminder_at = _next_reminder(checkin, ctx.now)  # not while they are answering
        updated = await checkin_store.update_held_checkin(
            ctx.session, checkin, expect_status=checkin_store.OPEN_STATUSES,
            status="in_progress", position=next_id, draft=None,
            started_at=checkin.started_at or ctx.now, next_reminder_at=reminder_at,
        )  # fmt: skip
        answers = {**answers, question.id: result.value}
        history = await rule_history(ctx.session, self._survey, checkin, answers)
        await self._flag(ctx, reply, checkin, answers, history)
        updated = updated or await self._reread(ctx, checkin)
        if isinstance(result.next, Completed):
            await self._complete(ctx, reply, updated, answers, history)
        else:
            await self._ask_current(ctx, reply, updated, answers)

    async def _flag(
        self, ctx: _Context, reply: Reply, checkin: CheckinRecord, answers: Answers,
        history: RuleHistory,
    ) -> None:  # fmt: skip
        raised = await raise_answer_flags(
            ctx.session, self._survey, patient=ctx.patient, checkin=checkin, answers=answers,
            now=ctx.now, history=history,
        )  # fmt: skip
        new = [flag for flag, created in raised if created]
        reply.new_flag_ids.extend(flag.id for flag in new)
        if any(flag.level == "red" for flag in new):
            reply.say(
                T.red_advice.format(ctx.language, phone=self._phone(ctx.language),
                                    emergency=self._settings.emergency_number)
            )  # fmt: skip
            reply.say(T.red_continue.get(ctx.language))
            await self._audit(
                ctx, "advice.sent", checkin=checkin.id, level="red",
                rules=[f.rule_id for f in new if f.level == "red"],
            )  # fmt: skip
        elif any(f.level == "amber" for f in new) and not any(
            f.level in ("amber", "red") for f, created in raised if not created
        ):
            reply.say(T.amber_note.get(ctx.language))
            await self._audit(ctx, "advice.sent", checkin=checkin.id, level="amber")

    async def _complete(
        self, ctx: _Context, reply: Reply, checkin: CheckinRecord, answers: Answers,
        history: RuleHistory | None = None,
    ) -> None:  # fmt: skip
        """Close ``checkin`` whose ``answers`` (its live ones) are complete."""
        done = await checkin_store.update_checkin(
            ctx.session, checkin.id, expect_status=checkin_store.OPEN_STATUSES,
            status="completed", completed_at=ctx.now, position=None, draft=None,
            next_reminder_at=None,
        )  # fmt: skip
        if not done:
            return
        await self._audit(ctx, "checkin.completed", checkin=checkin.id)
        await review_changed_answers(
            ctx.session, self._survey, patient=ctx.patient, checkin=checkin, answers=answers,
            now=ctx.now, history=history,
        )  # fmt: skip
        reply.say(T.thanks.get(ctx.language))
        upcoming = await self._next_due(ctx)
        if upcoming is not None:
            reply.say(T.next_checkin.format(ctx.language, date=self._date(ctx, upcoming)))


def _question_index(form: Any, question_id: str) -> int:
    return next(i for i, q in enumerate(form.questions) if q.id == question_id)


def _is_open(checkin: CheckinRecord, now: dt.datetime) -> bool:
    return checkin.status in checkin_store.OPEN_STATUSES and checkin.closes_at > now


def _draft_selection(checkin: CheckinRecord, question_id: str) -> list[str]:
    draft = checkin.draft or {}
    if draft.get("question") != question_id:
        return []
    return list(cast("list[str]", draft.get("selected", [])))


def _button_value(survey: Survey, question: Question, value: str) -> str | None:
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


def _who_from_text(text: str) -> str | None:
    lowered = text.strip().lower()
    for who, words in WHO_WORDS.items():
        if lowered in words:
            return who
    return None


def _next_reminder(checkin: CheckinRecord, now: dt.datetime) -> dt.datetime | None:
    """The first planned reminder at least the minimum gap after ``now``."""
    earliest = now + REMINDER_MIN_GAP
    upcoming = [t for t in checkin.reminder_times[checkin.reminder_count :] if t >= earliest]
    return upcoming[0] if upcoming else None
