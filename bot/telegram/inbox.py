"""Polled updates stored before Telegram is told they arrived, replayed after a crash.

python-telegram-bot's Updater confirms the updates of one ``getUpdates`` answer by asking
for the next ones with a higher offset, before the application has handled them: a tap in
flight when the process dies would be lost. :class:`InboxRequest` wraps the request object
used for ``getUpdates`` only and stores every update of an answer (its Bot API JSON) before
returning it, so the confirming call comes after the row is committed. If the database does
not answer, the fetch fails, nothing is confirmed and polling retries.
:class:`InboxProcessor` marks each update handled once the application has finished with it;
:meth:`UpdateInbox.replay` puts the rows left unhandled into the application's queue at
start-up, ahead of anything polled. Webhook updates are kept the same way before Telegram is
answered (:mod:`bot.telegram.webhook`). Handlers skip an update id they already handled
(``processed_update``), so an update handled just before a crash is not handled twice.

Marking an update handled only spares its replay, so the marks wait and are written with
the next ``getUpdates`` answer or webhook update (in the transaction that stores its updates,
or alone when a fetch brings none) and when the bot stops: one transaction per fetch instead
of one per update.
A crash before they are written replays updates that the handlers then skip.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Update
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

from bot.clock import Clock
from bot.telegram.update_order import ChatOrderedProcessor
from storage.inbox import mark_updates_handled, store_updates, unhandled_updates

__all__ = ["InboxProcessor", "InboxRequest", "UpdateInbox"]

log = logging.getLogger(__name__)

_GET_UPDATES = "/getupdates"


class UpdateInbox:
    """The ``inbox_update`` table as the bot's intake sees it."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock
        self._pending: set[int] = set()  # stored or replayed here and not yet marked handled
        self._handled: list[int] = []  # of those, handled: marked with the next fetch

    async def store(self, body: bytes) -> None:
        """Keep the updates of one ``getUpdates`` answer (an error answer holds none), and
        write the handled marks waiting since the last answer."""
        answer = json.loads(body)
        updates = answer.get("result") if isinstance(answer, dict) and answer.get("ok") else None
        payloads = [u for u in updates or () if isinstance(u, dict) and "update_id" in u]
        handled, self._handled = self._handled, []
        if not payloads and not handled:
            return
        try:
            async with self._sessions.begin() as session:
                await store_updates(session, payloads, self._clock.now())
                await mark_updates_handled(session, handled, self._clock.now())
        except BaseException:
            self._handled[:0] = handled  # written with the next answer
            raise
        self._pending.update(int(payload["update_id"]) for payload in payloads)
        self._pending.difference_update(handled)

    async def keep(self, payload: dict[str, Any]) -> None:
        """Store one update (a webhook's POST) before Telegram is answered, with the handled
        marks waiting since the last one."""
        handled, self._handled = self._handled, []
        try:
            async with self._sessions.begin() as session:
                await store_updates(session, [payload], self._clock.now())
                await mark_updates_handled(session, handled, self._clock.now())
        except BaseException:
            self._handled[:0] = handled  # written with the next update
            raise
        self._pending.add(int(payload["update_id"]))
        self._pending.difference_update(handled)

    def handled(self, update_id: int) -> None:
        """The application has finished with the update: mark it with the next fetch (or
        webhook update)."""
        if update_id in self._pending:  # else not from the inbox (a job's own update)
            self._handled.append(update_id)

    async def flush(self) -> None:
        """Write the handled marks now (the bot is stopping)."""
        handled, self._handled = self._handled, []
        if not handled:
            return
        try:
            async with self._sessions.begin() as session:
                await mark_updates_handled(session, handled, self._clock.now())
        except Exception:  # replayed at the next start, where they are skipped as handled
            log.warning("could not mark %s updates handled", len(handled), exc_info=True)
            return
        self._pending.difference_update(handled)

    async def replay(self, application: Application[Any, Any, Any, Any, Any, Any]) -> int:
        """Queue the updates stored but not handled before; how many."""
        async with self._sessions() as session:
            payloads = await unhandled_updates(session)
        for payload in payloads:
            update = Update.de_json(payload, application.bot)
            self._pending.add(update.update_id)
            await application.update_queue.put(update)
        if payloads:
            log.warning("replaying %s updates received but not handled before", len(payloads))
        return len(payloads)


class InboxRequest(BaseRequest):
    """The ``getUpdates`` request object: stores each answer's updates before returning it."""

    def __init__(self, inner: BaseRequest, inbox: UpdateInbox) -> None:
        self._inner = inner
        self._inbox = inbox

    @property
    def read_timeout(self) -> float | None:
        return self._inner.read_timeout

    async def initialize(self) -> None:
        await self._inner.initialize()

    async def shutdown(self) -> None:
        await self._inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        status, body = await self._inner.do_request(
            url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
        )
        if status == 200 and url.lower().endswith(_GET_UPDATES):
            # Raising here (database down) makes the fetch a network error: python-telegram-
            # bot retries it with the same offset, so nothing is confirmed unstored.
            await self._inbox.store(body)
        return status, body


class InboxProcessor(ChatOrderedProcessor):
    """Chat-ordered processing that marks each update handled once it has run."""

    def __init__(self, inbox: UpdateInbox) -> None:
        super().__init__()
        self._inbox = inbox

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await super().do_process_update(update, coroutine)
        if isinstance(update, Update):
            self._inbox.handled(update.update_id)
