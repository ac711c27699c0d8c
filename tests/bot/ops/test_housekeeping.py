"""Processed update ids, and the rows of long-gone processes, are not kept for ever."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import FakeClock
from bot.ops.heartbeat import Heartbeat
from bot.ops.housekeeping import Housekeeping
from storage.db import session_factory
from storage.models import Instance, ProcessedUpdate
from storage.updates import mark_update_processed

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


async def test_update_ids_older_than_the_retention_are_purged(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with sessions.begin() as session:
        for update_id, age in ((1, 15 * DAY), (2, 14 * DAY + dt.timedelta(seconds=1)),
                               (3, 14 * DAY), (4, DAY)):  # fmt: skip
            await mark_update_processed(session, update_id, NOW - age)
    housekeeping = Housekeeping(sessions, FakeClock(NOW), 14 * DAY)
    assert await housekeeping.sweep() == 2
    assert await housekeeping.sweep() == 0
    async with sessions() as session:
        kept = (await session.scalars(select(ProcessedUpdate.update_id))).all()
    assert sorted(kept) == [3, 4]


async def test_processes_gone_for_a_week_are_forgotten(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    clock = FakeClock(NOW - 8 * DAY)
    beats = {
        name: Heartbeat(sessions, clock, name, host="ward-a", pid=n, running=lambda *_: True)
        for n, name in enumerate(("stopped-long-ago", "unseen-long-ago", "stopped-lately"))
    }
    for beat in beats.values():
        await beat.start()
    await beats["stopped-long-ago"].stop()
    clock.set(NOW - DAY)
    await beats["stopped-lately"].sweep()
    await beats["stopped-lately"].stop()
    clock.set(NOW)
    live = Heartbeat(sessions, clock, "live", host="ward-a", pid=9, running=lambda *_: True)
    await live.start()

    assert await Housekeeping(sessions, clock, 14 * DAY).sweep() == 2
    async with sessions() as session:
        kept = (await session.scalars(select(Instance.name))).all()
    assert sorted(kept) == ["live", "stopped-lately"]
