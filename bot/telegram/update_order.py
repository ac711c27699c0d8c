"""Updates from different chats handled at once, each chat's updates in the order received.

python-telegram-bot handles updates one at a time unless given an update processor; one at
a time, every patient's tap waits for every earlier tap in any chat (its database work and
its Telegram calls). :class:`ChatOrderedProcessor` runs updates concurrently but chains the
updates of one chat: the next starts when the previous has finished, so a patient's answers
are stored in the order they were given and a double tap is seen as one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.telegram.rate_limiter import REPLYING

__all__ = ["DEFAULT_CONCURRENT_UPDATES", "ChatOrderedProcessor", "chat_key"]

DEFAULT_CONCURRENT_UPDATES = 64
"""Updates in progress at once (beyond it, python-telegram-bot's semaphore queues them)."""


def chat_key(update: object) -> int | None:
    """The chat an update belongs to (its user's, without a chat); None for the rest."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
    return None


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Concurrent across chats, in order within a chat.

    Each update waits for the previous update of its chat to finish (whether it succeeded
    or failed). The order is taken when python-telegram-bot hands the update over, which it
    does in the order the updates arrived.
    """

    def __init__(self, max_concurrent_updates: int = DEFAULT_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._last: dict[int | None, asyncio.Event] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        previous = self._last.get(key)
        finished = asyncio.Event()
        self._last[key] = finished
        REPLYING.set(True)  # this task answers someone: its calls go first
        try:
            if previous is not None:
                await previous.wait()
            await coroutine
        finally:
            finished.set()
            if self._last.get(key) is finished:
                del self._last[key]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
