"""The bot's update queue: ``getUpdates`` offsets and long polling, webhook hand-off, redelivery.

Semantics follow Telegram: an update is confirmed (forgotten) once ``getUpdates`` is called
with a higher offset; a negative offset keeps only the last ``-offset`` updates;
``allowed_updates`` persists until changed and filters updates created afterwards.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass

from bot.sandbox.errors import ApiError, SandboxError
from bot.sandbox.types import JsonDict, UserUpdate

__all__ = ["ALL_UPDATE_TYPES", "DEFAULT_UPDATE_TYPES", "PendingUpdate", "UpdateQueue"]

ALL_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "message_reaction",
        "message_reaction_count",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
DEFAULT_UPDATE_TYPES = ALL_UPDATE_TYPES - {
    "chat_member",
    "message_reaction",
    "message_reaction_count",
}
MAX_LIMIT = 100


@dataclass
class PendingUpdate:
    update_id: int
    payload: JsonDict
    forced: bool = False  # redelivered: survives offset confirmation until handed out once


class UpdateQueue:
    def __init__(self, first_update_id: int = 1) -> None:
        self._next_id = first_update_id
        self._pending: list[PendingUpdate] = []
        self._log: dict[int, JsonDict] = {}
        self._allowed = DEFAULT_UPDATE_TYPES
        self._changed = asyncio.Condition()
        self._poll_generation = 0
        self._waiting_polls = 0
        self._closed = False

    @property
    def allowed_updates(self) -> frozenset[str]:
        return self._allowed

    def set_allowed_updates(self, types: Iterable[str]) -> None:
        """An empty list means Telegram's default (everything but member/reaction updates)."""
        wanted = frozenset(types) & ALL_UPDATE_TYPES
        self._allowed = wanted or DEFAULT_UPDATE_TYPES

    def pending_count(self) -> int:
        return len(self._pending)

    def drop_pending(self) -> None:
        self._pending.clear()

    def get(self, update_id: int) -> JsonDict | None:
        return self._log.get(update_id)

    async def push(self, kind: str, body: JsonDict) -> UserUpdate:
        """Create an update with the next id; queue it unless ``allowed_updates`` excludes it."""
        update_id = self._next_id
        self._next_id += 1
        payload: JsonDict = {"update_id": update_id, kind: body}
        self._log[update_id] = payload
        queued = kind in self._allowed
        if queued:
            async with self._changed:
                self._pending.append(PendingUpdate(update_id, payload))
                self._changed.notify_all()
        return UserUpdate(update_id=update_id, type=kind, payload=payload, queued=queued)

    async def redeliver(self, update_id: int) -> None:
        """Deliver an update again even though the bot already confirmed it."""
        payload = self._log.get(update_id)
        if payload is None:
            raise SandboxError(f"update {update_id} was never created")
        async with self._changed:
            for entry in self._pending:
                if entry.update_id == update_id:
                    entry.forced = True
                    break
            else:
                self._pending.append(PendingUpdate(update_id, payload, forced=True))
            self._changed.notify_all()

    async def poll(self, offset: int | None, limit: int | None, wait: float) -> list[JsonDict]:
        """``getUpdates``: confirm below ``offset``, then wait up to ``wait`` s for updates."""
        self._confirm(offset)
        size = min(max(limit or MAX_LIMIT, 1), MAX_LIMIT)
        async with self._changed:
            self._poll_generation += 1
            generation = self._poll_generation
            self._changed.notify_all()  # a newer poll terminates an older one, as on Telegram
            if wait > 0:
                self._waiting_polls += 1
                self._changed.notify_all()
                try:
                    async with asyncio.timeout(wait):
                        await self._changed.wait_for(
                            lambda: (
                                bool(self._pending)
                                or self._closed
                                or generation != self._poll_generation
                            )
                        )
                except TimeoutError:
                    pass
                finally:
                    self._waiting_polls -= 1
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            batch = self._ordered()[:size]
            for entry in batch:
                entry.forced = False
            return [entry.payload for entry in batch]

    async def until_polled(self) -> None:
        """Return once a ``getUpdates`` long poll is waiting for updates."""
        async with self._changed:
            await self._changed.wait_for(lambda: self._waiting_polls > 0)

    async def next_pending(self) -> PendingUpdate:
        """The next update for webhook delivery (it stays queued until :meth:`ack`)."""
        async with self._changed:
            await self._changed.wait_for(lambda: bool(self._pending))
            return self._ordered()[0]

    def ack(self, entry: PendingUpdate) -> None:
        if entry in self._pending:
            self._pending.remove(entry)

    async def close(self) -> None:
        """Answer every long poll at once (with what is queued) so the server can stop."""
        async with self._changed:
            self._closed = True
            self._changed.notify_all()

    def reopen(self) -> None:
        self._closed = False

    def _ordered(self) -> list[PendingUpdate]:
        forced = [entry for entry in self._pending if entry.forced]
        return forced + [entry for entry in self._pending if not entry.forced]

    def _confirm(self, offset: int | None) -> None:
        if not offset:
            return
        if offset < 0:
            keep = self._pending[offset:]
            self._pending = [entry for entry in self._pending if entry in keep or entry.forced]
            return
        self._pending = [
            entry for entry in self._pending if entry.update_id >= offset or entry.forced
        ]
