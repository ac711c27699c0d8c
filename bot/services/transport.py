"""How services reach a chat, whatever carries the messages (Telegram, the terminal demo).

Errors are translated by each transport into the exception tree below::

    DeliveryError
    ├── Blocked        the user blocked the bot or the chat is gone (never retry)
    ├── RetryLater     rate limited; ``retry_after`` seconds
    └── Transient      network error, timeout or server error (retry with backoff)
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from bot.services.replies import Edit, Keyboard, Outgoing, QuestionRef, Reply, compact

__all__ = [
    "Blocked",
    "DeliveryError",
    "QuestionSink",
    "RetryLater",
    "Transient",
    "Transport",
    "deliver_reply",
]

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    """A message could not be delivered."""


class Blocked(DeliveryError):
    """The user blocked the bot, or the chat no longer exists."""


class RetryLater(DeliveryError):
    def __init__(self, retry_after: float) -> None:
        super().__init__(f"retry after {retry_after}s")
        self.retry_after = retry_after


class Transient(DeliveryError):
    """Network error, timeout or a server error: try again later."""


class Transport(Protocol):
    async def send(self, chat_id: int, message: Outgoing) -> int:
        """Send a message; return its message id."""
        ...

    async def edit(self, chat_id: int, edit: Edit) -> None: ...

    async def send_photo(
        self, chat_id: int, png: bytes, caption: str, keyboard: Keyboard = ()
    ) -> int: ...


class QuestionSink(Protocol):
    async def question_sent(self, checkin_id: int, message_id: int) -> None: ...


async def deliver_reply(
    transport: Transport,
    chat_id: int,
    reply: Reply,
    questions: QuestionSink,
    *,
    tapped: int | None = None,
) -> list[int]:
    """Apply a reply's edits, then send its messages in order; return the new message ids.

    The reply is first made compact (:func:`~bot.services.replies.compact`; ``tapped``: the
    message whose button was pressed). It is consumed as it goes (each edit and message is
    removed once done), so after a failure the same call delivers only what is left. A
    failed edit (e.g. the message is too old to edit) never stops the new messages; a
    folded one is sent as a new message instead. A question's message id is recorded only
    when it changed.
    """
    compact(reply, tapped)
    while reply.edits:
        edit = reply.edits[0]
        try:
            await transport.edit(chat_id, edit)
        except DeliveryError as exc:
            if isinstance(exc, (Blocked, Transient, RetryLater)):
                raise
            log.info("edit of message %s in chat %s skipped: %s", edit.message_id, chat_id, exc)
            reply.edits.pop(0)
            if edit.instead is not None:
                reply.messages.insert(0, edit.instead)
            continue
        reply.edits.pop(0)
        await _shown(questions, edit.asks, edit.message_id)
    sent = []
    while reply.messages:
        message = reply.messages[0]
        if message.photo is not None:
            png = await asyncio.to_thread(message.photo.png)
            message_id = await transport.send_photo(chat_id, png, message.text, message.keyboard)
        else:
            message_id = await transport.send(chat_id, message)
        reply.messages.pop(0)
        sent.append(message_id)
        await _shown(questions, message.asks, message_id)
    return sent


async def _shown(questions: QuestionSink, asks: QuestionRef | None, message_id: int) -> None:
    if asks is not None and asks.shown_in != message_id:
        await questions.question_sent(asks.checkin_id, message_id)
