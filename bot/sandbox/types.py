"""Plain records the control side hands out: users, bot messages, transcripts, updates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

__all__ = [
    "Button",
    "ButtonRows",
    "CallbackAnswer",
    "ChatMemberStatus",
    "ChatType",
    "JsonDict",
    "MessageVersion",
    "SentFile",
    "SentMessage",
    "SimUser",
    "Transcript",
    "UserMessage",
    "UserUpdate",
    "Violation",
]

JsonDict = dict[str, Any]
ChatMemberStatus = Literal["creator", "administrator", "member", "restricted", "left", "kicked"]
ChatType = Literal["private", "group", "supergroup"]


@dataclass(frozen=True, slots=True)
class SimUser:
    """A simulated Telegram user."""

    user_id: int
    first_name: str
    language_code: str | None = "en"
    last_name: str | None = None
    username: str | None = None

    def to_api(self) -> JsonDict:
        data: JsonDict = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.last_name is not None:
            data["last_name"] = self.last_name
        if self.username is not None:
            data["username"] = self.username
        if self.language_code is not None:
            data["language_code"] = self.language_code
        return data


class Button(NamedTuple):
    """An inline button as the user sees it; equal to a plain ``(label, callback_data)`` tuple."""

    label: str
    callback_data: str | None


ButtonRows = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True, slots=True)
class SentFile:
    """A photo or document the bot uploaded (``content`` is None when sent by URL)."""

    file_id: str
    filename: str | None
    mime_type: str | None
    content: bytes | None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class MessageVersion:
    """One version of a bot message: the original or the result of an edit."""

    text: str | None
    buttons: ButtonRows
    date: int


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A message the bot sent, as it currently looks to the user.

    ``text`` is the visible text (markup of ``parse_mode`` removed); ``raw_text`` is what
    the bot sent. ``history`` holds every version, oldest first, the current one last.
    """

    chat_id: int
    message_id: int
    date: int
    text: str | None
    raw_text: str | None
    parse_mode: str | None
    caption: str | None
    buttons: ButtonRows
    links: Mapping[str, str]
    reply_keyboard: tuple[tuple[str, ...], ...] | None
    force_reply: bool
    remove_keyboard: bool
    photo: SentFile | None
    document: SentFile | None
    history: tuple[MessageVersion, ...]
    deleted: bool = False

    @property
    def edited(self) -> bool:
        return len(self.history) > 1

    @property
    def button_labels(self) -> tuple[str, ...]:
        return tuple(button.label for row in self.buttons for button in row)


@dataclass(frozen=True, slots=True)
class UserMessage:
    """A message a simulated user sent to the chat (``kind`` is text, command, photo, ...)."""

    chat_id: int
    message_id: int
    user_id: int
    kind: str
    text: str | None
    date: int
    edited: bool = False


@dataclass(frozen=True, slots=True)
class CallbackAnswer:
    """What ``answerCallbackQuery`` showed the user after a button press."""

    callback_query_id: str
    chat_id: int
    message_id: int
    user_id: int
    callback_data: str | None
    text: str | None
    show_alert: bool
    url: str | None


@dataclass(frozen=True, slots=True)
class Transcript:
    """Everything a chat shows: bot messages, user messages, callback answers, chat actions."""

    chat_id: int
    messages: tuple[SentMessage, ...]
    user_messages: tuple[UserMessage, ...]
    callback_answers: tuple[CallbackAnswer, ...]
    chat_actions: tuple[str, ...]

    @property
    def texts(self) -> tuple[str | None, ...]:
        """Current visible text of each bot message that was not deleted."""
        return tuple(message.text for message in self.messages if not message.deleted)

    @property
    def last(self) -> SentMessage:
        """The newest bot message still in the chat."""
        alive = [message for message in self.messages if not message.deleted]
        if not alive:
            raise LookupError(f"the bot has sent nothing to chat {self.chat_id}")
        return alive[-1]


@dataclass(frozen=True, slots=True)
class UserUpdate:
    """An update produced by a simulated user action.

    ``queued`` is False when the bot's ``allowed_updates`` excludes this type, so
    Telegram would never deliver it.
    """

    update_id: int
    type: str
    payload: Mapping[str, Any]
    queued: bool = True

    @property
    def message_id(self) -> int | None:
        body = self.payload.get(self.type)
        if isinstance(body, dict):
            message = body.get("message", body)
            if isinstance(message, dict) and isinstance(message.get("message_id"), int):
                return int(message["message_id"])
        return None

    @property
    def callback_query_id(self) -> str | None:
        if self.type != "callback_query":
            return None
        return str(self.payload["callback_query"]["id"])


@dataclass(frozen=True, slots=True)
class Violation:
    """A request Telegram would have refused (4xx), caused by the bot rather than injected."""

    method: str
    error_code: int
    description: str
    chat_id: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)
