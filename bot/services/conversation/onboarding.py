"""Onboarding: linking a chat with an invite, consent and the choice of language."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.conversation._core import (
    Chat,
    Context,
    Core,
    language_of,
    security_log,
)
from bot.services.conversation.flow import Flow
from bot.services.conversation.listening import CONSENT_DECLINED, Listening, said, why
from bot.services.flagging import raise_system_flag
from bot.services.replies import Edit, Reply
from bot.texts import T
from storage import patients as patient_store
from storage.audit import record_audit
from storage.invites import InviteRefused, invite_enrolment, redeem_invite
from surveys.model import Language

ENGLISH_WORDS = ("english", "en", "1")
CHINESE_WORDS = ("中文", "chinese", "zh", "2", "汉语", "普通话")


class Onboarding:
    """From an invite link to the first question: link, consent, language."""

    def __init__(self, core: Core, flow: Flow) -> None:
        self.core = core
        self.flow = flow
        self.listening = Listening(core)

    async def start(self, chat: Chat, token: str | None) -> Reply:
        """``/start [token]``: link the chat with an invite, or continue where the patient is."""
        core = self.core
        reply = Reply()
        async with core.sessions.begin() as session:
            if not await core.first_time(session, chat):
                return reply
            now = core.clock.now()
            ctx = await core.context(session, chat, now)
            if ctx is not None:
                if token and await self._invite_of_someone_else(ctx, token.strip()):
                    await _audit_refused(session, chat, now, "other_patient")
                    reply.say(T.chat_taken.get(ctx.language))
                    return reply
                await self.flow.show(ctx, reply)
                return reply
            language = language_of(chat.language_code)
            if not token:
                reply.say(T.invite_needed.get(language))
                return reply
            outcome = await redeem_invite(session, token.strip(), now)
            if isinstance(outcome, InviteRefused):
                security_log.info("invite refused: %s (chat %s)", outcome.reason, chat.chat_id)
                await _audit_refused(session, chat, now, outcome.reason)
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
            await self.flow.show(Context(session, chat, linked, enrolment, now), reply)
        return reply

    async def typed(self, ctx: Context, reply: Reply, text: str) -> bool:
        """Handle text typed before consent or before a language is chosen; False otherwise."""
        core = self.core
        if ctx.patient.consented_at is None:
            words = core.survey.words
            if said(words.consent_yes, text):
                await self.consent(ctx, reply, None)
                return True
            if said(words.consent_no, text):
                await self.consent(ctx, reply, None, agree=False)
                return True
            hits = self.listening.screen(text)
            if hits:
                await self.listening.free_text_flags(ctx, reply, hits, text, None, None)
            reply.say(T.consent_needed.get(ctx.language), core.consent_keyboard(ctx))
            return True
        if not ctx.patient.language_confirmed:
            lowered = text.strip().lower()
            if lowered in ENGLISH_WORDS:
                await self.set_language(ctx, reply, "en", onboarding=True)
            elif lowered in CHINESE_WORDS:
                await self.set_language(ctx, reply, "zh-Hans", onboarding=True)
            else:
                reply.say(T.choose_language.get(ctx.language), core.language_keyboard(ctx))
            return True
        return False

    async def consent(
        self, ctx: Context, reply: Reply, message_id: int | None, *, agree: bool = True
    ) -> None:
        """The answer to the consent message: agreed (check-ins start) or declined."""
        core = self.core
        if ctx.patient.consented_at is not None:
            reply.callback_text = T.button_stale.get(ctx.language)
            return
        if not agree:
            await self.decline(ctx, reply, message_id)
            return
        status = "active" if ctx.patient.status == "declined" else ctx.patient.status
        await patient_store.update_patient(
            ctx.session, ctx.patient.id, consented_at=ctx.now, status=status
        )
        await core.audit(ctx, "patient.consented")
        ctx.patient = await core.reload(ctx)
        if message_id is not None:
            reply.edits.append(
                Edit(message_id, T.consent.format(ctx.language,
                     emergency=core.settings.emergency_number) + "\n\n✔ " +
                     T.consent_button.get(ctx.language))
            )  # fmt: skip
        await self.flow.show(ctx, reply)

    async def decline(self, ctx: Context, reply: Reply, message_id: int | None) -> None:
        """Recorded (status "declined", audited) and shown to the ward as an info flag;
        no check-in is sent. /start shows the consent again for a change of mind."""
        core = self.core
        if message_id is not None:
            reply.edits.append(
                Edit(message_id, T.consent.format(ctx.language,
                     emergency=core.settings.emergency_number) + "\n\n✔ " +
                     T.consent_decline_button.get(ctx.language))
            )  # fmt: skip
        if ctx.patient.status != "declined":
            await patient_store.update_patient(ctx.session, ctx.patient.id, status="declined")
            await core.audit(ctx, "patient.declined")
            flag, created = await raise_system_flag(
                ctx.session, patient=ctx.patient, rule_id=CONSENT_DECLINED, level="info",
                evidence={"source": "consent", "why": why(CONSENT_DECLINED)},
                dedupe_key=f"{CONSENT_DECLINED}:{ctx.patient.id}:{ctx.now.isoformat()}",
                now=ctx.now,
            )  # fmt: skip
            if created:
                reply.new_flag_ids.append(flag.id)
            ctx.patient = await core.reload(ctx)
        reply.say(T.consent_declined.format(ctx.language, phone=core.phone(ctx.language)))

    async def language_chosen(
        self, ctx: Context, reply: Reply, language: Language, message_id: int | None
    ) -> None:
        """A tap on English / 中文, at onboarding or from /language."""
        onboarding = not ctx.patient.language_confirmed
        if message_id is not None:
            name = "中文" if language == "zh-Hans" else "English"  # as on its button
            reply.edits.append(Edit(message_id, f"{T.choose_language.get(language)}\n✔ {name}"))
        await self.set_language(ctx, reply, language, onboarding=onboarding)

    async def set_language(
        self, ctx: Context, reply: Reply, language: Language, *, onboarding: bool
    ) -> None:
        core = self.core
        await patient_store.update_patient(
            ctx.session, ctx.patient.id, language=language, language_confirmed=True
        )
        await core.audit(ctx, "patient.language", language=language)
        ctx.patient = await core.reload(ctx)
        reply.say(T.language_set.get(ctx.language))
        await self.flow.show(ctx, reply, quiet=not onboarding)

    async def _invite_of_someone_else(self, ctx: Context, token: str) -> bool:
        """Whether ``token`` is an invite for another patient (looked at, not used)."""
        enrolment_id = await invite_enrolment(ctx.session, token)
        return enrolment_id is not None and enrolment_id != ctx.enrolment.id


async def _audit_refused(session: AsyncSession, chat: Chat, now: dt.datetime, reason: str) -> None:
    """Every refused invite is audited: who tried (the chat) and why, never the token."""
    await record_audit(
        session, at=now, actor=f"chat:{chat.chat_id}", action="invite.refused",
        entity="chat", entity_id=chat.chat_id, detail={"reason": reason},
    )  # fmt: skip
