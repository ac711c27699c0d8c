"""Bot API limits checked the way Telegram checks them, with Telegram's error texts."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.sandbox.errors import ApiError, bad_request
from bot.sandbox.markup import FormattedText, parse_formatted
from bot.sandbox.types import Button, ButtonRows, JsonDict

__all__ = [
    "CHAT_ACTIONS",
    "MAX_BUTTONS",
    "MAX_CALLBACK_DATA_BYTES",
    "MAX_CAPTION_LENGTH",
    "MAX_TEXT_LENGTH",
    "ForceReply",
    "InlineButton",
    "InlineKeyboard",
    "RemoveKeyboard",
    "ReplyKeyboard",
    "ReplyMarkup",
    "check_callback_answer_text",
    "check_chat_action",
    "check_commands",
    "check_secret_token",
    "command_scope_key",
    "message_caption",
    "message_text",
    "parse_reply_markup",
]

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_BUTTONS = 100
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_COMMANDS = 100

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

# Every inline button needs exactly one action besides its text.
_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "login_url",
    "web_app",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_SCOPES = {
    "default": (),
    "all_private_chats": (),
    "all_group_chats": (),
    "all_chat_administrators": (),
    "chat": ("chat_id",),
    "chat_administrators": ("chat_id",),
    "chat_member": ("chat_id", "user_id"),
}


@dataclass(frozen=True, slots=True)
class InlineButton:
    text: str
    callback_data: str | None
    url: str | None
    raw: tuple[tuple[str, Any], ...]

    def to_api(self) -> JsonDict:
        return dict(self.raw)


@dataclass(frozen=True, slots=True)
class InlineKeyboard:
    rows: tuple[tuple[InlineButton, ...], ...]

    def to_api(self) -> JsonDict:
        return {"inline_keyboard": [[button.to_api() for button in row] for row in self.rows]}

    def buttons(self) -> ButtonRows:
        return tuple(
            tuple(Button(button.text, button.callback_data) for button in row) for row in self.rows
        )

    def links(self) -> dict[str, str]:
        return {b.text: b.url for row in self.rows for b in row if b.url is not None}


@dataclass(frozen=True, slots=True)
class ReplyKeyboard:
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class ForceReply:
    placeholder: str | None


@dataclass(frozen=True, slots=True)
class RemoveKeyboard:
    pass


ReplyMarkup = InlineKeyboard | ReplyKeyboard | ForceReply | RemoveKeyboard


def message_text(text: str | None, parse_mode: str | None) -> FormattedText:
    """Visible text of a message; 1–4096 characters after entity parsing."""
    if text is None or not text.strip():
        raise bad_request("message text is empty")
    formatted = parse_formatted(text, parse_mode)
    if not formatted.text.strip():
        raise bad_request("message text is empty")
    if len(formatted.text) > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")
    return formatted


def message_caption(caption: str | None, parse_mode: str | None) -> FormattedText | None:
    if caption is None or caption == "":
        return None
    formatted = parse_formatted(caption, parse_mode)
    if len(formatted.text) > MAX_CAPTION_LENGTH:
        raise bad_request("message caption is too long")
    return formatted


def parse_reply_markup(value: object, *, inline_only: bool = False) -> ReplyMarkup | None:
    """Validate a decoded ``reply_markup`` object and return its normalised form."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in value:
        return _inline_keyboard(value["inline_keyboard"])
    if inline_only:
        raise bad_request("inline keyboard expected")
    if "keyboard" in value:
        return _reply_keyboard(value["keyboard"])
    if value.get("force_reply") is True:
        placeholder = value.get("input_field_placeholder")
        return ForceReply(placeholder if isinstance(placeholder, str) else None)
    if value.get("remove_keyboard") is True:
        return RemoveKeyboard()
    raise bad_request("can't parse reply keyboard markup JSON object")


def _inline_keyboard(rows: object) -> InlineKeyboard:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
        )
    if sum(len(row) for row in rows) > MAX_BUTTONS:
        raise bad_request("reply markup is too long")
    return InlineKeyboard(tuple(tuple(_inline_button(button) for button in row) for row in rows))


def _inline_button(button: object) -> InlineButton:
    if not isinstance(button, dict):
        raise _button_error("InlineKeyboardButton must be an Object")
    if "text" not in button:
        raise _button_error('Can\'t find field "text"')
    text = button["text"]
    if not isinstance(text, str):
        raise _button_error('Field "text" must be of type String')
    if not text.strip():
        raise bad_request("BUTTON_TEXT_EMPTY")
    actions = [name for name in _BUTTON_ACTIONS if button.get(name) not in (None, "")]
    if not actions:
        raise _button_error("Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise _button_error("exactly one of the optional fields must be used")
    data = button.get("callback_data")
    if data is not None and (
        not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES
    ):
        raise bad_request("BUTTON_DATA_INVALID")
    url = button.get("url")
    if url is not None and (not isinstance(url, str) or not _valid_url(url)):
        raise bad_request("BUTTON_URL_INVALID")
    return InlineButton(text, data, url, tuple(sorted(button.items())))


def _valid_url(url: str) -> bool:
    scheme, _, rest = url.partition("://")
    return scheme.lower() in ("http", "https", "tg") and bool(rest.strip())


def _button_error(detail: str) -> ApiError:
    return bad_request(f"can't parse inline keyboard button: {detail}")


def _reply_keyboard(rows: object) -> ReplyKeyboard:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
    labels: list[tuple[str, ...]] = []
    for row in rows:
        row_labels: list[str] = []
        for button in row:
            text = button.get("text") if isinstance(button, dict) else button
            if not isinstance(text, str) or not text.strip():
                raise bad_request(
                    'can\'t parse keyboard button: Field "text" must be of type String'
                )
            row_labels.append(text)
        labels.append(tuple(row_labels))
    if sum(len(row) for row in labels) > MAX_BUTTONS:
        raise bad_request("reply markup is too long")
    return ReplyKeyboard(tuple(labels))


def check_callback_answer_text(text: str | None) -> None:
    if text is not None and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
        raise bad_request("MESSAGE_TOO_LONG")


def check_chat_action(action: str) -> None:
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")


def check_commands(commands: object) -> list[JsonDict]:
    """Validate ``setMyCommands`` commands: lowercase names of 1–32 chars, descriptions 1–256."""
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > MAX_COMMANDS:
        raise bad_request("too many commands")
    checked: list[JsonDict] = []
    for entry in commands:
        if not isinstance(entry, dict):
            raise bad_request("can't parse BotCommand JSON object")
        command, description = entry.get("command"), entry.get("description")
        if not isinstance(command, str) or not _COMMAND.fullmatch(command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise bad_request("command description is empty")
        checked.append({"command": command, "description": description})
    return checked


def command_scope_key(scope: object) -> str:
    """A canonical key for a ``BotCommandScope`` (absent means the default scope)."""
    if scope is None:
        return "default"
    if not isinstance(scope, Mapping) or scope.get("type") not in _SCOPES:
        raise bad_request("can't parse BotCommandScope JSON object")
    kind = str(scope["type"])
    fields = _SCOPES[kind]
    if any(scope.get(name) in (None, "") for name in fields):
        raise bad_request("can't parse BotCommandScope JSON object")
    return ":".join([kind, *(str(scope[name]) for name in fields)])


def check_secret_token(token: str | None) -> None:
    if token is not None and not _SECRET_TOKEN.fullmatch(token):
        raise bad_request("secret token contains unallowed characters")
