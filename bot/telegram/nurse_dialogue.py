"""Telegram side of the nurses' dialogues: /enroll in a private chat, /language in the group.

The dialogue's state is in the database (:mod:`bot.nurse.enrol_dialogue`), so any bot
process can take the next message. Its answers are taken in handler group -1, ahead of the
patient handlers: a message that belongs to an open dialogue stops there
(``ApplicationHandlerStop``); any other message goes on to group 0 untouched.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Final

from telegram import Message, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.error import TelegramError
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.nurse.access import Nurse
from bot.nurse.enrol_dialogue import EnrolDialogue, Say
from bot.nurse.service import NurseService
from bot.nurse.texts import NT

__all__ = ["DIALOGUE_GROUP", "NurseDialogueHandlers", "nurse_of"]

log = logging.getLogger(__name__)

DIALOGUE_GROUP: Final = -1
PRIVATE = filters.ChatType.PRIVATE
NOT_EDITED = ~filters.UpdateType.EDITED_MESSAGE
CANCEL = filters.Regex(re.compile(r"^/cancel(@\w+)?(\s|$)"))


def nurse_of(update: Update) -> Nurse:
    user = update.effective_user
    assert user is not None
    name = user.full_name or user.username or str(user.id)
    return Nurse(name=name, user_id=user.id, language=user.language_code)


class NurseDialogueHandlers:
    """/enroll (private chats), its answers and /cancel, and /language (nurse group)."""

    def __init__(self, service: NurseService, group: filters.BaseFilter | None) -> None:
        self._service = service
        self._group = group
        self._enrol = EnrolDialogue(service, service.sessions, service.settings, service.clock,
                                    service.languages)  # fmt: skip

    def early(self) -> list[BaseHandler[Update, Any, Any]]:
        """For group -1: answers to an open dialogue (and its /cancel)."""
        text = filters.TEXT & PRIVATE & NOT_EDITED & (~filters.COMMAND | CANCEL)
        return [MessageHandler(text, self.answer)]

    def commands(self) -> list[BaseHandler[Update, Any, Any]]:
        """For group 0, before the patient handlers."""
        found: list[BaseHandler[Update, Any, Any]] = [
            CommandHandler("enroll", self.enroll, filters=PRIVATE & NOT_EDITED)
        ]
        if self._group is not None:
            found.append(CommandHandler("language", self.language,
                                        filters=self._group & NOT_EDITED))  # fmt: skip
        return found

    async def enroll(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """Start (or start again) the /enroll dialogue."""
        message = update.effective_message
        assert message is not None
        await _say(message, await self._enrol.start(message.chat.id, nurse_of(update)))

    async def answer(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        """An answer (or /cancel) in an open dialogue; anything else goes on to group 0."""
        message = update.effective_message
        assert message is not None
        text = message.text or ""
        nurse = nurse_of(update)
        if CANCEL.check_update(update):
            says = await self._enrol.cancel(message.chat.id, nurse)
        else:
            says = await self._enrol.answer(message.chat.id, nurse, text)
        if says is None:
            return
        await _say(message, says)
        raise ApplicationHandlerStop

    async def language(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """``/language en|zh`` in the nurse group: the language the bot uses with this nurse."""
        message = update.effective_message
        assert message is not None
        nurse = nurse_of(update)
        current = await self._service.languages.of(nurse)
        if not (verdict := await self._service.authorize(nurse, "command:language")):
            await _say(message, [Say(verdict.refusal.get(current))])
            return
        chosen = await self._service.languages.choose(nurse, " ".join(context.args or ()))
        if chosen is None:
            await _say(message, [Say(NT.language_usage.get(current))])
            return
        await _say(message, [Say(NT.language_set.format(chosen, name=nurse.label))])


async def _say(message: Message, says: list[Say]) -> None:
    try:
        for say in says:
            if say.photo is not None:
                await message.reply_photo(say.photo, caption=say.text)
                continue
            markup: ReplyKeyboardMarkup | ReplyKeyboardRemove | None = None
            if say.keyboard:
                markup = ReplyKeyboardMarkup(say.keyboard, one_time_keyboard=True,
                                             resize_keyboard=True)  # fmt: skip
            elif say.remove_keyboard:
                markup = ReplyKeyboardRemove()
            await message.reply_text(say.text, reply_markup=markup)
    except TelegramError as exc:
        log.warning("nurse dialogue reply not delivered: %s", type(exc).__name__)
