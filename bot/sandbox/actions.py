"""What simulated users do: write, run commands, press buttons, send media, block the bot."""

from __future__ import annotations

import base64
from typing import Any

from bot.sandbox.api_chats import chat_member_json
from bot.sandbox.errors import ApiError, ButtonNotFoundError, SandboxError
from bot.sandbox.files import StoredFile
from bot.sandbox.markup import utf16_len
from bot.sandbox.state import (
    BotMessageRecord,
    CallbackQueryRecord,
    ChatRecord,
    SandboxState,
    UserMessageRecord,
)
from bot.sandbox.types import ChatMemberStatus, JsonDict, SimUser, UserUpdate
from bot.sandbox.updates import UpdateQueue
from bot.sandbox.validation import MAX_CALLBACK_DATA_BYTES

__all__ = ["TINY_PNG", "UserActions"]

# A valid 1×1 PNG, the default picture a simulated user sends.
TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg=="
)
_PRESENT: frozenset[ChatMemberStatus] = frozenset(
    {"creator", "administrator", "member", "restricted"}
)


class UserActions:
    """Simulated-user actions; each returns the update the bot will receive."""

    _state: SandboxState
    _updates: UpdateQueue

    async def send_text(
        self, chat_id: int, text: str, *, user_id: int | None = None, reply_to: int | None = None
    ) -> UserUpdate:
        """The user writes ``text`` (in a group, ``user_id`` says who)."""
        fields: JsonDict = {"text": text}
        if reply_to is not None:
            fields["reply_to_message"] = self._replied(chat_id, reply_to)
        return await self._user_message(chat_id, user_id, "text", fields)

    async def send_command(
        self, chat_id: int, command: str, args: str = "", *, user_id: int | None = None
    ) -> UserUpdate:
        """The user sends ``/command args``; in groups addressed as ``/command@bot``."""
        chat = self._state.chat(chat_id)
        head = "/" + command.removeprefix("/")
        if not chat.is_private:
            head += "@" + self._state.bot.username
        text = f"{head} {args}" if args else head
        entity = {"type": "bot_command", "offset": 0, "length": utf16_len(head)}
        return await self._user_message(
            chat_id, user_id, "command", {"text": text, "entities": [entity]}
        )

    async def press_button(
        self,
        chat_id: int,
        label: str,
        *,
        user_id: int | None = None,
        message_id: int | None = None,
    ) -> UserUpdate:
        """Press the inline button ``label`` on the newest bot message showing it.

        With ``message_id``, a button of an earlier version of that message can be pressed
        too: a double tap before the edit that removed it reached the user's phone.
        """
        chat = self._state.chat(chat_id)
        record, data = self._find_button(chat, label, message_id)
        return await self._callback_query(chat, record, data, user_id)

    async def press_callback_data(
        self, chat_id: int, message_id: int, data: str, *, user_id: int | None = None
    ) -> UserUpdate:
        """A callback query with arbitrary ``data`` on a bot message, as a tampered client
        could send; the bot must not trust it."""
        chat = self._state.chat(chat_id)
        record = chat.bot_messages.get(message_id)
        if record is None or record.deleted:
            raise SandboxError(f"chat {chat_id} has no bot message {message_id}")
        if not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
            raise SandboxError("callback data must be 1-64 bytes, as clients send it")
        return await self._callback_query(chat, record, data, user_id)

    async def send_sticker(
        self, chat_id: int, emoji: str = "👍", *, user_id: int | None = None
    ) -> UserUpdate:
        stored = self._state.files.add("sticker", None)
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return await self._user_message(chat_id, user_id, "sticker", {"sticker": sticker})

    async def send_photo(
        self,
        chat_id: int,
        content: bytes = TINY_PNG,
        *,
        caption: str | None = None,
        user_id: int | None = None,
    ) -> UserUpdate:
        """The user sends a picture (PNG, JPEG or GIF bytes; a 1×1 PNG by default)."""
        try:
            stored = self._state.files.add("photo", content)
        except ApiError:
            raise SandboxError("photo content must be a PNG, JPEG or GIF image") from None
        fields: JsonDict = {"photo": stored.photo_sizes()}
        if caption:
            fields["caption"] = caption
        return await self._user_message(chat_id, user_id, "photo", fields)

    async def send_voice(
        self,
        chat_id: int,
        content: bytes = b"OggS\x00",
        *,
        duration: int = 3,
        user_id: int | None = None,
    ) -> UserUpdate:
        stored = self._state.files.add("voice", content, mime_type="audio/ogg")
        voice = self._file_fields(stored) | {"duration": duration, "mime_type": "audio/ogg"}
        return await self._user_message(chat_id, user_id, "voice", {"voice": voice})

    async def send_location(
        self, chat_id: int, latitude: float, longitude: float, *, user_id: int | None = None
    ) -> UserUpdate:
        location = {"latitude": latitude, "longitude": longitude}
        return await self._user_message(chat_id, user_id, "location", {"location": location})

    async def send_contact(
        self,
        chat_id: int,
        phone_number: str,
        *,
        first_name: str | None = None,
        user_id: int | None = None,
    ) -> UserUpdate:
        """The user shares a contact; without ``first_name`` it is their own contact."""
        chat = self._state.chat(chat_id)
        sender = self._sender(chat, user_id)
        contact: JsonDict = {"phone_number": phone_number}
        if first_name is None:
            contact |= {"first_name": sender.first_name, "user_id": sender.user_id}
        else:
            contact["first_name"] = first_name
        return await self._user_message(chat_id, sender.user_id, "contact", {"contact": contact})

    async def edit_text(self, chat_id: int, message_id: int, text: str) -> UserUpdate:
        """The user edits one of their text messages (an ``edited_message`` update)."""
        chat = self._state.chat(chat_id)
        record = chat.user_messages.get(message_id)
        if record is None or "text" not in record.payload:
            raise SandboxError(f"chat {chat_id} has no user text message {message_id}")
        payload = dict(record.payload) | {"text": text, "edit_date": self._state.now()}
        payload.pop("entities", None)
        record.payload = payload
        return await self._updates.push("edited_message", payload)

    async def block_bot(self, chat_id: int, *, user_id: int | None = None) -> UserUpdate:
        """The user blocks the bot (in a group: removes it); later sends get 403."""
        return await self._set_bot_blocked(chat_id, user_id, blocked=True)

    async def unblock_bot(self, chat_id: int, *, user_id: int | None = None) -> UserUpdate:
        return await self._set_bot_blocked(chat_id, user_id, blocked=False)

    async def _set_bot_blocked(
        self, chat_id: int, user_id: int | None, *, blocked: bool
    ) -> UserUpdate:
        chat = self._state.chat(chat_id)
        actor = self._actor(chat, user_id)
        if chat.bot_blocked == blocked:
            raise SandboxError(f"the bot is already {'blocked' if blocked else 'unblocked'}")
        old_status: ChatMemberStatus = "kicked" if chat.bot_blocked else chat.bot_status
        chat.bot_blocked = blocked
        new_status: ChatMemberStatus = "kicked" if blocked else chat.bot_status
        bot_user = self._state.bot.to_api()
        body = {
            "chat": chat.to_api(),
            "from": actor.to_api(),
            "date": self._state.now(),
            "old_chat_member": chat_member_json(old_status, bot_user),
            "new_chat_member": chat_member_json(new_status, bot_user),
        }
        return await self._updates.push("my_chat_member", body)

    async def _callback_query(
        self, chat: ChatRecord, record: BotMessageRecord, data: str, user_id: int | None
    ) -> UserUpdate:
        user = self._sender(chat, user_id)
        chat_id = chat.chat_id
        query_id = self._state.new_callback_query_id()
        self._state.callback_queries[query_id] = CallbackQueryRecord(
            query_id, chat_id, record.message_id, user.user_id, data
        )
        body: JsonDict = {
            "id": query_id,
            "from": user.to_api(),
            "message": self._state.message_json(record),
            "chat_instance": str(abs(chat_id) * 7919),
            "data": data,
        }
        return await self._updates.push("callback_query", body)

    def _actor(self, chat: ChatRecord, user_id: int | None) -> SimUser:
        if chat.is_private:
            return self._sender(chat, user_id)
        if user_id is None:
            raise SandboxError("say which user removes the bot from a group (user_id)")
        return self._state.user(user_id)

    def _sender(self, chat: ChatRecord, user_id: int | None) -> SimUser:
        if chat.is_private:
            assert chat.user is not None
            if user_id is not None and user_id != chat.user.user_id:
                raise SandboxError(f"user {user_id} cannot write in {chat.user.user_id}'s chat")
            return chat.user
        if user_id is None:
            raise SandboxError(f"chat {chat.chat_id} is a group: say which user acts (user_id)")
        user = self._state.user(user_id)
        if chat.members.get(user_id) not in _PRESENT:
            raise SandboxError(f"user {user_id} is not a member of group {chat.chat_id}")
        return user

    async def _user_message(
        self, chat_id: int, user_id: int | None, kind: str, fields: JsonDict
    ) -> UserUpdate:
        chat = self._state.chat(chat_id)
        user = self._sender(chat, user_id)
        if chat.bot_blocked:
            raise SandboxError(f"the bot is blocked in chat {chat_id}; unblock it first")
        payload: JsonDict = {
            "message_id": chat.new_message_id(),
            "from": user.to_api(),
            "chat": chat.to_api(),
            "date": self._state.now(),
            **fields,
        }
        chat.user_messages[payload["message_id"]] = UserMessageRecord(user.user_id, kind, payload)
        return await self._updates.push("message", payload)

    def _replied(self, chat_id: int, message_id: int) -> JsonDict:
        chat = self._state.chat(chat_id)
        if message_id in chat.bot_messages:
            return self._state.message_json(chat.bot_messages[message_id])
        if message_id in chat.user_messages:
            return dict(chat.user_messages[message_id].payload)
        raise SandboxError(f"chat {chat_id} has no message {message_id} to reply to")

    def _find_button(
        self, chat: ChatRecord, label: str, message_id: int | None
    ) -> tuple[BotMessageRecord, str]:
        candidates = [
            record
            for record in reversed(chat.bot_messages.values())
            if not record.deleted
            and record.inline_keyboard is not None
            and (message_id is None or record.message_id == message_id)
        ]
        for record in candidates:
            assert record.inline_keyboard is not None
            for row in record.inline_keyboard.rows:
                for button in row:
                    if button.text != label:
                        continue
                    if button.callback_data is None:
                        raise SandboxError(f"button {label!r} is not a callback button")
                    return record, button.callback_data
        stale = chat.bot_messages.get(message_id) if message_id is not None else None
        if stale is not None and not stale.deleted:
            for version in reversed(stale.history):
                for version_row in version.buttons:
                    for shown_button in version_row:
                        if shown_button.label == label and shown_button.callback_data:
                            return stale, shown_button.callback_data
        shown: list[Any] = [list(record.snapshot().button_labels) for record in candidates]
        raise ButtonNotFoundError(
            f"no inline button labelled {label!r} in chat {chat.chat_id}; "
            f"buttons shown (newest message first): {shown}"
        )

    @staticmethod
    def _file_fields(stored: StoredFile) -> JsonDict:
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
        }
