"""Nurse-facing handlers: flag buttons, note replies, /flags, /patient, /checkin, /enroll.

Thin: pull the user, chat and text out of the update, call :class:`NurseService`, render.
Authorisation (nurse group member or listed user id) and its audit live in the service.

The /enroll dialogue is a :class:`ConversationHandler` in a private chat (an invite link
is for one patient, so it is never posted to the group). Its state is deliberately kept in
memory: it only collects answers before one final service call, so a restart loses at most
a half-typed enrolment, which the nurse starts again with /enroll.

Wiring (in the assembly, before the patient handlers)::

    nurse = NurseHandlers(nurse_service, settings)
    application.add_handlers(nurse.handlers())
    schedule_nurse_jobs(application.job_queue, nurse_service, settings.tick_seconds)
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final, Protocol
from zoneinfo import ZoneInfo

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    ChatMember,
    ChatMemberRestricted,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    JobQueue,
    MessageHandler,
    filters,
)

from bot.nurse.access import Nurse
from bot.nurse.cards import note_prompt_flag_id
from bot.nurse.enrol_input import parse_surgery_date, parse_timezone, parse_yes_no
from bot.nurse.service import NURSE_KIND, NurseService
from bot.services.enrolment import (
    MAX_DAYS_SINCE_SURGERY,
    MAX_DAYS_UNTIL_SURGERY,
    EnrolmentError,
    normalise_language,
    validate_ref,
)
from bot.services.transport import DeliveryError
from bot.settings import Settings
from bot.telegram.transport import translate_error

__all__ = [
    "NURSE_COMMANDS",
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
    ("web", "A sign-in link to the ward dashboard"),
]
PRIVATE = filters.ChatType.PRIVATE
NOT_EDITED = ~filters.UpdateType.EDITED_MESSAGE
PRESENT = {ChatMember.OWNER, ChatMember.ADMINISTRATOR, ChatMember.MEMBER}
REF, DATE, LANGUAGE, TIMEZONE, CAREGIVER = range(5)
LANGUAGE_BUTTONS = ("English", "中文")


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


class _NotePromptReply(filters.MessageFilter):
    """A reply to one of the bot's own cards while it asks for a resolution note."""

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        if replied is None or replied.from_user is None:
            return False
        return replied.from_user.id == message.get_bot().id and (
            note_prompt_flag_id(replied.text) is not None
        )


@dataclass
class _Draft:
    """Answers of one /enroll dialogue so far."""

    ref: str = ""
    surgery_date: dt.date | None = None
    language: str = "en"
    timezone: str = ""
    caregiver: bool | None = None


def _nurse(update: Update) -> Nurse:
    user = update.effective_user
    assert user is not None
    name = user.full_name or user.username or str(user.id)
    return Nurse(name=name, user_id=user.id, language=user.language_code)


def _keyboard(*rows: tuple[str, ...]) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(rows, one_time_keyboard=True, resize_keyboard=True)


