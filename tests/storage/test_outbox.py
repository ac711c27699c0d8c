"""The outbox's claims: two processes never send one message twice, a lost claim cannot
overwrite another's outcome, and unknown outcomes are counted."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import FakeClock
from bot.ops.heartbeat import Heartbeat
from bot.scheduling import OutboxSender
from bot.services.replies import Edit, Keyboard, Outgoing
from bot.services.transport import Transient
from storage import instances, outbox
from storage.db import create_engine, session_factory
from storage.models import OutboxMessage

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
LEASE = dt.timedelta(seconds=45)


class Recorder:
    """Telegram accepting every message (after a pause, so two senders overlap)."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, chat_id: int, message: Outgoing) -> int:
        await asyncio.sleep(0)
        self.sent.append(message.text)
        return len(self.sent)

    async def edit(self, chat_id: int, edit: Edit) -> None: ...

    async def send_photo(
        self, chat_id: int, png: bytes, caption: str, keyboard: Keyboard = ()
    ) -> int:
        return 0


async def test_two_processes_sweeping_one_outbox_send_each_message_once(db_url: str) -> None:
    engines = [create_engine(db_url), create_engine(db_url)]
    try:
        async with session_factory(engines[0]).begin() as session:
            for n in range(120):
                await outbox.enqueue(session, chat_id=n, kind="red_advice", text=f"m{n}", now=NOW)
        transport = Recorder()
        clock = FakeClock(NOW)
        senders = [
            OutboxSender(session_factory(e), transport, clock, instance=f"bot-{n}")
            for n, e in enumerate(engines)
        ]
        counts = await asyncio.gather(*(s.sweep() for s in senders))
        async with session_factory(engines[0])() as session:
            statuses = set((await session.scalars(select(OutboxMessage.status))).all())
    finally:
        for engine in engines:
            await engine.dispose()
    assert sum(counts) == 120
    assert sorted(transport.sent) == sorted(f"m{n}" for n in range(120))
    assert statuses == {"sent"}


async def test_a_claim_taken_over_after_its_lease_cannot_mark_the_message(
    engine: AsyncEngine,
) -> None:
    sessions = session_factory(engine)
    async with sessions.begin() as session:
        await outbox.enqueue(session, chat_id=1, kind="red_advice", text="call", now=NOW)
        [slow] = await outbox.claim(session, now=NOW, instance="slow", lease=LEASE, limit=5)
    later = NOW + LEASE
    async with sessions.begin() as session:
        [fresh] = await outbox.claim(session, now=later, instance="fresh", lease=LEASE, limit=5)
        assert not await outbox.mark_sent(session, slow, instance="slow", message_id=7, now=later)
        assert await outbox.mark_sent(session, fresh, instance="fresh", message_id=8, now=later)
        row = await session.scalar(select(OutboxMessage))
    assert row is not None
    assert (row.status, row.message_id, row.attempts) == ("sent", 8, 1)


async def test_a_send_whose_answer_never_came_is_retried_once_later_and_counted(
    engine: AsyncEngine,
) -> None:
    sessions = session_factory(engine)
    async with sessions.begin() as session:
        await outbox.enqueue(session, chat_id=1, kind="red_advice", text="call", now=NOW)

    class TimesOutOnce(Recorder):
        async def send(self, chat_id: int, message: Outgoing) -> int:
            if not self.sent:
                self.sent.append("lost in a timeout")
                raise Transient("Timed out")
            return await super().send(chat_id, message)

    clock = FakeClock(NOW)
    sender = OutboxSender(sessions, TimesOutOnce(), clock, instance="bot")
    assert await sender.sweep() == 0
    clock.advance(dt.timedelta(seconds=29))
    assert await sender.sweep() == 0  # not blindly at once
    clock.advance(dt.timedelta(seconds=1))
    assert await sender.sweep() == 1
    async with sessions() as session:
        stats = await outbox.stats(session)
        row = await session.scalar(select(OutboxMessage))
    assert row is not None
    assert (row.status, row.attempts, row.uncertain) == ("sent", 2, 1)
    assert (stats.pending, stats.uncertain) == (0, 1)


def heartbeat(engine: AsyncEngine, clock: FakeClock, name: str) -> Heartbeat:
    return Heartbeat(session_factory(engine), clock, name, host="ward-b", pid=7,
                     running=lambda *_: True)  # fmt: skip


async def test_a_live_processes_claim_is_never_taken_however_long_its_send_takes(
    engine: AsyncEngine,
) -> None:
    sessions = session_factory(engine)
    clock = FakeClock(NOW)
    slow = heartbeat(engine, clock, "slow")
    await slow.start()
    async with sessions.begin() as session:
        await outbox.enqueue(session, chat_id=1, kind="red_advice", text="call", now=NOW)
        await outbox.claim(session, now=NOW, instance="slow", lease=LEASE, limit=5)
    transport = Recorder()
    other = OutboxSender(sessions, transport, clock, instance="other")
    for _ in range(10 * 60 // 5):  # ten minutes, far past the lease, its heartbeat beating
        clock.advance(instances.BEAT)
        await slow.sweep()
        assert await other.sweep() == 0
    assert transport.sent == []


async def test_advice_claimed_by_a_dead_process_is_sent_a_few_beats_later_and_counted(
    engine: AsyncEngine,
) -> None:
    sessions = session_factory(engine)
    clock = FakeClock(NOW)
    await heartbeat(engine, clock, "crashed").start()
    async with sessions.begin() as session:
        await outbox.enqueue(session, chat_id=1, kind="red_advice", text="call", now=NOW)
        await outbox.claim(session, now=NOW, instance="crashed", lease=LEASE, limit=5)
    transport = Recorder()
    other = OutboxSender(sessions, transport, clock, instance="other")

    clock.advance(instances.STALE_AFTER)
    assert await other.sweep() == 0
    clock.advance(dt.timedelta(seconds=1))
    assert await other.sweep() == 1

    async with sessions() as session:
        row = await session.scalar(select(OutboxMessage))
    assert row is not None
    assert transport.sent == ["call"]
    # The dead process may have sent it before dying: the re-send is counted.
    assert (row.status, row.claimed_by, row.message_id, row.uncertain) == ("sent", "other", 1, 1)


async def test_advice_of_a_cleanly_stopped_process_is_sent_at_the_next_sweep(
    engine: AsyncEngine,
) -> None:
    sessions = session_factory(engine)
    clock = FakeClock(NOW)
    stopping = heartbeat(engine, clock, "stopping")
    await stopping.start()
    async with sessions.begin() as session:
        await outbox.enqueue(session, chat_id=1, kind="red_advice", text="call", now=NOW)
        await outbox.claim(session, now=NOW, instance="stopping", lease=LEASE, limit=5)
    await stopping.stop()
    transport = Recorder()

    sent = await OutboxSender(sessions, transport, clock, instance="other").sweep()

    assert (sent, transport.sent) == (1, ["call"])
