"""What a Bot API method implementation can reach, plus the lookups most of them share."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.sandbox.errors import bad_request, forbidden
from bot.sandbox.params import Params
from bot.sandbox.ratelimit import RateLimiter
from bot.sandbox.state import BotMessageRecord, ChatRecord, SandboxState
from bot.sandbox.updates import UpdateQueue
from bot.sandbox.webhook import WebhookDeliverer

__all__ = ["ApiContext", "Described", "MethodHandler"]


@dataclass(frozen=True, slots=True)
class Described:
    """A result Telegram sends with a ``description`` (e.g. "Webhook was set")."""

    result: object
    description: str


@dataclass(frozen=True, slots=True)
class ApiContext:
    state: SandboxState
    updates: UpdateQueue
    webhook: WebhookDeliverer
    limiter: RateLimiter

    def chat(self, params: Params) -> ChatRecord:
        raw = params.raw_chat_id()
        if raw is None:
            raise bad_request("chat_id is empty")
        chat = self.state.find_chat(raw)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def writable_chat(self, params: Params) -> ChatRecord:
        """The target chat, refusing with 403 when the user blocked the bot or it was removed."""
        chat = self.chat(params)
        if chat.bot_blocked:
            if chat.is_private:
                raise forbidden("bot was blocked by the user")
            raise forbidden("bot was kicked from the group chat")
        return chat

    def admit(self, method: str, chat: ChatRecord) -> None:
        self.limiter.admit(method, chat.chat_id, is_group=not chat.is_private)

    def editable_message(self, chat: ChatRecord, params: Params) -> BotMessageRecord:
        if params.has("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        message_id = params.require_int("message_id", "message identifier is not specified")
        record = chat.bot_messages.get(message_id)
        if record is None or record.deleted:
            if message_id in chat.user_messages:
                raise bad_request("message can't be edited")
            raise bad_request("message to edit not found")
        return record


MethodHandler = Callable[[ApiContext, Params], Awaitable[object]]
