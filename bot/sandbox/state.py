"""What the sandbox remembers: users, chats, the bot's messages and what the user saw."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.sandbox.errors import SandboxError
from bot.sandbox.files import FileStore, StoredFile
from bot.sandbox.markup import FormattedText
from bot.sandbox.types import (
    CallbackAnswer,
    ChatMemberStatus,
    ChatType,
    JsonDict,
    MessageVersion,
    SentMessage,
    SimUser,
    Transcript,
    UserMessage,
    Violation,
)
from bot.sandbox.validation import (
    ForceReply,
    InlineKeyboard,
    RemoveKeyboard,
    ReplyKeyboard,
    ReplyMarkup,
)

__all__ = [
    "BotIdentity",
    "BotMessageRecord",
    "CallbackQueryRecord",
    "ChatRecord",
    "SandboxState",
    "UserMessageRecord",
]

MessagePredicate = Callable[[SentMessage], bool]


@dataclass(frozen=True, slots=True)
class BotIdentity:
    user_id: int
    first_name: str
    username: str

    def to_api(self) -> JsonDict:
        return {
            "id": self.user_id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    def get_me(self) -> JsonDict:
        return self.to_api() | {
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }


@dataclass
class BotMessageRecord:
    chat_id: int
    message_id: int
    date: int
    raw_text: str | None
    parse_mode: str | None
    text: FormattedText | None
    caption: FormattedText | None
    markup: ReplyMarkup | None
    photo: StoredFile | None = None
    document: StoredFile | None = None
    history: list[MessageVersion] = field(default_factory=list)
    edit_date: int | None = None
    deleted: bool = False
    _shown: tuple[tuple[object, ...], SentMessage] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    """The last snapshot and what it was taken of: transcripts are read far more often
    than messages change (frozen parts compare by identity, so this costs little)."""

    def __post_init__(self) -> None:
        if not self.history:
            self.history.append(self.version(self.date))

    @property
    def inline_keyboard(self) -> InlineKeyboard | None:
        return self.markup if isinstance(self.markup, InlineKeyboard) else None

    def version(self, date: int) -> MessageVersion:
        keyboard = self.inline_keyboard
        shown = self.text or self.caption
        return MessageVersion(
            text=shown.text if shown else None,
            buttons=keyboard.buttons() if keyboard else (),
            date=date,
        )

    def snapshot(self) -> SentMessage:
        """How the message looks now (the same object until something about it changes)."""
        state = (
            self.text, self.caption, self.markup, self.raw_text, self.parse_mode, self.photo,
            self.document, self.edit_date, self.deleted, len(self.history),
        )  # fmt: skip
        if self._shown is not None and self._shown[0] == state:
            return self._shown[1]
        shown = self._snapshot()
        self._shown = (state, shown)
        return shown

    def _snapshot(self) -> SentMessage:
        keyboard = self.inline_keyboard
        markup = self.markup
        return SentMessage(
            chat_id=self.chat_id,
            message_id=self.message_id,
            date=self.date,
            text=self.text.text if self.text else None,
            raw_text=self.raw_text,
            parse_mode=self.parse_mode,
            caption=self.caption.text if self.caption else None,
            buttons=keyboard.buttons() if keyboard else (),
            links=keyboard.links() if keyboard else {},
            reply_keyboard=markup.rows if isinstance(markup, ReplyKeyboard) else None,
            force_reply=isinstance(markup, ForceReply),
            remove_keyboard=isinstance(markup, RemoveKeyboard),
            photo=self.photo.sent() if self.photo else None,
            document=self.document.sent() if self.document else None,
            history=tuple(self.history),
            deleted=self.deleted,
        )


@dataclass
class UserMessageRecord:
    user_id: int
    kind: str
    payload: JsonDict
    _shown: tuple[JsonDict, int, UserMessage] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    """The last snapshot, its payload and chat: an edit replaces the payload."""

    def snapshot(self, chat_id: int) -> UserMessage:
        shown = self._shown
        if shown is not None and shown[0] is self.payload and shown[1] == chat_id:
            return shown[2]
        message = self._snapshot(chat_id)
        self._shown = (self.payload, chat_id, message)
        return message

    def _snapshot(self, chat_id: int) -> UserMessage:
        text = self.payload.get("text", self.payload.get("caption"))
        return UserMessage(
            chat_id=chat_id,
            message_id=int(self.payload["message_id"]),
            user_id=self.user_id,
            kind=self.kind,
            text=text if isinstance(text, str) else None,
            date=int(self.payload["date"]),
            edited="edit_date" in self.payload,
        )


@dataclass
class CallbackQueryRecord:
    query_id: str
    chat_id: int
    message_id: int
    user_id: int
    data: str | None
    answered: bool = False


@dataclass
class ChatRecord:
    chat_id: int
    type: ChatType
    title: str | None = None
    user: SimUser | None = None
    members: dict[int, ChatMemberStatus] = field(default_factory=dict)
    bot_status: ChatMemberStatus = "member"
    bot_blocked: bool = False
    next_message_id: int = 1
    bot_messages: dict[int, BotMessageRecord] = field(default_factory=dict)
    user_messages: dict[int, UserMessageRecord] = field(default_factory=dict)
    callback_answers: list[CallbackAnswer] = field(default_factory=list)
    chat_actions: list[str] = field(default_factory=list)

    @property
    def is_private(self) -> bool:
        return self.type == "private"

    def new_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def to_api(self) -> JsonDict:
        data: JsonDict = {"id": self.chat_id, "type": self.type}
        if self.user is not None:
            data["first_name"] = self.user.first_name
            if self.user.last_name is not None:
                data["last_name"] = self.user.last_name
            if self.user.username is not None:
                data["username"] = self.user.username
        if self.title is not None:
            data["title"] = self.title
        return data

    def full_info(self) -> JsonDict:
        """``ChatFullInfo`` as ``getChat`` returns it."""
        return self.to_api() | {
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    def member_status(self, user_id: int) -> ChatMemberStatus | None:
        """Status of a user here, or None when the user has no relation to this chat."""
        if self.is_private:
            return "member" if self.user is not None and self.user.user_id == user_id else None
        return self.members.get(user_id, "left")


class SandboxState:
    """Users, chats, files, commands and the stream of bot-message events tests wait on."""

    def __init__(self, bot: BotIdentity, clock: Callable[[], float]) -> None:
        self.bot = bot
        self.clock = clock
        self.users: dict[int, SimUser] = {}
        self.chats: dict[int, ChatRecord] = {}
        self.files = FileStore()
        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        self.commands: dict[tuple[str, str], list[JsonDict]] = {}
        self.violations: list[Violation] = []
        self._events: list[SentMessage] = []
        self._cursors: dict[int, int] = {}
        self._changed = asyncio.Condition()
        self._callback_counter = 0
        self.listeners: list[Callable[[SentMessage], None]] = []

    def now(self) -> int:
        return int(self.clock())

    def chat(self, chat_id: int) -> ChatRecord:
        """The chat for a control-side call; unknown ids are the caller's mistake."""
        chat = self.chats.get(chat_id)
        if chat is None:
            raise SandboxError(f"chat {chat_id} does not exist; create it first")
        return chat

    def user(self, user_id: int) -> SimUser:
        user = self.users.get(user_id)
        if user is None:
            raise SandboxError(f"user {user_id} does not exist; add it first")
        return user

    def find_chat(self, raw_chat_id: str | None) -> ChatRecord | None:
        """The chat a Bot API request names (by id or ``@username``), if the bot can see it."""
        if raw_chat_id is None:
            return None
        try:
            return self.chats.get(int(raw_chat_id))
        except ValueError:
            username = raw_chat_id.removeprefix("@")
            for chat in self.chats.values():
                if chat.user is not None and chat.user.username == username:
                    return chat
            return None

    def new_callback_query_id(self) -> str:
        self._callback_counter += 1
        return f"{4_000_000_000_000 + self._callback_counter}"

    def message_json(self, record: BotMessageRecord) -> JsonDict:
        chat = self.chats[record.chat_id]
        data: JsonDict = {
            "message_id": record.message_id,
            "from": self.bot.to_api(),
            "chat": chat.to_api(),
            "date": record.date,
        }
        if record.text is not None:
            data["text"] = record.text.text
            if record.text.entities:
                data["entities"] = [entity.to_api() for entity in record.text.entities]
        if record.photo is not None:
            data["photo"] = record.photo.photo_sizes()
        if record.document is not None:
            data["document"] = record.document.document()
        if record.caption is not None:
            data["caption"] = record.caption.text
            if record.caption.entities:
                data["caption_entities"] = [e.to_api() for e in record.caption.entities]
        if record.inline_keyboard is not None:
            data["reply_markup"] = record.inline_keyboard.to_api()
        if record.edit_date is not None:
            data["edit_date"] = record.edit_date
        return data

    async def publish(self, record: BotMessageRecord) -> None:
        """Record a new or edited bot message and wake whoever waits for one."""
        snapshot = record.snapshot()
        for listener in self.listeners:
            listener(snapshot)
        async with self._changed:
            self._events.append(snapshot)
            self._changed.notify_all()

    async def wait_for_message(
        self, chat_id: int, predicate: MessagePredicate | None, within: float
    ) -> SentMessage:
        """The next bot message or edit in the chat matching ``predicate``.

        Each chat has a read position: a returned event and the events before it are
        consumed, so consecutive calls walk through the bot's replies in order.
        """
        self.chat(chat_id)
        found: list[SentMessage] = []

        def matched() -> bool:
            for index in range(self._cursors.get(chat_id, 0), len(self._events)):
                event = self._events[index]
                if event.chat_id == chat_id and (predicate is None or predicate(event)):
                    self._cursors[chat_id] = index + 1
                    found.append(event)
                    return True
            return False

        async with self._changed:
            try:
                async with asyncio.timeout(within):
                    await self._changed.wait_for(matched)
            except TimeoutError:
                seen = [event.text for event in self._events if event.chat_id == chat_id]
                raise TimeoutError(
                    f"no matching bot message in chat {chat_id} within {within}s; "
                    f"bot messages and edits so far: {seen!r}"
                ) from None
        return found[0]

    def transcript(self, chat_id: int) -> Transcript:
        chat = self.chat(chat_id)
        return Transcript(
            chat_id=chat_id,
            messages=tuple(record.snapshot() for record in chat.bot_messages.values()),
            user_messages=tuple(record.snapshot(chat_id) for record in chat.user_messages.values()),
            callback_answers=tuple(chat.callback_answers),
            chat_actions=tuple(chat.chat_actions),
        )
