"""The Telegram implementation of :class:`bot.services.transport.Transport`."""

from __future__ import annotations

import datetime as dt

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.services.replies import Edit, Keyboard, Outgoing
from bot.services.transport import Blocked, DeliveryError, RetryLater, Transient

__all__ = ["TelegramTransport", "markup", "translate_error"]

GONE = ("chat not found", "user is deactivated", "bot was kicked", "have no rights")


def markup(keyboard: Keyboard) -> InlineKeyboardMarkup | None:
    if not keyboard:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.payload) for b in row] for row in keyboard]
    )


def translate_error(exc: TelegramError) -> DeliveryError:
    """Map python-telegram-bot's errors onto the transport-independent tree."""
    if isinstance(exc, RetryAfter):
        delay = exc.retry_after
        seconds = delay.total_seconds() if isinstance(delay, dt.timedelta) else float(delay)
        return RetryLater(seconds)
    if isinstance(exc, Forbidden):
        return Blocked(exc.message)
    if isinstance(exc, BadRequest):
        if any(reason in exc.message.lower() for reason in GONE):
            return Blocked(exc.message)
        return DeliveryError(exc.message)
    if isinstance(exc, NetworkError):  # includes TimedOut and 5xx responses
        return Transient(exc.message)
    return DeliveryError(exc.message)


class TelegramTransport:
    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(self, chat_id: int, message: Outgoing) -> int:
        try:
            sent = await self._bot.send_message(
                chat_id, message.text, reply_markup=markup(message.keyboard)
            )
        except TelegramError as exc:
            raise translate_error(exc) from exc
        return sent.message_id

    async def edit(self, chat_id: int, edit: Edit) -> None:
        try:
            await self._bot.edit_message_text(
                edit.text, chat_id=chat_id, message_id=edit.message_id,
                reply_markup=markup(edit.keyboard),
            )  # fmt: skip
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                return
            raise translate_error(exc) from exc
        except TelegramError as exc:
            raise translate_error(exc) from exc

    async def send_photo(
        self, chat_id: int, png: bytes, caption: str, keyboard: Keyboard = ()
    ) -> int:
        try:
            sent = await self._bot.send_photo(
                chat_id, png, caption=caption[:1024], reply_markup=markup(keyboard)
            )
        except TelegramError as exc:
            raise translate_error(exc) from exc
        return sent.message_id
