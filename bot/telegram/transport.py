"""The Telegram implementation of :class:`bot.services.transport.Transport`.

Text messages and edits go out as plain Bot API requests through python-telegram-bot's
request layer (its rate limiter, timeouts and errors included), with the keyboard as JSON and
the answer read for the one field used: building a keyboard of button objects and parsing
the message every call returns cost about a tenth of a tap's CPU.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.services.replies import Edit, Keyboard, Outgoing
from bot.services.transport import Blocked, DeliveryError, RetryLater, Transient

__all__ = ["TelegramTransport", "keyboard_json", "markup", "translate_error"]

GONE = ("chat not found", "user is deactivated", "bot was kicked", "have no rights")


def keyboard_json(keyboard: Keyboard) -> dict[str, Any] | None:
    """The Bot API's ``InlineKeyboardMarkup`` as JSON."""
    if not keyboard:
        return None
    rows = [[{"text": b.label, "callback_data": b.payload} for b in row] for row in keyboard]
    return {"inline_keyboard": rows}


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
        data = {"chat_id": chat_id, "text": message.text,
                "reply_markup": keyboard_json(message.keyboard)}  # fmt: skip
        try:
            sent = await self._request("sendMessage", data)
        except TelegramError as exc:
            raise translate_error(exc) from exc
        return int(sent["message_id"])

    async def edit(self, chat_id: int, edit: Edit) -> None:
        data = {"chat_id": chat_id, "message_id": edit.message_id, "text": edit.text,
                "reply_markup": keyboard_json(edit.keyboard)}  # fmt: skip
        try:
            await self._request("editMessageText", data)
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                return
            raise translate_error(exc) from exc
        except TelegramError as exc:
            raise translate_error(exc) from exc

    async def _request(self, method: str, data: dict[str, Any]) -> Any:
        # python-telegram-bot's own request path (``Bot._post``: defaults, rate limiter,
        # timeouts, errors as TelegramError) without turning the answer into objects
        return await self._bot._post(method, data)

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
