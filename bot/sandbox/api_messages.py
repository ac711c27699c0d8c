"""Bot API methods that send, edit and delete messages, and answer button presses."""

from __future__ import annotations

from bot.sandbox.context import ApiContext
from bot.sandbox.errors import bad_request
from bot.sandbox.files import StoredFile
from bot.sandbox.params import Params, Upload
from bot.sandbox.state import BotMessageRecord, ChatRecord
from bot.sandbox.types import CallbackAnswer, JsonDict
from bot.sandbox.validation import (
    InlineKeyboard,
    ReplyMarkup,
    check_callback_answer_text,
    check_chat_action,
    message_caption,
    message_text,
    parse_reply_markup,
)

__all__ = [
    "answer_callback_query",
    "delete_message",
    "edit_message_reply_markup",
    "edit_message_text",
    "send_chat_action",
    "send_document",
    "send_message",
    "send_photo",
]

_MARKUP_ERROR = "can't parse reply keyboard markup JSON object"
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


def _reply_markup(params: Params, *, inline_only: bool = False) -> ReplyMarkup | None:
    return parse_reply_markup(
        params.optional_json("reply_markup", _MARKUP_ERROR), inline_only=inline_only
    )


def _check_reply_target(chat: ChatRecord, params: Params) -> None:
    reply = params.optional_json("reply_parameters", "can't parse reply parameters JSON object")
    target: object = params.optional_int("reply_to_message_id")
    allow_missing = params.flag("allow_sending_without_reply")
    if isinstance(reply, dict):
        target = reply.get("message_id")
        allow_missing = allow_missing or bool(reply.get("allow_sending_without_reply"))
    if target is None or allow_missing:
        return
    if not isinstance(target, int) or (
        target not in chat.bot_messages and target not in chat.user_messages
    ):
        raise bad_request("message to be replied not found")


async def _deliver(ctx: ApiContext, record: BotMessageRecord) -> JsonDict:
    ctx.state.chats[record.chat_id].bot_messages[record.message_id] = record
    await ctx.state.publish(record)
    return ctx.state.message_json(record)


async def send_message(ctx: ApiContext, params: Params) -> object:
    chat = ctx.writable_chat(params)
    parse_mode = params.optional_str("parse_mode")
    raw_text = params.optional_str("text")
    text = message_text(raw_text, parse_mode)
    markup = _reply_markup(params)
    _check_reply_target(chat, params)
    ctx.admit("sendMessage", chat)
    record = BotMessageRecord(
        chat_id=chat.chat_id,
        message_id=chat.new_message_id(),
        date=ctx.state.now(),
        raw_text=raw_text,
        parse_mode=parse_mode,
        text=text,
        caption=None,
        markup=markup,
    )
    return await _deliver(ctx, record)


def _media(ctx: ApiContext, params: Params, kind: str) -> StoredFile:
    given = params.input_file(kind)
    if given is None:
        raise bad_request(f"there is no {kind} in the request")
    if isinstance(given, Upload):
        if not given.content:
            raise bad_request("file must be non-empty")
        return ctx.state.files.add(
            kind, given.content, filename=given.filename, mime_type=given.content_type
        )
    if given.startswith(("http://", "https://")):
        return ctx.state.files.add(kind, None, url=given)
    return ctx.state.files.require(given)


async def _send_media(ctx: ApiContext, params: Params, kind: str, method: str) -> object:
    chat = ctx.writable_chat(params)
    parse_mode = params.optional_str("parse_mode")
    caption = message_caption(params.optional_str("caption"), parse_mode)
    markup = _reply_markup(params)
    _check_reply_target(chat, params)
    stored = _media(ctx, params, kind)
    ctx.admit(method, chat)
    record = BotMessageRecord(
        chat_id=chat.chat_id,
        message_id=chat.new_message_id(),
        date=ctx.state.now(),
        raw_text=None,
        parse_mode=parse_mode,
        text=None,
        caption=caption,
        markup=markup,
        photo=stored if kind == "photo" else None,
        document=stored if kind == "document" else None,
    )
    return await _deliver(ctx, record)


async def send_photo(ctx: ApiContext, params: Params) -> object:
    return await _send_media(ctx, params, "photo", "sendPhoto")


async def send_document(ctx: ApiContext, params: Params) -> object:
    return await _send_media(ctx, params, "document", "sendDocument")


async def _apply_edit(ctx: ApiContext, record: BotMessageRecord) -> JsonDict:
    now = ctx.state.now()
    record.edit_date = now
    record.history.append(record.version(now))
    await ctx.state.publish(record)
    return ctx.state.message_json(record)


async def edit_message_text(ctx: ApiContext, params: Params) -> object:
    chat = ctx.writable_chat(params)
    record = ctx.editable_message(chat, params)
    if record.text is None:
        raise bad_request("there is no text in the message to edit")
    parse_mode = params.optional_str("parse_mode")
    raw_text = params.optional_str("text")
    text = message_text(raw_text, parse_mode)
    keyboard = _reply_markup(params, inline_only=True)
    if text == record.text and keyboard == record.inline_keyboard:
        raise bad_request(_NOT_MODIFIED)
    ctx.admit("editMessageText", chat)
    record.text, record.raw_text, record.parse_mode = text, raw_text, parse_mode
    if keyboard is not None or isinstance(record.markup, InlineKeyboard):
        record.markup = keyboard  # an edit without reply_markup removes the inline keyboard
    return await _apply_edit(ctx, record)


async def edit_message_reply_markup(ctx: ApiContext, params: Params) -> object:
    chat = ctx.writable_chat(params)
    record = ctx.editable_message(chat, params)
    keyboard = _reply_markup(params, inline_only=True)
    if keyboard == record.inline_keyboard:
        raise bad_request(_NOT_MODIFIED)
    ctx.admit("editMessageReplyMarkup", chat)
    record.markup = keyboard
    return await _apply_edit(ctx, record)


async def delete_message(ctx: ApiContext, params: Params) -> object:
    chat = ctx.chat(params)
    message_id = params.require_int("message_id", "message identifier is not specified")
    record = chat.bot_messages.get(message_id)
    if record is None or record.deleted:
        raise bad_request("message to delete not found")
    record.deleted = True
    return True


async def send_chat_action(ctx: ApiContext, params: Params) -> object:
    chat = ctx.writable_chat(params)
    action = params.require_str("action", "action is empty")
    check_chat_action(action)
    chat.chat_actions.append(action)
    return True


async def answer_callback_query(ctx: ApiContext, params: Params) -> object:
    query_id = params.optional_str("callback_query_id")
    query = ctx.state.callback_queries.get(query_id or "")
    if query is None or query.answered:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = params.optional_str("text")
    check_callback_answer_text(text)
    query.answered = True
    ctx.state.chats[query.chat_id].callback_answers.append(
        CallbackAnswer(
            callback_query_id=query.query_id,
            chat_id=query.chat_id,
            message_id=query.message_id,
            user_id=query.user_id,
            callback_data=query.data,
            text=text or None,
            show_alert=params.flag("show_alert"),
            url=params.optional_str("url"),
        )
    )
    return True
