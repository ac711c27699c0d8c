"""Listening to what patients write in their own words: the red-flag screen over free text,
messages outside a check-in, ticked red-flag items, unclear red-flag answers, and the patient
words (stop, skip, done, consent, who is answering) that the survey definition holds.

Flags raised here follow the cards' contract: evidence ``{"source": "free_text", "text": …,
"item": …}`` with the matching red rule, ``patient_message`` (info) for a message outside a
check-in that is not red, ``red_flags_unclear`` (amber) for a red-flag answer still not
understood after a second try, and ``unticked_at`` on a ticked-then-unticked item's flag.
"""

from __future__ import annotations

import re
from typing import Any

from bot.services.conversation._core import Context, Core
from bot.services.flagging import raise_system_flag
from bot.services.replies import Reply
from bot.services.urgent import queue_red_advice
from bot.texts import T
from storage.flags import list_flags, set_flag
from storage.records import CheckinRecord, FlagRecord
from surveys._normalize import key
from surveys.model import Survey, Words
from surveys.rules import RuleContext, evaluate_rules
from surveys.screening import ScreenHit, screen_text

PATIENT_MESSAGE = "patient_message"
RED_FLAGS_UNCLEAR = "red_flags_unclear"
CONSENT_DECLINED = "consent_declined"
UNCLEAR_TRIES = 2
"""Red-flag answers not understood this many times go to the nurses instead of looping."""

_WHY = {
    PATIENT_MESSAGE: ("Message from the patient", "患者留言"),
    RED_FLAGS_UNCLEAR: (
        "Red-flag question: answer not understood after a second try",
        "红色警报问题：两次都没能读懂患者的回答",
    ),
    CONSENT_DECLINED: ("The patient declined the check-ins", "患者拒绝参加随访"),
}


def why(rule_id: str) -> dict[str, str]:
    en, zh = _WHY[rule_id]
    return {"en": en, "zh-Hans": zh}


def said(words: Words, text: str) -> bool:
    """Whether the whole message is one of ``words`` (case and punctuation aside)."""
    return key(text) in words.all()


