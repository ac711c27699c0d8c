"""Periodic clean-up: processed update ids are kept only as long as Telegram may redeliver.

Telegram keeps undelivered updates for 24 hours, so ids older than the retention period
(``FOLLOWUP_UPDATE_RETENTION_DAYS``, two weeks by default) can never come back.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from storage.updates import forget_updates_before

__all__ = ["Housekeeping"]

log = logging.getLogger(__name__)


class Housekeeping:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock, retention: dt.timedelta
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._retention = retention

    async def sweep(self) -> int:
        """Forget processed update ids older than the retention period; how many."""
        async with self._sessions.begin() as session:
            forgotten = await forget_updates_before(session, self._clock.now() - self._retention)
        if forgotten:
            log.info("forgot %s processed update ids", forgotten)
        return forgotten
