"""Periodic clean-up: processed update ids are kept only as long as Telegram may redeliver.

Telegram keeps undelivered updates for 24 hours, so ids older than the retention period
(``FOLLOWUP_UPDATE_RETENTION_DAYS``, two weeks by default) can never come back. Polled updates
kept in the inbox until handled are deleted once handled (their id stays in the list above).
Rows of bot processes gone for a week are deleted (their claims were recovered long before).
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from storage.inbox import forget_handled_updates
from storage.instances import forget_gone
from storage.updates import forget_updates_before

__all__ = ["Housekeeping"]

log = logging.getLogger(__name__)

GONE_RETENTION = dt.timedelta(days=7)


class Housekeeping:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock, retention: dt.timedelta
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._retention = retention

    async def sweep(self) -> int:
        """Forget old processed update ids, handled inbox rows and long-gone processes; how
        many rows in all."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            forgotten = await forget_updates_before(session, now - self._retention)
            handled = await forget_handled_updates(session)
            gone = await forget_gone(session, now - GONE_RETENTION)
        if forgotten or handled or gone:
            log.info("forgot %s processed update ids, %s handled inbox updates, %s processes",
                     forgotten, handled, gone)  # fmt: skip
        return forgotten + handled + gone