class NurseHandlers:
    """The nurses' side of the bot, bound to the nurse service."""

    def __init__(self, service: NurseService, settings: Settings) -> None:
        self._service = service
        self._settings = settings
        self._drafts: dict[tuple[int, int], _Draft] = {}

    def handlers(self) -> list[BaseHandler[Update, Any, Any]]:
        """In order; add them before the patient handlers (same group)."""
        where: filters.BaseFilter = PRIVATE
        if self._settings.nurse_chat_id is not None:
            where = where | filters.Chat(self._settings.nurse_chat_id)
        group = filters.ChatType.GROUPS & where
        return [
            CallbackQueryHandler(self.button, pattern=re.compile(rf"^{NURSE_KIND}:")),
            self.enrol_dialogue(),
            CommandHandler("enroll", self.enroll_in_group, filters=group & NOT_EDITED),
            CommandHandler("flags", self.flags, filters=where & NOT_EDITED),
            CommandHandler("patient", self.patient, filters=where & NOT_EDITED),
            CommandHandler("checkin", self.checkin, filters=where & NOT_EDITED),
            MessageHandler(
                where & NOT_EDITED & filters.TEXT & ~filters.COMMAND & _NotePromptReply(),
                self.note,
            ),
        ]

    # ------------------------------------------------------------------ flags

    async def button(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """Acknowledge, resolve, open or go back on a flag card; always answer the tap."""
        query = update.callback_query
        assert query is not None
        message = query.message
        if message is None:
            await query.answer()
            return
        answer = await self._service.press(
            message.chat.id, _nurse(update), query.data or "", message.message_id
        )
        await query.answer(answer or None)

    async def note(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """Resolve a flag with the note a nurse wrote in reply to its card."""
        message = update.effective_message
        assert message is not None and message.reply_to_message is not None
        replied = message.reply_to_message
        result = await self._service.note_reply(
            _nurse(update), replied.text, message.text or "",
            pressed=(message.chat.id, replied.message_id),
        )  # fmt: skip
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

    def enrol_dialogue(self) -> ConversationHandler[ContextTypes.DEFAULT_TYPE]:
        answer = filters.TEXT & ~filters.COMMAND & PRIVATE & NOT_EDITED
        return ConversationHandler(
            entry_points=[CommandHandler("enroll", self.enroll, filters=PRIVATE & NOT_EDITED)],
            states={
                REF: [MessageHandler(answer, self.enroll_ref)],
                DATE: [MessageHandler(answer, self.enroll_date)],
                LANGUAGE: [MessageHandler(answer, self.enroll_language)],
                TIMEZONE: [MessageHandler(answer, self.enroll_timezone)],
                CAREGIVER: [MessageHandler(answer, self.enroll_caregiver)],
            },
            fallbacks=[CommandHandler("cancel", self.enroll_cancel, filters=PRIVATE)],
            allow_reentry=True,
            name="nurse-enroll",
        )

    def _key(self, update: Update) -> tuple[int, int]:
        assert update.effective_chat is not None and update.effective_user is not None
        return update.effective_chat.id, update.effective_user.id

    @staticmethod
    def _text(update: Update) -> tuple[Message, str]:
        message = update.effective_message
        assert message is not None
        return message, (message.text or "").strip()

    async def enroll(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> int:
        """Start enrolling: ask for the reference code (nurses only)."""
        message, _text = self._text(update)
        nurse = _nurse(update)
        if not await self._service.authorize(nurse, "command:enroll"):
            await message.reply_text(self._service.refusal(nurse.language))
            return ConversationHandler.END
        self._drafts[self._key(update)] = _Draft()
        await message.reply_text(
            "New enrolment. Send /cancel to stop at any time.\n"
            "1/5 The patient's reference code (a study code, never a name):",
            reply_markup=ReplyKeyboardRemove(),
        )
        return REF

    async def enroll_ref(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> int:
        """Take the reference code; ask for the surgery date."""
        message, text = self._text(update)
        try:
            ref = validate_ref(text)
        except EnrolmentError as exc:
            await message.reply_text(f"{exc}. Please send the reference code again.")
            return REF
        if await self._service.ref_taken(ref):
            await message.reply_text(f"Patient {ref} is already enrolled. Send another code.")
            return REF
        self._draft(update).ref = ref
        await message.reply_text(
            "2/5 Date of surgery (YYYY-MM-DD, or today / yesterday):",
            reply_markup=_keyboard(("today", "yesterday")),
        )
        return DATE

    async def enroll_date(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> int:
        """Take the surgery date; ask for the language (or finish, when correcting it)."""
        message, text = self._text(update)
        today = self._service.ward_today()
        when = parse_surgery_date(text, today)
        if when is None:
            await message.reply_text("Please send a date like 2026-03-02, or today / yesterday.")
            return DATE
        if not -MAX_DAYS_UNTIL_SURGERY <= (today - when).days <= MAX_DAYS_SINCE_SURGERY:
            await message.reply_text(
                f"The date of surgery must be within the last {MAX_DAYS_SINCE_SURGERY} days "
                f"or the next {MAX_DAYS_UNTIL_SURGERY}. Please send it again."
            )
            return DATE
        draft = self._draft(update)
        draft.surgery_date = when
        if draft.caregiver is not None:  # the date was refused at the end: finish now
            return await self._finish(update, message, draft)
        await message.reply_text(
            "3/5 The patient's language:", reply_markup=_keyboard(LANGUAGE_BUTTONS)
        )
        return LANGUAGE

    async def enroll_language(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> int:
        """Take the language; ask for the timezone."""
        message, text = self._text(update)
        try:
            self._draft(update).language = normalise_language(text)
        except EnrolmentError:
            await message.reply_text(
                "Please choose English or 中文.", reply_markup=_keyboard(LANGUAGE_BUTTONS)
            )
            return LANGUAGE
        zone = self._settings.default_timezone
        await message.reply_text(
            f"4/5 The patient's timezone (Area/City, e.g. {zone}):",
            reply_markup=_keyboard((zone,)),
        )
        return TIMEZONE

    async def enroll_timezone(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> int:
        """Take the timezone; ask whether a family member helps."""
        message, text = self._text(update)
        zone = parse_timezone(text)
        if zone is None:
            await message.reply_text(
                f"Unknown timezone {text!r}. Use Area/City, e.g. Asia/Shanghai.",
                reply_markup=_keyboard((self._settings.default_timezone,)),
            )
            return TIMEZONE
        self._draft(update).timezone = zone
        await message.reply_text(
            "5/5 Will a family member or carer help with the check-ins?",
            reply_markup=_keyboard(("Yes", "No")),
        )
        return CAREGIVER

    async def enroll_caregiver(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> int:
        """Take the caregiver answer, enrol, and send the invite link and QR code."""
        message, text = self._text(update)
        caregiver = parse_yes_no(text)
        if caregiver is None:
            await message.reply_text(
                "Please answer Yes or No.", reply_markup=_keyboard(("Yes", "No"))
            )
            return CAREGIVER
        draft = self._draft(update)
        draft.caregiver = caregiver
        return await self._finish(update, message, draft)

    async def _finish(self, update: Update, message: Message, draft: _Draft) -> int:
        assert draft.surgery_date is not None and draft.caregiver is not None
        try:
            invitation = await self._service.enrol(
                _nurse(update), ref=draft.ref, surgery_date=draft.surgery_date,
                language=draft.language, timezone=draft.timezone, caregiver_helps=draft.caregiver,
            )  # fmt: skip
        except EnrolmentError as exc:
            if exc.code.startswith("surgery_date"):
                await message.reply_text(f"{exc}. Please send the date of surgery again.",
                                         reply_markup=ReplyKeyboardRemove())  # fmt: skip
                return DATE
            await message.reply_text(f"Not enrolled: {exc}. Send /enroll to start again.",
                                     reply_markup=ReplyKeyboardRemove())  # fmt: skip
            self._drafts.pop(self._key(update), None)
            return ConversationHandler.END
        self._drafts.pop(self._key(update), None)
        if invitation is None:  # no longer a nurse
            await message.reply_text(
                self._service.refusal(None), reply_markup=ReplyKeyboardRemove()
            )
            return ConversationHandler.END
        expires = invitation.expires_at.astimezone(ZoneInfo(self._settings.default_timezone))
        recalled = "\nThe baseline answers will be marked as recalled." if (
            invitation.recalled_baseline) else ""  # fmt: skip
        await message.reply_text(
            f"Enrolled {invitation.ref}: {invitation.checkins} check-ins planned.{recalled}\n"
            f"Invite link (works once, until {expires:%d %b %Y}):\n{invitation.link}",
            reply_markup=ReplyKeyboardRemove(),
        )
        await message.reply_photo(
            invitation.qr_png,
            caption=f"Invite QR code for {invitation.ref}: print it or show it at discharge. "
            "The patient scans it with the phone camera to open the bot.",
        )
        return ConversationHandler.END

    async def enroll_cancel(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> int:
        """Stop the dialogue; nothing was stored."""
        message, _text = self._text(update)
        self._drafts.pop(self._key(update), None)
        await message.reply_text("Enrolment cancelled. Nothing was saved.",
                                 reply_markup=ReplyKeyboardRemove())  # fmt: skip
        return ConversationHandler.END

    async def enroll_in_group(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """Point to the private chat: an invite link is for the patient only."""
        message, _text = self._text(update)
        await message.reply_text(
            "Please use /enroll in a private chat with me: the invite link is for the patient only."
        )

    def _draft(self, update: Update) -> _Draft:
        return self._drafts.setdefault(self._key(update), _Draft())


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
    commands = [BotCommand(name, description) for name, description in NURSE_COMMANDS]
    chats = sorted(settings.nurse_user_ids)
    if settings.nurse_chat_id is not None:
        chats.insert(0, settings.nurse_chat_id)
    for chat_id in chats:
        try:
            await bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id))
        except TelegramError as exc:
            log.info("nurse commands not set for chat %s: %s", chat_id, exc.message)
