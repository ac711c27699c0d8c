"""Where the patient is: consent, language, the open check-in's current question, or nothing due.

Every entry point ends here to show the patient their next step; finishing a check-in
(thanks, progress, the next date or the closing words, late flag review) lives here too,
since the current question of a complete check-in is its end.
"""

from __future__ import annotations

import datetime as dt

from bot.services.callbacks import CallbackData
from bot.services.conversation._core import (
    WHO,
    Answers,
    Context,
    Core,
    draft_selection,
    next_reminder,
    question_index,
)
from bot.services.conversation.progress import ProgressReport
from bot.services.flagging import RuleHistory, review_changed_answers
from bot.services.rendering import question_keyboard, question_text
from bot.services.replies import Keyboard, QuestionRef, Reply
from bot.texts import T
from storage import checkins as checkin_store
from storage.answers import current_answers
from storage.records import CheckinRecord
from surveys.engine import Ask, Completed, current_step


class Flow:
    """Shows the patient where they are and opens what is due."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.progress = ProgressReport(core)

    async def show(self, ctx: Context, reply: Reply, *, quiet: bool = False) -> None:
        """Take the patient to wherever they are: consent, language, or the open question."""
        core = self.core
        if ctx.patient.consented_at is None:
            reply.say(
                T.consent.format(ctx.language, emergency=core.settings.emergency_number),
                core.consent_keyboard(ctx),
            )
            return
        if not ctx.patient.language_confirmed:
            reply.say(T.choose_language.get(ctx.language), core.language_keyboard(ctx))
            return
        if ctx.patient.status == "paused":
            reply.say(T.stopped.format(ctx.language, phone=core.phone(ctx.language)))
            return
        checkin = await self.open_or_start(ctx)
        if checkin is None:
            if not quiet:
                await self.say_nothing_open(ctx, reply)
            return
        if checkin.status == "sent" and checkin.started_at is None:
            reply.say(self.intro(ctx, checkin))
        await self.ask_current(ctx, reply, checkin)

    async def open_or_start(self, ctx: Context) -> CheckinRecord | None:
        """The open check-in, or the earliest due one opened now (the patient is here)."""
        session = ctx.session
        checkin = await checkin_store.open_checkin(session, ctx.enrolment.id, ctx.now)
        if checkin is not None:
            return checkin
        delivered = await checkin_store.delivered_while_sending(session, ctx.enrolment.id, ctx.now)
        if delivered is not None:
            return await self.adopt(ctx, delivered)
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
                    next_reminder_at=next_reminder(candidate, ctx.now),
                )  # fmt: skip
                if opened:
                    ctx.opened = candidate.id
                    return await checkin_store.get_checkin(session, candidate.id)
        return None

    async def adopt(self, ctx: Context, checkin: CheckinRecord) -> CheckinRecord | None:
        """Take over a check-in whose question reached the patient before the dispatcher
        marked it sent (it is slow, or died): the patient is answering it now."""
        adopted = await checkin_store.update_checkin(
            ctx.session, checkin.id, expect_status=("sending",), status="sent",
            sent_at=ctx.now, next_reminder_at=next_reminder(checkin, ctx.now),
        )  # fmt: skip
        return await checkin_store.get_checkin(ctx.session, checkin.id) if adopted else None

    def intro(self, ctx: Context, checkin: CheckinRecord) -> str:
        if checkin.day is None:
            intro = T.baseline_recalled_intro if checkin.recalled else T.baseline_intro
            return intro.get(ctx.language)
        return T.checkin_intro.format(ctx.language, day=checkin.day)

    async def say_nothing_open(self, ctx: Context, reply: Reply, *, heard: bool = False) -> None:
        """No check-in is open: the next date, or that the follow-up has ended.

        ``heard``: the patient's message was passed to the ward and they were told so, so
        "no questions right now" would only repeat it.
        """
        upcoming = await self.next_due(ctx)
        if upcoming is None and await self.ended(ctx):
            self.progress.ended(ctx, reply)
            return
        if not heard:
            reply.say(T.nothing_open.get(ctx.language))
        if upcoming is not None:
            reply.say(T.next_checkin.format(ctx.language, date=self.core.date(ctx, upcoming)))

    async def ended(self, ctx: Context) -> bool:
        """Whether the follow-up is over: no check-in is planned, being sent or open."""
        checkins = await checkin_store.checkins_for_enrolment(ctx.session, ctx.enrolment.id)
        waiting = ("scheduled", "sending", *checkin_store.OPEN_STATUSES)
        return bool(checkins) and not any(c.status in waiting for c in checkins)

    async def next_due(self, ctx: Context) -> dt.datetime | None:
        return await checkin_store.next_scheduled_due(ctx.session, ctx.enrolment.id, ctx.now)

    async def ask_current(
        self, ctx: Context, reply: Reply, checkin: CheckinRecord, answers: Answers | None = None
    ) -> None:
        """Show the current question of an open check-in (or the who-is-answering step).

        ``answers``: the check-in's live answers, if this action has them already.
        """
        core = self.core
        if ctx.enrolment.caregiver_helps and checkin.answered_by is None:
            keyboard = ((core.button(ctx, T.who_patient, WHO, "p", checkin.id),),
                        (core.button(ctx, T.who_caregiver, WHO, "c", checkin.id),))  # fmt: skip
            reply.say(T.who_answers.get(ctx.language), keyboard,
                      QuestionRef(checkin.id, "_who", checkin.message_id))  # fmt: skip
            return
        form = core.survey.form(checkin.form)
        if answers is None:
            answers = await current_answers(ctx.session, checkin.id)
        step = current_step(form, answers)
        if isinstance(step, Completed):
            await self.complete(ctx, reply, checkin, answers)
            return
        selected = draft_selection(checkin, step.question.id)
        reply.say(
            core.shown(ctx, question_text(step.question, ctx.language, step.number, step.total)),
            self.keyboard(ctx, checkin, step, selected),
            QuestionRef(checkin.id, step.question.id, checkin.message_id),
        )
        if checkin.position != step.question.id:
            await checkin_store.update_checkin(ctx.session, checkin.id, position=step.question.id)

    def keyboard(
        self, ctx: Context, checkin: CheckinRecord, step: Ask, selected: list[str]
    ) -> Keyboard:
        survey = self.core.survey
        index = question_index(survey.form(checkin.form), step.question.id)

        def payload(kind: str, value: str) -> str:
            data = CallbackData(kind, checkin.id, index, value)
            return self.core.codec.encode(ctx.chat.chat_id, data)

        return question_keyboard(
            survey, step.question, ctx.language, payload,
            selected=selected, can_go_back=step.number > 1,
        )  # fmt: skip

    async def complete(
        self, ctx: Context, reply: Reply, checkin: CheckinRecord, answers: Answers,
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
        await self.core.audit(ctx, "checkin.completed", checkin=checkin.id)
        await review_changed_answers(
            ctx.session, self.core.survey, patient=ctx.patient, checkin=checkin,
            answers=answers, now=ctx.now, history=history,
        )  # fmt: skip
        reply.say(T.thanks.get(ctx.language))
        upcoming = await self.next_due(ctx)
        last = upcoming is None and await self.ended(ctx)
        await self.progress.after_checkin(ctx, reply, checkin, last=last)
        if upcoming is not None:
            reply.say(T.next_checkin.format(ctx.language, date=self.core.date(ctx, upcoming)))
