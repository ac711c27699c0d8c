"""The conversation's one entry point: routes each patient action to the part that owns it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.services.callbacks import InvalidCallback
from bot.services.conversation._core import (
    CONSENT,
    LANGUAGE,
    PAUSE,
    Chat,
    Context,
    Core,
    language_of,
    security_log,
)
from bot.services.conversation.answering import Answering
from bot.services.conversation.commands import Commands
from bot.services.conversation.delivery import Delivery
from bot.services.conversation.flow import Flow
from bot.services.conversation.listening import said
from bot.services.conversation.membership import Membership
from bot.services.conversation.onboarding import Onboarding
from bot.services.replies import Reply
from bot.settings import Settings
from bot.texts import T
from storage.audit import record_audit
from surveys.model import Language, Survey


class ConversationService:
    """The patient's conversation, independent of Telegram.

    Every entry point takes a :class:`Chat` (who wrote, and the update id for
    de-duplication) and returns a :class:`~bot.services.replies.Reply` for the transport to
    render. State lives in the database only, so a restart resumes at the same question, and
    a redelivered update or a double tap changes nothing twice.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        survey: Survey,
        settings: Settings,
        clock: Clock,
    ) -> None:
        core = Core(sessions, survey, settings, clock)
        flow = Flow(core)
        self._core = core
        self._flow = flow
        self._onboarding = Onboarding(core, flow)
        self._answering = Answering(core, flow)
        self._commands = Commands(core, flow)
        self._membership = Membership(core)
        self._delivery = Delivery(core, flow)

    async def start(self, chat: Chat, token: str | None) -> Reply:
        """``/start [token]``: link the chat with an invite, or continue where the patient is."""
        return await self._onboarding.start(chat, token)

    async def text(self, chat: Chat, text: str) -> Reply:
        """A typed message: an answer to the current question, or a nudge."""
        text = text.replace("\x00", "")  # PostgreSQL text cannot hold NUL; it means nothing

        async def typed(ctx: Context, reply: Reply) -> None:
            if await self._onboarding.typed(ctx, reply, text):
                return
            if said(self._core.survey.words.stop, text):  # 停止, "unsubscribe": as /stop
                self._commands.ask_to_stop(ctx, reply)
                return
            if ctx.patient.status == "paused":  # no check-ins, but the ward still reads it
                await self._answering.listening.message_outside(ctx, reply, text)
                reply.say(T.stopped.format(ctx.language, phone=self._core.phone(ctx.language)))
                return
            await self._answering.typed(ctx, reply, text)

        return await self._core.with_patient(chat, typed, allow_paused=True)

    async def button(self, chat: Chat, payload: str, message_id: int | None) -> Reply:
        """A tap on an inline button of one of our messages."""
        core = self._core
        reply = Reply()
        async with core.sessions.begin() as session:
            if not await core.first_time(session, chat):
                return reply
            now = core.clock.now()
            ctx = await core.context(session, chat, now)
            language = ctx.language if ctx else language_of(chat.language_code)
            try:
                data = core.codec.decode(chat.chat_id, payload)
            except InvalidCallback as exc:
                security_log.warning("refused button payload (%s) from chat %s", exc, chat.chat_id)
                await record_audit(
                    session, at=now, actor=f"chat:{chat.chat_id}", action="security.bad_callback",
                    entity="chat", entity_id=chat.chat_id, detail={"reason": str(exc)},
                )  # fmt: skip
                reply.callback_text = T.button_invalid.get(language)
                if ctx is not None:
                    await self._flow.show(ctx, reply, quiet=True)
                return reply
            if ctx is None:
                reply.callback_text = T.button_invalid.get(language)
                reply.say(T.invite_needed.get(language))
                return reply
            if data.kind == CONSENT:
                await self._onboarding.consent(ctx, reply, message_id, agree=data.value != "n")
            elif data.kind == LANGUAGE:
                chosen: Language = "zh-Hans" if data.value == "zh" else "en"
                await self._onboarding.language_chosen(ctx, reply, chosen, message_id)
            elif data.kind == PAUSE:
                await self._commands.pause(ctx, reply, data.value == "y", message_id)
            elif ctx.patient.status == "paused":
                reply.callback_text = T.stopped.format(ctx.language, phone=core.phone(ctx.language))
            else:
                await self._answering.pressed(ctx, reply, data, message_id)
        return reply

    async def help(self, chat: Chat) -> Reply:
        return await self._commands.help(chat)

    async def stop(self, chat: Chat) -> Reply:
        return await self._commands.stop(chat)

    async def resume(self, chat: Chat) -> Reply:
        return await self._commands.resume(chat)

    async def choose_language(self, chat: Chat) -> Reply:
        return await self._commands.choose_language(chat)

    async def progress(self, chat: Chat) -> Reply:
        """``/progress``: the patient's answers so far against before surgery, with a chart."""
        return await self._flow.progress.command(chat)

    async def unsupported(self, chat: Chat) -> Reply:
        """A sticker, photo, voice note, location…: say what works."""
        return await self._commands.nudge(chat, T.unsupported)

    async def edited(self, chat: Chat) -> Reply:
        return await self._commands.nudge(chat, T.edited)

    async def unknown_command(self, chat: Chat) -> Reply:
        return await self._commands.nudge(chat, T.unknown_command)

    async def membership(self, chat: Chat, *, blocked: bool) -> list[int]:
        """The patient blocked (or unblocked) the bot; the new flags' ids."""
        return await self._membership.changed(chat, blocked=blocked)

    async def question_sent(self, checkin_id: int, message_id: int) -> None:
        """Remember which message shows the current question, to edit it once answered."""
        await self._delivery.question_sent(checkin_id, message_id)

    async def opening(self, checkin_id: int, *, reminder: bool = False) -> tuple[int, Reply] | None:
        """What the dispatcher sends for a check-in (or a reminder): intro + current question."""
        return await self._delivery.opening(checkin_id, reminder=reminder)
