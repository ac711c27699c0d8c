"""Nurse-facing handlers: flag buttons, note replies, /flags, /patient, /checkin, /enroll.

Thin: pull the user, chat and text out of the update, call :class:`NurseService`, render.
Authorisation (nurse group member or listed user id) and its audit live in the service.

The /enroll dialogue runs in a private chat (an invite link is for one patient, so it is
never posted to the group) and keeps its state in the database, so the nurse's next
message may reach any bot process (:mod:`bot.telegram.nurse_dialogue`).

Wiring (in the assembly; group -1 takes dialogue answers, group 0 goes before the patient
handlers)::

    nurse = NurseHandlers(nurse_service, settings)
    application.add_handlers(nurse.handlers())
    schedule_nurse_jobs(application.job_queue, nurse_service, settings.tick_seconds)
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final, Protocol

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    ChatMember,
    ChatMemberRestricted,
    Message,
    Update,
)
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    JobQueue,
    MessageHandler,
    filters,
)

from bot.nurse.access import Nurse
from bot.nurse.service import NURSE_KIND, NurseService
from bot.nurse.texts import NT
from bot.services.transport import DeliveryError
from bot.settings import Settings
from bot.telegram.nurse_dialogue import DIALOGUE_GROUP, NurseDialogueHandlers, nurse_of
from bot.telegram.transport import translate_error

__all__ = [
    "NURSE_COMMANDS",
    "NURSE_COMMANDS_ZH",
    "NURSE_JOB",
    "NurseHandlers",
    "TelegramNurseDirectory",
    "register_nurse_commands",
    "schedule_nurse_jobs",
]

log = logging.getLogger(__name__)

NURSE_JOB: Final = "nurse-sweep"
NURSE_COMMANDS: Final = [
    ("flags", "Open flags, red first"),
    ("patient", "A patient's recovery: /patient CODE"),
    ("checkin", "Send the next check-in now: /checkin CODE"),
    ("enroll", "Enrol a patient and get the invite QR code"),
    ("cancel", "Stop enrolling"),
    ("language", "The bot's language with you: /language en or /language zh"),
    ("web", "A sign-in link to the ward dashboard"),
]
NURSE_COMMANDS_ZH: Final = [
    ("flags", "未处理的提醒，红色在前"),
    ("patient", "患者恢复情况：/patient 编号"),
    ("checkin", "现在发送下一次随访：/checkin 编号"),
    ("enroll", "登记患者并获取邀请二维码"),
    ("cancel", "停止登记"),
    ("language", "机器人对您使用的语言：/language zh 或 /language en"),
    ("web", "病房网页的登录链接"),
]
"""The same menu for nurses whose Telegram app is in Chinese."""
PRIVATE = filters.ChatType.PRIVATE
NOT_EDITED = ~filters.UpdateType.EDITED_MESSAGE
PRESENT = {ChatMember.OWNER, ChatMember.ADMINISTRATOR, ChatMember.MEMBER}


class TelegramNurseDirectory:
    """Nurse group membership from ``getChatMember``."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def _member(self, chat_id: int, user_id: int) -> ChatMember | None:
        try:
            return await self._bot.get_chat_member(chat_id, user_id)
        except BadRequest as exc:
            if "not found" in exc.message.lower():
                return None
            raise translate_error(exc) from exc
        except TelegramError as exc:
            raise translate_error(exc) from exc

    async def is_member(self, chat_id: int, user_id: int) -> bool:
        member = await self._member(chat_id, user_id)
        if member is None:
            return False
        if isinstance(member, ChatMemberRestricted):
            return member.is_member
        return member.status in PRESENT

    async def username(self, chat_id: int, user_id: int) -> str | None:
        member = await self._member(chat_id, user_id)
        return member.user.username if member is not None else None


class _CardReply(filters.MessageFilter):
    """A reply to one of the bot's own card messages: one with nurse buttons (the card it
    belongs to, and whether it asks for a note, come from the database, not from text)."""

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        if replied is None or replied.from_user is None:
            return False
        if replied.from_user.id != message.get_bot().id or replied.reply_markup is None:
            return False
        return any(
            isinstance(button.callback_data, str)
            and button.callback_data.startswith(f"{NURSE_KIND}:")
            for row in replied.reply_markup.inline_keyboard
            for button in row
        )


def _nurse(update: Update) -> Nurse:
    return nurse_of(update)


