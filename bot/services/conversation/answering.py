"""Answering a check-in: typed answers, button taps, multi-choice toggles, Back, and the
flags and advice an answer raises."""

from __future__ import annotations

from typing import cast

from bot.services.callbacks import CallbackData
from bot.services.conversation._core import (
    ANSWER,
    BACK,
    DONE,
    REMINDER_MIN_GAP,
    SKIP,
    TOGGLE,
    WHO,
    Answers,
    Context,
    Core,
    button_value,
    draft_selection,
    is_open,
    next_reminder,
    question_index,
)
from bot.services.conversation.flow import Flow
from bot.services.conversation.listening import UNCLEAR_TRIES, Listening, said, who_from_text
from bot.services.flagging import RuleHistory, raise_answer_flags, rule_history
from bot.services.rendering import answer_label, question_text
from bot.services.replies import Edit, Reply
from bot.services.urgent import queue_red_advice
from bot.texts import T
from storage import checkins as checkin_store
from storage.answers import current_answers, record_answer, supersede_answer
from storage.records import CheckinRecord
from surveys.engine import Accepted, Ask, Completed, advance, current_step, previous_question
from surveys.model import AnswerValue, Question
from surveys.parsing import Parsed, parse_answer
from surveys.screening import ScreenHit


class Answering:
    """Turns what the patient typed or tapped into stored answers, flags and the next step."""

    def __init__(self, core: Core, flow: Flow) -> None:
        self.core = core
        self.flow = flow
        self.listening = Listening(core)

    async def typed(self, ctx: Context, reply: Reply, text: str) -> None:
        """A typed message from a consented patient with a language: an answer, a message
        for the nurses when no check-in is open, and in any case screened for red flags."""
        flow = self.flow
        listening = self.listening
        checkin = await flow.open_or_start(ctx)
        if checkin is None:
            await self._outside(ctx, reply, text)
            return
        if ctx.opened == checkin.id:  # opened by this very message: it answers nothing yet
            hits = listening.screen(text)
            if hits:
                await listening.free_text_flags(ctx, reply, hits, text, checkin, None)
            reply.say(flow.intro(ctx, checkin))
            await flow.ask_current(ctx, reply, checkin)
            return
        locked = await checkin_store.lock_checkin(ctx.session, checkin.id)
        if locked is None or not is_open(locked, ctx.now):
            await self._outside(ctx, reply, text)
            return
        checkin = locked
        hits = listening.screen(text)
        if hits:
            await listening.free_text_flags(ctx, reply, hits, text, checkin, checkin.position)
        if ctx.enrolment.caregiver_helps and checkin.answered_by is None:
            who = who_from_text(self.core.survey, text)
            if who is None:
                reply.say(T.type_or_tap.get(ctx.language))
                await flow.ask_current(ctx, reply, checkin)
                return
            await self._set_who(ctx, reply, checkin, who, checkin.message_id)
            return
        form = self.core.survey.form(checkin.form)
        answers = await current_answers(ctx.session, checkin.id)
        step = current_step(form, answers)
        if isinstance(step, Completed):
            await flow.complete(ctx, reply, checkin, answers)
            return
        if step.question.type == "multi_choice":
            await self._typed_choices(ctx, reply, checkin, answers, step, text, hits)
            return
        await self._submit(ctx, reply, checkin, answers, step, text, checkin.message_id,
                           from_button=False)  # fmt: skip

    async def _typed_choices(
        self, ctx: Context, reply: Reply, checkin: CheckinRecord, answers: Answers, step: Ask,
        text: str, hits: list[ScreenHit],
    ) -> None:  # fmt: skip
        """Typed items tick their boxes (several at once: "left and right", 1, 3); the
        patient sees the selection and confirms it with Done (or a done word)."""
        survey = self.core.survey
        question = step.question
        selected = draft_selection(checkin, question.id)
        if said(survey.words.done, text):
            if not selected:
                reply.say(T.pick_at_least_one.get(ctx.language))
                await self.flow.ask_current(ctx, reply, checkin, answers)
                return
            await self._submit(ctx, reply, checkin, answers, step, ",".join(selected),
                               checkin.message_id, from_button=False)  # fmt: skip
            return
        parsed = parse_answer(question, text, survey.distance_categories, survey.words)
        screened = question.id == self.listening.screened_question()
        named = [h.option for h in hits if screened and question.option(h.option)]
        if not isinstance(parsed, Parsed) and not named:
            tries = [*_unclear_tries(checkin, question.id), text]
            if screened and len(tries) >= UNCLEAR_TRIES:
                await self.listening.unclear(ctx, reply, checkin, tries)
                form = survey.form(checkin.form)
                value: AnswerValue = selected or None
                after = current_step(form, {**answers, question.id: value})
                await self._store(ctx, reply, checkin, answers, question, value, text, after,
                                  checkin.message_id)  # fmt: skip
                return
            draft = {"question": question.id, "selected": selected, "unclear": tries}
            updated = await checkin_store.update_held_checkin(
                ctx.session, checkin, draft=draft
            ) or await self.core.reread(ctx, checkin)
            reply.say(parsed.message.get(ctx.language))
            await self.flow.ask_current(ctx, reply, updated, answers)
            return
        typed = cast("list[str]", parsed.value) if isinstance(parsed, Parsed) else []
        chosen = _with_ticked(question, selected, [*typed, *named])
        updated = await checkin_store.update_held_checkin(
            ctx.session, checkin, draft={"question": question.id, "selected": chosen}
        ) or await self.core.reread(ctx, checkin)
        await self._ticked(ctx, reply, updated, answers, question, chosen)
        labels = answer_label(survey, question, chosen, ctx.language)
        reply.say(T.typed_selection.format(ctx.language, selection=labels))
        await self.flow.ask_current(ctx, reply, updated, answers)

    async def _ticked(
        self, ctx: Context, reply: Reply, checkin: CheckinRecord, answers: Answers,
        question: Question, chosen: list[str],
    ) -> bool:  # fmt: skip
        """A ticked item counts at the tick (red advice and flag now, not at Done); an
        unticked one keeps its flag, marked. Whether red advice was given."""
        provisional = {**answers, question.id: chosen}
        advised = await self._flag(ctx, reply, checkin, provisional, None)
        await self.listening.unticked(ctx, reply, checkin, question.id, provisional)
        return advised

    async def _outside(self, ctx: Context, reply: Reply, text: str) -> None:
        """No check-in is open: the words go to the ward, then the next date or the end."""
        ended = await self.flow.next_due(ctx) is None and await self.flow.ended(ctx)
        await self.listening.message_outside(ctx, reply, text, ended=ended)
        await self.flow.say_nothing_open(ctx, reply, heard=True)

    async def pressed(
        self, ctx: Context, reply: Reply, data: CallbackData, message_id: int | None
    ) -> None:
        """A tap on a check-in's button (answer, toggle, done, skip, back, who answers)."""
        checkin = await checkin_store.lock_checkin(ctx.session, data.checkin_id)
        if checkin is None or checkin.enrolment_id != ctx.enrolment.id:
            await self.stale(ctx, reply)
            return
        if checkin.status == "sending":  # a signed button of it: the question reached them
            checkin = await self.flow.adopt(ctx, checkin) or checkin
        if not is_open(checkin, ctx.now):
            await self.stale(ctx, reply, closed=checkin.status != "completed")
            return
        if data.kind == WHO:
            if checkin.answered_by is not None:
                await self.stale(ctx, reply)
                return
            who = "caregiver" if data.value == "c" else "patient"
            await self._set_who(ctx, reply, checkin, who, message_id)
            return
        form = self.core.survey.form(checkin.form)
        answers = await current_answers(ctx.session, checkin.id)
        step = current_step(form, answers)
        if (
            isinstance(step, Completed)
            or (ctx.enrolment.caregiver_helps and checkin.answered_by is None)
            or question_index(form, step.question.id) != data.question
        ):
            await self.stale(ctx, reply)
            return
        question = step.question
        if data.kind == ANSWER:
            raw = button_value(self.core.survey, question, data.value)
            if raw is None:
                await self.stale(ctx, reply)
                return
            await self._submit(ctx, reply, checkin, answers, step, raw, message_id,
                               from_button=True)  # fmt: skip
        elif data.kind == SKIP:
            await self._submit(ctx, reply, checkin, answers, step, None, message_id,
                               from_button=True)  # fmt: skip
        elif data.kind == TOGGLE:
            await self._toggle(ctx, reply, checkin, answers, step, data.value, message_id)
        elif data.kind == DONE:
            chosen = draft_selection(checkin, question.id)
            if not chosen:
                reply.callback_text = T.pick_at_least_one.get(ctx.language)
                return
            await self._submit(ctx, reply, checkin, answers, step, ",".join(chosen), message_id,
                               from_button=True)  # fmt: skip
        elif data.kind == BACK:
            await self._back(ctx, reply, checkin, answers, step, message_id)
        else:
            await self.stale(ctx, reply)

    async def stale(self, ctx: Context, reply: Reply, *, closed: bool = False) -> None:
        """A tap on something no longer current: say so and show what is."""
        reply.callback_text = (T.checkin_closed if closed else T.button_stale).get(ctx.language)
        checkin = await self.flow.open_or_start(ctx)
        if checkin is not None:
            await self.flow.ask_current(ctx, reply, checkin)

    async def _set_who(
        self, ctx: Context, reply: Reply, checkin: CheckinRecord, who: str,
        message_id: int | None,
    ) -> None:  # fmt: skip
        updated = await checkin_store.update_held_checkin(
            ctx.session, checkin, expect_status=checkin_store.OPEN_STATUSES,
            answered_by=who, status="in_progress", started_at=checkin.started_at or ctx.now,
        ) or await self.core.reread(ctx, checkin)  # fmt: skip
        label = T.who_caregiver if who == "caregiver" else T.who_patient
        if message_id is not None:
            reply.edits.append(
                Edit(message_id, f"{T.who_answers.get(ctx.language)}\n✔ {label.get(ctx.language)}")
            )
        await self.flow.ask_current(ctx, reply, updated)

    async def _toggle(
        self, ctx: Context, reply: Reply, checkin: CheckinRecord, answers: Answers, step: Ask,
        value: str, message_id: int | None,
    ) -> None:  # fmt: skip
        question = step.question
        try:
            option = question.options[int(value)]
        except (ValueError, IndexError):
            await self.stale(ctx, reply)
            return
        selected = draft_selection(checkin, question.id)
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
        ) or await self.core.reread(ctx, checkin)
        advised = await self._ticked(ctx, reply, updated, answers, question, ordered)
        if message_id is not None:
            reply.edits.append(
                Edit(
                    message_id,
                    self.core.shown(
                        ctx, question_text(question, ctx.language, step.number, step.total)
                    ),
                    self.flow.keyboard(ctx, updated, step, ordered),
                )
            )
        if advised:  # the question again below the advice (the one above still works)
            await self.flow.ask_current(ctx, reply, updated, answers)

    async def _back(
        self, ctx: Context, reply: Reply, checkin: CheckinRecord, answers: Answers, step: Ask,
        message_id: int | None,
    ) -> None:  # fmt: skip
        form = self.core.survey.form(checkin.form)
        previous = previous_question(form, answers, step.question.id)
        if previous is None:
            reply.callback_text = T.button_stale.get(ctx.language)
            return
        await supersede_answer(ctx.session, checkin.id, previous.id, ctx.now)
        updated = await checkin_store.update_held_checkin(
            ctx.session, checkin, position=previous.id, draft=None
        ) or await self.core.reread(ctx, checkin)
        await self.core.audit(ctx, "answer.reopened", checkin=checkin.id, question=previous.id)
        if message_id is not None:
            shown = question_text(step.question, ctx.language, step.number, step.total)
            reply.edits.append(Edit(message_id, shown))
        reopened = {q: value for q, value in answers.items() if q != previous.id}
        await self.flow.ask_current(ctx, reply, updated, reopened)

    async def _submit(
        self,
        ctx: Context,
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
        survey = self.core.survey
        form = survey.form(checkin.form)
        question = step.question
        result = advance(survey, form, answers, question.id, raw, ctx.now)
        if not isinstance(result, Accepted):
            message = result.message.get(ctx.language)
            if from_button:
                reply.callback_text = message
            else:
                reply.say(message)
                await self.flow.ask_current(ctx, reply, checkin, answers)
            return
        await self._store(ctx, reply, checkin, answers, question, result.value, raw, result.next,
                          message_id)  # fmt: skip

    async def _store(
        self, ctx: Context, reply: Reply, checkin: CheckinRecord, answers: Answers,
        question: Question, value: AnswerValue, raw: str | None, after: Ask | Completed,
        message_id: int | None,
    ) -> None:  # fmt: skip
        """Store ``value`` (with the patient's own words ``raw``), flag it, show what is next."""
        survey = self.core.survey
        who = checkin.answered_by or "patient"
        await record_answer(
            ctx.session, checkin_id=checkin.id, question_id=question.id, raw=raw,
            value=value, survey_version=survey.version, answered_at=ctx.now,
            answered_by=who, replaces=question.id in answers,
        )  # fmt: skip
        if message_id is not None:
            shown = answer_label(survey, question, value, ctx.language)
            reply.edits.append(Edit(message_id, f"{question.text.get(ctx.language)}\n✔ {shown}"))
        next_id = after.question.id if isinstance(after, Ask) else None
        reminder_at = checkin.next_reminder_at
        if reminder_at is not None and reminder_at < ctx.now + REMINDER_MIN_GAP:
            reminder_at = next_reminder(checkin, ctx.now)  # not while they are answering
        updated = await checkin_store.update_held_checkin(
            ctx.session, checkin, expect_status=checkin_store.OPEN_STATUSES,
            status="in_progress", position=next_id, draft=None,
            started_at=checkin.started_at or ctx.now, next_reminder_at=reminder_at,
        )  # fmt: skip
        answers = {**answers, question.id: value}
        history = await rule_history(ctx.session, survey, checkin, answers)
        await self._flag(ctx, reply, checkin, answers, history)
        updated = updated or await self.core.reread(ctx, checkin)
        if isinstance(after, Completed):
            await self.flow.complete(ctx, reply, updated, answers, history)
        else:
            await self.flow.ask_current(ctx, reply, updated, answers)

    async def _flag(
        self, ctx: Context, reply: Reply, checkin: CheckinRecord, answers: Answers,
        history: RuleHistory | None,
    ) -> bool:  # fmt: skip
        """Raise what the answers call for; whether red advice was given."""
        core = self.core
        raised = await raise_answer_flags(
            ctx.session, core.survey, patient=ctx.patient, checkin=checkin, answers=answers,
            now=ctx.now, history=history,
        )  # fmt: skip
        new = [flag for flag, created in raised if created]
        reply.new_flag_ids.extend(flag.id for flag in new)
        if red := [flag for flag in new if flag.level == "red"]:
            advice = await queue_red_advice(
                ctx.session, core.settings, patient=ctx.patient, chat_id=ctx.chat.chat_id,
                language=ctx.language, now=ctx.now, cause=f"flag:{red[0].id}",
                rules=[f.rule_id for f in red],
            )  # fmt: skip
            reply.urgent.extend([advice] if advice is not None else [])
            reply.say(T.red_continue.get(ctx.language))
            return True  # the outbox audits the advice once Telegram has it
        if any(f.level == "amber" for f in new) and not any(
            f.level in ("amber", "red") for f, created in raised if not created
        ):
            reply.say(T.amber_note.get(ctx.language))
            await core.audit(ctx, "advice.sent", checkin=checkin.id, level="amber")
        return False


def _unclear_tries(checkin: CheckinRecord, question_id: str) -> list[str]:
    """What the patient typed at this question that was not understood, so far."""
    draft = checkin.draft or {}
    if draft.get("question") != question_id:
        return []
    return [str(t) for t in draft.get("unclear", [])]


def _with_ticked(question: Question, selected: list[str], added: list[str]) -> list[str]:
    """``selected`` with ``added`` ticked as a tap would: "none of these" clears the rest."""
    exclusive = {o.id for o in question.options if o.exclusive}
    chosen = list(selected)
    for option_id in added:
        if option_id in exclusive:
            chosen = [option_id]
        elif option_id not in chosen:
            chosen = [s for s in chosen if s not in exclusive] + [option_id]
    return [o.id for o in question.options if o.id in chosen]
