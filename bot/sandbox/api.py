"""One Bot API call from token check to reply: faults, method, violations, envelope."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.sandbox import api_bot, api_chats, api_messages, api_updates
from bot.sandbox.context import ApiContext, Described, MethodHandler
from bot.sandbox.errors import ApiError, not_found
from bot.sandbox.faults import FaultPlan
from bot.sandbox.params import Params
from bot.sandbox.types import JsonDict, Violation

__all__ = ["METHODS", "BotApi", "Reply"]

METHODS: Mapping[str, MethodHandler] = {
    name.lower(): handler
    for name, handler in {
        "getMe": api_bot.get_me,
        "logOut": api_bot.log_out,
        "close": api_bot.close,
        "setMyCommands": api_bot.set_my_commands,
        "getMyCommands": api_bot.get_my_commands,
        "deleteMyCommands": api_bot.delete_my_commands,
        "getUpdates": api_updates.get_updates,
        "setWebhook": api_updates.set_webhook,
        "deleteWebhook": api_updates.delete_webhook,
        "getWebhookInfo": api_updates.get_webhook_info,
        "sendMessage": api_messages.send_message,
        "sendPhoto": api_messages.send_photo,
        "sendDocument": api_messages.send_document,
        "editMessageText": api_messages.edit_message_text,
        "editMessageReplyMarkup": api_messages.edit_message_reply_markup,
        "deleteMessage": api_messages.delete_message,
        "sendChatAction": api_messages.send_chat_action,
        "answerCallbackQuery": api_messages.answer_callback_query,
        "getChat": api_chats.get_chat,
        "getChatMember": api_chats.get_chat_member,
        "getFile": api_chats.get_file,
    }.items()
}

# Refusals caused by what the bot sent (not by injected faults, blocks or flood limits).
_VIOLATION_CODES = frozenset({400, 401, 404, 409})


@dataclass(frozen=True, slots=True)
class Reply:
    """What to answer: an envelope with its HTTP status, or nothing after ``drop_after`` s."""

    status: int
    body: JsonDict
    drop_after: float | None = None

    @classmethod
    def error(cls, error: ApiError) -> Reply:
        return cls(error.error_code, error.envelope())


class BotApi:
    def __init__(self, ctx: ApiContext, faults: FaultPlan, token: str) -> None:
        self._ctx = ctx
        self._faults = faults
        self._token = token

    async def call(self, token: str, method: str, params: Params) -> Reply:
        try:
            if token != self._token:
                raise ApiError(401, "Unauthorized")
            handler = METHODS.get(method.lower())
            if handler is None:
                raise not_found("method not found")
        except ApiError as error:
            return self.refuse(method, params, error)
        fault = self._faults.match(method, params.raw_chat_id())
        if fault is not None and fault.kind != "timeout":
            return Reply.error(fault.error())
        if fault is not None and not fault.deliver_then_timeout:
            return Reply(504, {}, drop_after=fault.delay)
        try:
            result = await handler(self._ctx, params)
        except ApiError as error:
            return self.refuse(method, params, error)
        if fault is not None:
            return Reply(504, {}, drop_after=fault.delay)
        body: JsonDict = {"ok": True, "result": result}
        if isinstance(result, Described):
            body = {"ok": True, "result": result.result, "description": result.description}
        return Reply(200, body)

    def refuse(self, method: str, params: Params, error: ApiError) -> Reply:
        if error.error_code in _VIOLATION_CODES:
            self._ctx.state.violations.append(
                Violation(
                    method=method,
                    error_code=error.error_code,
                    description=error.description,
                    chat_id=params.raw_chat_id(),
                    params=params.summary(),
                )
            )
        return Reply.error(error)