def mentions(words: Words, text: str) -> bool:
    """Whether one of ``words`` appears in ``text`` (whole words in English)."""
    folded = key(text)
    if any(word in folded for word in words.zh_hans):
        return True
    return any(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", folded) for w in words.en)


def who_from_text(survey: Survey, text: str) -> str | None:
    """Who is answering: patient, caregiver (also from a sentence: 我是他女儿), or None."""
    words = survey.words
    if said(words.patient, text):
        return "patient"
    if said(words.caregiver, text) or mentions(words.caregiver, text):
        return "caregiver"
    return None


class Listening:
    """Raises the flags that free text, ticks and unclear answers call for."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def screen(self, text: str) -> list[ScreenHit]:
        return screen_text(self.core.survey.screening, text)

    def screened_question(self) -> str | None:
        screening = self.core.survey.screening
        return screening.question if screening else None

    async def free_text_flags(
        self, ctx: Context, reply: Reply, hits: list[ScreenHit], text: str,
        checkin: CheckinRecord | None, question: str | None,
    ) -> list[FlagRecord]:  # fmt: skip
        """Raise each hit's red rule at once, with the patient's words as evidence.

        In a check-in a hit shares its rule's flag with a ticked item (one flag per rule and
        check-in); outside one, each message raises its own. New red flags get the advice.
        """
        new = []
        for hit in hits:
            rule = self.core.survey.rule(hit.rule)
            evidence: dict[str, Any] = {
                "source": "free_text", "text": text, "item": hit.option,
                "question": question, "why": {"en": rule.description.en,
                                              "zh-Hans": rule.description.zh_hans},
            }  # fmt: skip
            if checkin is not None:
                evidence |= {"form": checkin.form, "day_post_op": checkin.day,
                             "answered_by": checkin.answered_by or "patient"}  # fmt: skip
                dedupe = f"checkin:{checkin.id}:{hit.rule}"
            else:
                dedupe = f"message:{ctx.patient.id}:{self._message_key(ctx)}:{hit.rule}"
            flag, created = await raise_system_flag(
                ctx.session, patient=ctx.patient, rule_id=hit.rule, level=rule.level,
                evidence=evidence, dedupe_key=dedupe, now=ctx.now,
                checkin_id=checkin.id if checkin else None,
            )  # fmt: skip
            if created:
                new.append(flag)
        reply.new_flag_ids.extend(f.id for f in new)
        if new:
            await self.advise_red(ctx, reply, checkin, new)
        return new

    async def advise_red(
        self, ctx: Context, reply: Reply, checkin: CheckinRecord | None, red: list[FlagRecord]
    ) -> None:
        """The urgent advice for red flags read from free text, queued in the outbox with them."""
        core = self.core
        advice = await queue_red_advice(
            ctx.session, core.settings, patient=ctx.patient, chat_id=ctx.chat.chat_id,
            language=ctx.language, now=ctx.now, cause=f"flag:{red[0].id}",
            rules=[f.rule_id for f in red],
        )  # fmt: skip
        reply.urgent.extend([advice] if advice is not None else [])
        if checkin is not None:
            reply.say(T.red_continue.get(ctx.language))

    async def message_outside(
        self, ctx: Context, reply: Reply, text: str, *, ended: bool = False
    ) -> None:
        """A message when no check-in is open: screened, and always passed to the nurses.

        ``ended``: the follow-up is over, so the caller says so instead of the ward's hours.
        """
        core = self.core
        hits = self.screen(text)
        if hits:
            await self.free_text_flags(ctx, reply, hits, text, None, None)
        else:
            flag, created = await raise_system_flag(
                ctx.session, patient=ctx.patient, rule_id=PATIENT_MESSAGE, level="info",
                evidence={"source": "free_text", "text": text, "why": why(PATIENT_MESSAGE)},
                dedupe_key=f"message:{ctx.patient.id}:{self._message_key(ctx)}", now=ctx.now,
            )  # fmt: skip
            if created:
                reply.new_flag_ids.append(flag.id)
        if ended:
            return
        reply.say(
            T.message_to_ward.format(ctx.language, phone=core.phone(ctx.language),
                                     emergency=core.settings.emergency_number)
        )  # fmt: skip

    async def unclear(
        self, ctx: Context, reply: Reply, checkin: CheckinRecord, tries: list[str]
    ) -> None:
        """The red-flag question was not understood twice: the nurses read the words."""
        flag, created = await raise_system_flag(
            ctx.session, patient=ctx.patient, rule_id=RED_FLAGS_UNCLEAR, level="amber",
            evidence={"source": "free_text", "text": "\n".join(tries), "tries": tries,
                      "question": self.screened_question(), "form": checkin.form,
                      "day_post_op": checkin.day, "why": why(RED_FLAGS_UNCLEAR)},
            dedupe_key=f"checkin:{checkin.id}:{RED_FLAGS_UNCLEAR}", now=ctx.now,
            checkin_id=checkin.id,
        )  # fmt: skip
        if created:
            reply.new_flag_ids.append(flag.id)
        reply.say(T.red_flags_unclear.format(ctx.language, phone=self.core.phone(ctx.language)))

    async def unticked(
        self, ctx: Context, reply: Reply, checkin: CheckinRecord, question: str,
        answers: dict[str, Any],
    ) -> None:  # fmt: skip
        """Flags of this check-in whose rule no longer holds on the selection being ticked:
        kept, marked with when the item was unticked (a re-ticked item loses the mark)."""
        survey = self.core.survey
        holding = {
            hit.rule_id
            for hit in evaluate_rules(
                survey, RuleContext(form_id=checkin.form, day_post_op=checkin.day, answers=answers)
            )
        }
        watched = {
            rule.id
            for rule in survey.rules
            if any(c.kind == "answer_in" and c.question == question for c in rule.any_of)
        }
        for flag in await list_flags(ctx.session, patient_id=ctx.patient.id):
            if flag.checkin_id != checkin.id or flag.rule_id not in watched:
                continue
            if flag.evidence.get("source") == "free_text":
                continue  # said in words: unticking a box does not unsay it
            evidence = dict(flag.evidence)
            if flag.rule_id in holding and "unticked_at" in evidence:
                evidence.pop("unticked_at")
            elif flag.rule_id not in holding and "unticked_at" not in evidence:
                evidence["unticked_at"] = ctx.now.isoformat()
            else:
                continue
            await set_flag(ctx.session, flag.id, evidence=evidence)
            action = "flag.unticked" if "unticked_at" in evidence else "flag.reticked"
            await self.core.audit(ctx, action, flag=flag.id, rule=flag.rule_id)
            reply.new_flag_ids.append(flag.id)

    def _message_key(self, ctx: Context) -> str:
        update = ctx.chat.update_id
        return f"u{update}" if update is not None else ctx.now.isoformat()
