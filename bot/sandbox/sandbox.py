"""``BotApiSandbox``: a loopback Telegram Bot API for demos, end-to-end tests and benchmarks.

Usage::

    async with BotApiSandbox(token="123:abc") as sandbox:
        bot = telegram.Bot("123:abc", base_url=sandbox.base_url,
                           base_file_url=sandbox.base_file_url)
        sandbox.create_private_chat(42, "Mei", language_code="zh-Hans")
        await sandbox.send_command(42, "start")
        reply = await sandbox.wait_for_message(42)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

from bot.sandbox.actions import UserActions
from bot.sandbox.api import BotApi
from bot.sandbox.api_chats import chat_member_json
from bot.sandbox.context import ApiContext
from bot.sandbox.control import control_routes
from bot.sandbox.errors import SandboxError
from bot.sandbox.faults import FaultPlan
from bot.sandbox.ratelimit import RateLimiter, RateLimits, RateStats
from bot.sandbox.server import SandboxServer
from bot.sandbox.state import BotIdentity, ChatRecord, SandboxState
from bot.sandbox.types import (
    ChatMemberStatus,
    JsonDict,
    SentFile,
    SentMessage,
    SimUser,
    Transcript,
    UserUpdate,
    Violation,
)
from bot.sandbox.updates import UpdateQueue
from bot.sandbox.validation import command_scope_key
from bot.sandbox.webhook import WebhookDeliverer

__all__ = ["DEFAULT_TOKEN", "BotApiSandbox"]

DEFAULT_TOKEN = "1000001:sandbox-token"


class BotApiSandbox(UserActions):
    """A fake Telegram: the bot talks to it over HTTP, tests drive the users in-process.

    ``clock`` (epoch seconds) dates messages and drives the flood limits, so a test can
    step time instead of sleeping.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = "followup_demo_bot",
        bot_name: str = "Follow-up",
        rate_limits: RateLimits | None = None,
        clock: Callable[[], float] = time.time,
        fault_seed: int = 0,
        first_update_id: int = 1,
        webhook_retry_delay: float = 1.0,
    ) -> None:
        bot_id, _, secret = token.partition(":")
        if not bot_id.isdigit() or not secret:
            raise ValueError("a bot token looks like '<bot id>:<secret>'")
        self.token = token
        self._state = SandboxState(BotIdentity(int(bot_id), bot_name, bot_username), clock)
        self._updates = UpdateQueue(first_update_id)
        self.faults = FaultPlan(fault_seed)
        self._limiter = RateLimiter(rate_limits, clock)
        self._webhook = WebhookDeliverer(self._updates, clock, retry_delay=webhook_retry_delay)
        context = ApiContext(self._state, self._updates, self._webhook, self._limiter)
        self._api = BotApi(context, self.faults, token)
        self._server = SandboxServer(self._api, self._state.files, token, control_routes(self))
        self._host: str | None = None
        self._port: int | None = None

    # ---- lifecycle -------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Serve on a loopback address; port 0 picks a free one (see :attr:`port`)."""
        if self._port is not None:
            raise SandboxError("the sandbox is already running")
        self._updates.reopen()
        self._port = await self._server.start(host, port)
        self._host = host

    async def stop(self) -> None:
        """Answer pending long polls, stop webhook delivery and close the server."""
        await self._updates.close()
        await self._webhook.delete()
        await self._server.stop()
        self._port = None

    async def __aenter__(self) -> BotApiSandbox:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise SandboxError("the sandbox is not running; call start() first")
        return self._port

    @property
    def _origin(self) -> str:
        host = self._host or "127.0.0.1"
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For ``telegram.Bot(base_url=...)``: the library appends the token and method."""
        return f"{self._origin}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self._origin}/file/bot"

    @property
    def control_url(self) -> str:
        return f"{self._origin}/_control"

    # ---- the world ---------------------------------------------------------------------

    @property
    def bot_user_id(self) -> int:
        return self._state.bot.user_id

    @property
    def bot_username(self) -> str:
        return self._state.bot.username

    def add_user(
        self,
        user_id: int,
        first_name: str,
        *,
        language_code: str | None = "en",
        last_name: str | None = None,
        username: str | None = None,
    ) -> SimUser:
        """A user who exists (e.g. a nurse in a group) but has no private chat with the bot."""
        if user_id <= 0:
            raise SandboxError("user ids are positive")
        if user_id == self.bot_user_id:
            raise SandboxError("that id belongs to the bot")
        user = SimUser(user_id, first_name, language_code, last_name, username)
        self._state.users[user_id] = user
        return user

    def create_private_chat(
        self,
        user_id: int,
        first_name: str,
        *,
        language_code: str | None = "en",
        last_name: str | None = None,
        username: str | None = None,
    ) -> SimUser:
        """A user with a private chat with the bot; as on Telegram, chat id = user id."""
        if user_id in self._state.chats:
            raise SandboxError(f"chat {user_id} already exists")
        user = self.add_user(
            user_id,
            first_name,
            language_code=language_code,
            last_name=last_name,
            username=username,
        )
        self._state.chats[user_id] = ChatRecord(chat_id=user_id, type="private", user=user)
        return user

    def create_group(
        self,
        chat_id: int,
        title: str,
        members: Mapping[int, ChatMemberStatus],
        *,
        supergroup: bool = False,
        bot_status: ChatMemberStatus = "member",
    ) -> int:
        """A group the bot is in; ``members`` maps known user ids to their status."""
        if chat_id >= 0:
            raise SandboxError("group chat ids are negative")
        if chat_id in self._state.chats:
            raise SandboxError(f"chat {chat_id} already exists")
        for user_id in members:
            self._state.user(user_id)
        self._state.chats[chat_id] = ChatRecord(
            chat_id=chat_id,
            type="supergroup" if supergroup else "group",
            title=title,
            members=dict(members),
            bot_status=bot_status,
        )
        return chat_id

    async def set_member_status(
        self, chat_id: int, user_id: int, status: ChatMemberStatus
    ) -> UserUpdate:
        """Change a group member's status (a ``chat_member`` update, if the bot asked for it)."""
        chat = self._state.chat(chat_id)
        if chat.is_private:
            raise SandboxError("membership only changes in groups")
        user = self._state.user(user_id)
        old = chat.members.get(user_id, "left")
        chat.members[user_id] = status
        body = {
            "chat": chat.to_api(),
            "from": user.to_api(),
            "date": self._state.now(),
            "old_chat_member": chat_member_json(old, user.to_api()),
            "new_chat_member": chat_member_json(status, user.to_api()),
        }
        return await self._updates.push("chat_member", body)

    # ---- what happened -----------------------------------------------------------------

    def transcript(self, chat_id: int) -> Transcript:
        return self._state.transcript(chat_id)

    async def wait_for_message(
        self,
        chat_id: int,
        predicate: Callable[[SentMessage], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - a deadline for the whole wait, as documented
    ) -> SentMessage:
        """The next new or edited bot message in the chat matching ``predicate``.

        Each call consumes what it returns (and what it skipped), so successive calls
        see successive replies. Raises TimeoutError after ``timeout`` seconds.
        """
        return await self._state.wait_for_message(chat_id, predicate, timeout)

    def listen(self, listener: Callable[[SentMessage], None]) -> None:
        """Call ``listener`` with every new or edited bot message as it is recorded
        (benchmarks driving hundreds of chats, where waiting per chat would not scale)."""
        self._state.listeners.append(listener)

    @property
    def violations(self) -> tuple[Violation, ...]:
        """Requests Telegram would have refused because of what the bot sent."""
        return tuple(self._state.violations)

    def clear_violations(self) -> None:
        self._state.violations.clear()

    @property
    def rate_stats(self) -> RateStats:
        return self._limiter.stats()

    def my_commands(
        self, scope: Mapping[str, Any] | None = None, language_code: str = ""
    ) -> list[JsonDict]:
        """The command menu the bot set for ``scope`` and ``language_code`` (exact match)."""
        return list(self._state.commands.get((command_scope_key(scope), language_code), []))

    @property
    def webhook_info(self) -> JsonDict:
        return self._webhook.info()

    @property
    def pending_update_count(self) -> int:
        return self._updates.pending_count()

    def file(self, file_id: str) -> SentFile | None:
        """A file the bot uploaded or a simulated user sent, by file id."""
        stored = self._state.files.get(file_id)
        return stored.sent() if stored is not None else None

    def update(self, update_id: int) -> Mapping[str, Any]:
        payload = self._updates.get(update_id)
        if payload is None:
            raise SandboxError(f"update {update_id} was never created")
        return payload

    async def wait_until_polling(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Return once the bot has a ``getUpdates`` long poll waiting (e.g. after startup)."""
        try:
            async with asyncio.timeout(timeout):
                await self._updates.until_polled()
        except TimeoutError:
            raise TimeoutError(f"the bot did not long-poll getUpdates within {timeout}s") from None

    async def redeliver(self, update_id: int) -> None:
        """Hand an already delivered update to the bot again (at-least-once delivery)."""
        await self._updates.redeliver(update_id)