class NurseHandlers:
    """The nurses' side of the bot, bound to the nurse service."""

    def __init__(self, service: NurseService, settings: Settings) -> None:
        self._service = service
        self._settings = settings
        nurse_group = (
            filters.Chat(settings.nurse_chat_id) if settings.nurse_chat_id is not None else None
        )
        self._dialogues = NurseDialogueHandlers(service, nurse_group)

    def handlers(self) -> dict[int, Sequence[BaseHandler[Any, Any, Any]]]:
        """By handler group: -1 (dialogue answers), 0 (before the patient handlers)."""
        where: filters.BaseFilter = PRIVATE
        if self._settings.nurse_chat_id is not None:
            where = where | filters.Chat(self._settings.nurse_chat_id)
        group = filters.ChatType.GROUPS & where
        return {
            DIALOGUE_GROUP: self._dialogues.early(),
            0: [
                CallbackQueryHandler(self.button, pattern=re.compile(rf"^{NURSE_KIND}:")),
                *self._dialogues.commands(),
                CommandHandler("enroll", self.enroll_in_group, filters=group & NOT_EDITED),
                CommandHandler("flags", self.flags, filters=where & NOT_EDITED),
                CommandHandler("patient", self.patient, filters=where & NOT_EDITED),
                CommandHandler("checkin", self.checkin, filters=where & NOT_EDITED),
                MessageHandler(
                    where & NOT_EDITED & filters.TEXT & ~filters.COMMAND & _CardReply(),
                    self.note,
                ),
            ],
        }

    # ------------------------------------------------------------------ flags

    async def button(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """Acknowledge, resolve, open or go back on a flag card; always answer the tap."""
        query = update.callback_query
        assert query is not None
        message = query.message
        if message is None:
            await query.answer()
            return
        answer = await self._service.flags.press(
            message.chat.id, _nurse(update), query.data or "", message.message_id
        )
        await query.answer(answer or None)

    async def note(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """Resolve a card with the note a nurse wrote in reply to it (when it asks for one)."""
        message = update.effective_message
        assert message is not None and message.reply_to_message is not None
        replied = message.reply_to_message
        result = await self._service.flags.note_reply(
            _nurse(update), message.text or "", replied=(message.chat.id, replied.message_id)
        )
        if result is not None:
            await message.reply_text(result.message)

    async def flags(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """List open flags by level, then age, with a button per flag."""
        await self._run(update, lambda chat, nurse: self._service.show_flags(chat, nurse))

    async def patient(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Show a patient's trajectory and chart: /patient CODE."""
        ref = " ".join(context.args or ())
        await self._run(update, lambda chat, nurse: self._service.show_patient(chat, nurse, ref))

    async def checkin(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Send a patient's next check-in now: /checkin CODE."""
        ref = " ".join(context.args or ())
        await self._run(update, lambda chat, nurse: self._service.checkin_now(chat, nurse, ref))

    async def _run(self, update: Update, action: Callable[[int, Nurse], Awaitable[None]]) -> None:
        assert update.effective_chat is not None
        try:
            await action(update.effective_chat.id, _nurse(update))
        except DeliveryError as exc:
            log.warning("nurse command reply not delivered: %s", type(exc).__name__)

    # ------------------------------------------------------------------ /enroll

    async def enroll_in_group(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """Point to the private chat: an invite link is for the patient only."""
        message = update.effective_message
        assert message is not None
        language = await self._service.languages.of(_nurse(update))
        await message.reply_text(NT.enrol_group.get(language))


class _Sweeper(Protocol):
    async def sweep(self) -> None: ...


def schedule_nurse_jobs(
    job_queue: JobQueue[Any] | None, service: _Sweeper, interval_seconds: float
) -> None:
    """Run the nurse sweep (new cards, escalation, daily digest) every ``interval_seconds``.

    One job with a fixed name: scheduling twice replaces it rather than doubling it.
    """
    if job_queue is None:
        raise RuntimeError(
            "the application has no job queue (install python-telegram-bot[job-queue])"
        )
    for job in job_queue.get_jobs_by_name(NURSE_JOB):
        job.schedule_removal()

    async def sweep(_: ContextTypes.DEFAULT_TYPE) -> None:
        await service.sweep()

    job_queue.run_repeating(sweep, interval=interval_seconds, first=1.0, name=NURSE_JOB)


async def register_nurse_commands(bot: Bot, settings: Settings) -> None:
    """Show the nurse commands in the nurse group's menu and in listed nurses' chats.

    A listed nurse who never opened a chat with the bot is skipped (Telegram refuses it).
    """
    menus = {
        None: [BotCommand(name, description) for name, description in NURSE_COMMANDS],
        "zh": [BotCommand(name, description) for name, description in NURSE_COMMANDS_ZH],
    }
    chats = sorted(settings.nurse_user_ids)
    if settings.nurse_chat_id is not None:
        chats.insert(0, settings.nurse_chat_id)
    for chat_id in chats:
        try:
            for language, commands in menus.items():
                await bot.set_my_commands(
                    commands, scope=BotCommandScopeChat(chat_id), language_code=language
                )
        except TelegramError as exc:
            log.info("nurse commands not set for chat %s: %s", chat_id, exc.message)
