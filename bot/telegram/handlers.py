"""Patient-facing handlers: pull ids and text out of the update, call the service, render.

Handlers never touch SQL or scoring. Only private chats reach the patient handlers; group
messages are left to the nurse handlers (or ignored).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection
from typing import Any, Protocol

from telegram import ChatMember, Update
from telegram.error import TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from bot.services.conversation import Chat, ConversationService, language_of
from bot.services.replies import Reply
from bot.services.transport import (
    Blocked,
    DeliveryError,
    RetryLater,
    Transient,
    Transport,
    deliver_reply,
)
from bot.texts import T

__all__ = ["FlagNotifier", "PatientHandlers", "error_handler"]

log = logging.getLogger(__name__)
PRIVATE = filters.ChatType.PRIVATE
REPLY_ATTEMPTS = 4


class FlagNotifier(Protocol):
    async def notify_new_flags(self, flag_ids: list[int]) -> None: ...


class UrgentSender(Protocol):
    async def deliver(self, ids: Collection[int]) -> int: ...


class PatientHandlers:
    """The patient's side of the bot, bound to its services."""

    def __init__(
        self,
        conversation: ConversationService,
        transport: Transport,
        notifier: FlagNotifier | None = None,
        urgent: UrgentSender | None = None,
    ) -> None:
        self._conversation = conversation
        self._transport = transport
        self._notifier = notifier
        self._urgent = urgent
        self._pending: set[asyncio.Task[None]] = set()

    def handlers(self) -> list[BaseHandler[Update, Any, Any]]:
        """In order; nurse handlers, if any, go before these."""
        edited = filters.UpdateType.EDITED_MESSAGE
        return [
            CommandHandler("start", self.start, filters=PRIVATE & ~edited),
            CommandHandler("help", self.help, filters=PRIVATE & ~edited),
            CommandHandler("stop", self.stop, filters=PRIVATE & ~edited),
            CommandHandler("resume", self.resume, filters=PRIVATE & ~edited),
            CommandHandler("language", self.language, filters=PRIVATE & ~edited),
            CommandHandler("progress", self.progress, filters=PRIVATE & ~edited),
            CallbackQueryHandler(self.button),
            MessageHandler(PRIVATE & edited, self.edited),
            MessageHandler(PRIVATE & filters.COMMAND, self.unknown_command),
            MessageHandler(PRIVATE & filters.TEXT, self.text),
            MessageHandler(PRIVATE & ~filters.StatusUpdate.ALL, self.unsupported),
            ChatMemberHandler(self.membership, ChatMemberHandler.MY_CHAT_MEMBER),
        ]

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Link the chat with an invite token, or continue where the patient is."""
        token = context.args[0] if context.args else None
        await self._run(update, lambda chat: self._conversation.start(chat, token))

    async def help(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """Explain what the bot does and its commands."""
        await self._run(update, self._conversation.help)

    async def stop(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """Ask to confirm pausing all check-ins."""
        await self._run(update, self._conversation.stop)

    async def resume(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """Turn check-ins back on."""
        await self._run(update, self._conversation.resume)

    async def language(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """Offer English / 中文."""
        await self._run(update, self._conversation.choose_language)

    async def progress(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """Show the patient's progress since surgery, with a chart."""
        await self._run(update, self._conversation.progress)

    async def text(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """Treat typed text as an answer to the current question."""
        assert update.effective_message is not None
        text = update.effective_message.text or ""
        await self._run(update, lambda chat: self._conversation.text(chat, text))

    async def button(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """Handle a tap on an inline button; always acknowledge it."""
        query = update.callback_query
        assert query is not None
        message = query.message
        if message is None or message.chat.type != "private":
            await query.answer()
            return
        payload = query.data or ""
        reply = await self._conversation.button(_chat(update), payload, message.message_id)
        try:
            await query.answer(reply.callback_text)
        except TelegramError as exc:  # e.g. "query is too old" after a restart: reply anyway
            log.info("tap in chat %s not acknowledged: %s", message.chat.id, exc.message)
        await self._deliver(message.chat.id, reply, tapped=message.message_id)

    async def edited(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """Edited messages are not answers; say how to change one."""
        await self._run(update, self._conversation.edited)

    async def unknown_command(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """Point to /help."""
        await self._run(update, self._conversation.unknown_command)

    async def unsupported(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """Stickers, photos, voice, locations, contacts: say what works."""
        await self._run(update, self._conversation.unsupported)

    async def membership(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """The patient blocked or unblocked the bot (private chats only)."""
        change = update.my_chat_member
        if change is None or change.chat.type != "private":
            return
        blocked = change.new_chat_member.status == ChatMember.BANNED
        flag_ids = await self._conversation.membership(_chat(update), blocked=blocked)
        if flag_ids and self._notifier is not None:
            await self._notifier.notify_new_flags(flag_ids)

    async def _run(self, update: Update, action: Callable[[Chat], Awaitable[Reply]]) -> None:
        chat = _chat(update)
        reply = await action(chat)
        await self._deliver(chat.chat_id, reply)

    async def _deliver(self, chat_id: int, reply: Reply, *, tapped: int | None = None) -> None:
        if reply.urgent and self._urgent is not None:  # stored already; what fails is retried
            urgent, reply.urgent = reply.urgent, []
            await self._urgent.deliver(urgent)
        try:
            async for attempt in AsyncRetrying(
                retry=retry_if_exception_type(Transient),
                stop=stop_after_attempt(REPLY_ATTEMPTS),
                wait=wait_exponential(multiplier=0.5, max=4),
                reraise=True,
            ):
                with attempt:  # deliver_reply consumes the reply: a retry sends only the rest
                    await deliver_reply(
                        self._transport, chat_id, reply, self._conversation, tapped=tapped
                    )
        except Blocked:
            log.info("chat %s blocked the bot while we replied", chat_id)
        except RetryLater as exc:  # the limiter's retries ran out: keep it, try again later
            self._later(chat_id, reply, tapped, exc.retry_after)
        except DeliveryError as exc:
            log.warning("reply to chat %s not delivered: %s", chat_id, type(exc).__name__)
        if reply.new_flag_ids and self._notifier is not None:
            flag_ids, reply.new_flag_ids = reply.new_flag_ids, []
            await self._notifier.notify_new_flags(flag_ids)

    def _later(self, chat_id: int, reply: Reply, tapped: int | None, delay: float) -> None:
        """Deliver what is left of ``reply`` after ``delay`` seconds (Telegram asked to wait)."""
        log.info("reply to chat %s held back by Telegram; retrying in %.0f s", chat_id, delay)

        async def again() -> None:
            await asyncio.sleep(delay)
            await self._deliver(chat_id, reply, tapped=tapped)

        task = asyncio.create_task(again())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)


def _chat(update: Update) -> Chat:
    assert update.effective_chat is not None
    user = update.effective_user
    return Chat(
        chat_id=update.effective_chat.id,
        update_id=update.update_id,
        language_code=user.language_code if user else None,
    )


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The one error boundary: log without message text, apologise in private chats."""
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.effective_chat.type != "private":
        return
    user = update.effective_user
    language = language_of(user.language_code if user else None)
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(T.something_wrong.get(language))
        else:
            chat_id = update.effective_chat.id
            await context.bot.send_message(chat_id, T.something_wrong.get(language))
    except Exception:  # the apology itself failed; the log line above is what matters
        log.warning("could not send the apology", exc_info=True)
