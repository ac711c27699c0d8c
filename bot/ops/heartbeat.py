"""This process's heartbeat in the database, so others recover its claims soon after it dies.

:meth:`Heartbeat.start` registers the process under the name its claims carry (and marks
gone the processes of this host that are not running any more: a restart recovers their
claims at once); :meth:`Heartbeat.sweep` renews ``seen_at`` every :data:`storage.instances.
BEAT`; :meth:`Heartbeat.stop` marks it gone on a clean stop. See :mod:`storage.instances`.
"""

from __future__ import annotations

import itertools
import logging
import os
import socket
import uuid
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from storage import instances as store
from storage.db import retrying

__all__ = ["Heartbeat", "instance_name", "process_running"]

log = logging.getLogger(__name__)

_PROCESS = uuid.uuid4().hex[:8]  # tells this process from an earlier one with the same pid
_SEQUENCE = itertools.count(1)


def instance_name(base: str) -> str:
    """A name no other process (nor an earlier start of this one) uses: ``base:pid:token``."""
    return f"{base[:40]}:{os.getpid()}:{_PROCESS}{next(_SEQUENCE)}"


def process_running(pid: int, name: str) -> bool:
    """Whether the process of a row registered on this host still runs.

    Our own pid is running, but a row with it and another process token belonged to an
    earlier process (a container's process 1 before its restart).
    """
    if pid == os.getpid():
        return name.rsplit(":", 1)[-1].startswith(_PROCESS)
    if os.name != "posix":  # os.kill would end the process there: leave it to its heartbeat
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    return True


class Heartbeat:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        name: str,
        *,
        host: str | None = None,
        pid: int | None = None,
        running: Callable[[int, str], bool] = process_running,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self.name = name
        self._host = host or socket.gethostname()
        self._pid = os.getpid() if pid is None else pid
        self._running = running

    async def start(self) -> list[str]:
        """Register; returns the names of this host's dead processes now marked gone."""

        async def unit() -> list[str]:
            now = self._clock.now()
            async with self._sessions.begin() as session:
                await store.register(
                    session, name=self.name, host=self._host, pid=self._pid, now=now
                )
                return await store.supersede_dead_on_host(
                    session, name=self.name, host=self._host, now=now, alive=self._running,
                )  # fmt: skip

        gone = await retrying(unit)
        if gone:
            log.warning("processes gone from this host, their claims recovered: %s", gone)
        return gone

    async def sweep(self) -> int:
        """Renew ``seen_at`` (the periodic job); registers again if the row was lost."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            if await store.beat(session, self.name, now):
                return 1
            await store.register(session, name=self.name, host=self._host, pid=self._pid, now=now)
        log.warning("instance %s was marked gone while running: registered again", self.name)
        return 1

    async def stop(self) -> None:
        """A clean stop: gone, so other processes take over its claims at their next tick."""
        try:
            async with self._sessions.begin() as session:
                await store.stop(session, self.name, self._clock.now())
        except Exception:  # the database is away: the heartbeat goes stale instead
            log.warning("could not mark instance %s stopped", self.name, exc_info=True)
