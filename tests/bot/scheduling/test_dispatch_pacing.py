"""Pacing, retries and quiet-hour zones, without the database."""

from __future__ import annotations

import asyncio
import datetime as dt
import heapq
import itertools
from collections.abc import Coroutine
from typing import Any

import pytest
from scheduling_support import local

from bot.scheduling import AwakeZones, ClaimExpired, DispatchPolicy, PacedTransport, Pacer
from bot.services.replies import Edit, Keyboard, Outgoing
from bot.services.transport import Blocked, DeliveryError, RetryLater, Transient
from surveys.model import Schedule


class Wall:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class VirtualTime:
    """Seconds that pass only when every task waits: sleepers wake in deadline order."""

    def __init__(self) -> None:
        self.now = 0.0
        self._timers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._timers, (self.now + seconds, next(self._order), future))
        await future

    async def run(self, *coroutines: Coroutine[Any, Any, None]) -> None:
        tasks = [asyncio.create_task(c) for c in coroutines]
        while not all(task.done() for task in tasks):
            for _ in range(100):  # every task runs until it waits
                await asyncio.sleep(0)
            if self._timers:
                self.now, _, future = heapq.heappop(self._timers)
                future.set_result(None)
            elif not all(task.done() for task in tasks):
                raise AssertionError("every task waits, and not for the time")
        await asyncio.gather(*tasks)


class Scripted:
    """A transport that fails as scripted, then succeeds; records when each send happened."""

    def __init__(self, wall: Wall, *errors: DeliveryError) -> None:
        self.wall = wall
        self.errors = list(errors)
        self.at: list[tuple[int, float]] = []

    async def send(self, chat_id: int, message: Outgoing) -> int:
        if self.errors:
            raise self.errors.pop(0)
        self.at.append((chat_id, self.wall.now))
        return len(self.at)

    async def edit(self, chat_id: int, edit: Edit) -> None:
        await self.send(chat_id, Outgoing(edit.text))

    async def send_photo(
        self, chat_id: int, png: bytes, caption: str, keyboard: Keyboard = ()
    ) -> int:
        return await self.send(chat_id, Outgoing(caption))


def paced(wall: Wall, transport: Scripted, **policy: object) -> PacedTransport:
    pacer = Pacer(None, 1.0, sleep=wall.sleep, monotonic=wall.time)
    return PacedTransport(
        transport, pacer, DispatchPolicy(**policy),  # type: ignore[arg-type]
        sleep=wall.sleep, monotonic=wall.time,
    )  # fmt: skip


async def test_messages_to_one_chat_are_a_second_apart_and_other_chats_do_not_wait() -> None:
    wall = Wall()
    transport = Scripted(wall)
    sender = paced(wall, transport)

    for chat_id in (1, 1, 2, 1, 3):
        await sender.send(chat_id, Outgoing("x"))

    assert transport.at == [(1, 0.0), (1, 1.0), (2, 1.0), (1, 2.0), (3, 2.0)]


async def test_the_interval_counts_from_when_telegram_answered() -> None:
    wall = Wall()

    class Slow(Scripted):
        async def send(self, chat_id: int, message: Outgoing) -> int:
            sent = await super().send(chat_id, message)
            self.wall.now += 0.7  # the request took 0.7 s
            return sent

    transport = Slow(wall)
    sender = paced(wall, transport)

    await sender.send(1, Outgoing("x"))
    await sender.send(1, Outgoing("y"))

    assert transport.at == [(1, 0.0), (1, 1.7)]


async def test_a_rate_limit_pauses_every_chat_for_retry_after() -> None:
    wall = Wall()
    transport = Scripted(wall, RetryLater(7))
    sender = paced(wall, transport)

    await sender.send(1, Outgoing("x"))
    await sender.send(2, Outgoing("y"))

    assert transport.at == [(1, 7.0), (2, 7.0)]


@pytest.mark.parametrize(
    ("errors", "raised", "sent_at"),
    [
        # backoff 0.5 s, then the chat's next one-second slot
        ((Transient("Timed out"),), None, 1.0),
        ((Transient("a"), Transient("b")), None, 2.0),  # backoff 0.5 s, then 1 s
        ((Transient("a"), Transient("b"), Transient("c")), Transient, None),  # 3 tries
        ((RetryLater(2), RetryLater(2), RetryLater(2)), None, 6.0),
        ((RetryLater(2),) * 4, RetryLater, None),  # 3 rate limits waited out, not 4
        ((RetryLater(31),), RetryLater, None),  # longer than max_retry_after: give it back
        ((Blocked("Forbidden"),), Blocked, None),
        ((DeliveryError("Bad Request"),), DeliveryError, None),
    ],
)
async def test_retries_by_kind_of_error(
    errors: tuple[DeliveryError, ...], raised: type[DeliveryError] | None, sent_at: float | None
) -> None:
    wall = Wall()
    transport = Scripted(wall, *errors)
    sender = paced(wall, transport)

    if raised is None:
        await sender.send(1, Outgoing("x"))
    else:
        with pytest.raises(raised):
            await sender.send(1, Outgoing("x"))
    assert transport.at == ([] if sent_at is None else [(1, sent_at)])
    assert transport.errors == []


async def test_no_message_starts_after_the_deadline() -> None:
    wall = Wall()
    transport = Scripted(wall, RetryLater(5))
    sender = paced(wall, transport).until(4.0)

    with pytest.raises(ClaimExpired):
        await sender.send(1, Outgoing("x"))
    assert transport.at == []


async def test_edits_are_paced_like_messages() -> None:
    wall = Wall()
    transport = Scripted(wall)
    sender = paced(wall, transport)

    await sender.send(1, Outgoing("x"))
    await sender.edit(1, Edit(1, "y"))

    assert transport.at == [(1, 0.0), (1, 1.0)]


async def test_messages_leave_evenly_at_the_rate_from_the_first() -> None:
    wall = Wall()
    pacer = Pacer(10, 0.0, sleep=wall.sleep, monotonic=wall.time)
    left = []

    for chat_id in (1, 2, 3, 4):
        async with pacer.slot(chat_id):
            left.append(wall.now)

    assert left == pytest.approx([0.0, 0.1, 0.2, 0.3])


async def test_a_timer_firing_late_is_made_up_by_the_next_message() -> None:
    wall = Wall()

    async def late(seconds: float) -> None:
        await wall.sleep(seconds + 0.02)  # a busy event loop

    pacer = Pacer(10, 0.0, sleep=late, monotonic=wall.time)
    left = []

    for chat_id in (1, 2, 3, 4):
        async with pacer.slot(chat_id):
            left.append(wall.now)

    assert left == pytest.approx([0.0, 0.12, 0.22, 0.32])  # not 0.24, 0.36


async def test_after_a_quiet_spell_the_schedule_starts_afresh_without_a_burst() -> None:
    wall = Wall()
    pacer = Pacer(10, 0.0, sleep=wall.sleep, monotonic=wall.time)
    left = []

    async with pacer.slot(1):
        left.append(wall.now)
    wall.now = 5.0
    for chat_id in (2, 3):
        async with pacer.slot(chat_id):
            left.append(wall.now)

    assert left == pytest.approx([0.0, 5.0, 5.1])


async def test_telegrams_window_counts_from_when_telegram_answered() -> None:
    """At most ``per_second`` messages within a second at Telegram, however long each takes:
    the fourth leaves a second after the first was answered, not after it left."""
    time = VirtualTime()
    pacer = Pacer(100, 0.0, per_second=3, sleep=time.sleep, monotonic=time.time)
    left: dict[int, float] = {}

    async def message(chat_id: int, takes: float) -> None:
        async with pacer.slot(chat_id):
            left[chat_id] = time.now
            await time.sleep(takes)

    await time.run(*(message(n, takes) for n, takes in enumerate([0.3] + [0.05] * 5, 1)))

    assert [left[n] for n in range(1, 7)] == pytest.approx([0, 0.01, 0.02, 1.3, 1.31, 1.32])


async def test_a_chats_next_message_waits_for_the_answer_to_its_last() -> None:
    time = VirtualTime()
    pacer = Pacer(100, 1.0, sleep=time.sleep, monotonic=time.time)
    left: list[tuple[int, float]] = []

    async def message(chat_id: int) -> None:
        async with pacer.slot(chat_id):
            left.append((chat_id, round(time.now, 6)))
            await time.sleep(0.5)

    await time.run(message(7), message(7), message(8))

    assert left == [(7, 0.0), (8, 0.01), (7, 1.5)]  # answered at 0.5, then a second


def test_pacer_refuses_a_rate_that_is_not_positive() -> None:
    with pytest.raises(ValueError, match="rate must be positive"):
        Pacer(0)


@pytest.mark.parametrize(
    ("utc", "quiet", "awake"),
    [
        (
            "2026-03-02 12:59:59",  # 20:59:59 in Shanghai, 07:59:59 in New York
            {"Australia/Sydney", "Pacific/Auckland", "America/New_York"},
            {"Asia/Shanghai", "Europe/London", "Asia/Kolkata"},
        ),
        (
            "2026-03-02 13:00:00",  # 21:00 in Shanghai
            {"Asia/Shanghai", "Australia/Sydney"},
            {"Europe/London", "America/New_York", "Asia/Kolkata"},
        ),
        (
            "2026-03-02 15:30:00",  # 21:00 in Kolkata (UTC+5:30)
            {"Asia/Kolkata", "Asia/Shanghai"},
            {"Europe/London", "America/New_York"},
        ),
        (
            "2026-03-29 20:00:00",  # 21:00 in London, summer time since this morning
            {"Europe/London", "Asia/Shanghai"},
            {"America/New_York", "UTC"},
        ),
        (
            "2026-03-08 12:00:00",  # 08:00 in New York, summer time since this morning
            {"Asia/Tokyo", "Australia/Sydney"},
            {"America/New_York", "Europe/London", "Asia/Shanghai"},
        ),
    ],
)
async def test_awake_zones_follow_each_zones_wall_clock(
    utc: str, quiet: set[str], awake: set[str]
) -> None:
    async def in_use() -> list[str]:
        return sorted(quiet | awake)

    assert await AwakeZones(Schedule()).at(local("UTC", utc), in_use) == awake


async def test_awake_zones_are_computed_once_a_minute_over_the_zones_in_use() -> None:
    readings: list[list[str]] = []

    async def in_use() -> list[str]:
        readings.append(["Asia/Shanghai", "Europe/London"])
        return readings[-1]

    zones = AwakeZones(Schedule())
    at = dt.datetime(2026, 3, 2, 13, 0, 5, tzinfo=dt.UTC)  # 21:00:05 in Shanghai

    first = await zones.at(at, in_use)
    again = await zones.at(at + dt.timedelta(seconds=50), in_use)
    earlier = await zones.at(at - dt.timedelta(seconds=10), in_use)

    assert first is again and first == {"Europe/London"}
    assert earlier == {"Asia/Shanghai", "Europe/London"}
    assert len(readings) == 2  # once per minute asked about


async def test_a_zone_nobody_knows_is_never_awake(caplog: pytest.LogCaptureFixture) -> None:
    async def in_use() -> list[str]:
        return ["Mars/Olympus_Mons", "Europe/London", "../etc"]

    zones = AwakeZones(Schedule())
    noon = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)

    assert await zones.at(noon, in_use) == {"Europe/London"}
    assert await zones.at(noon + dt.timedelta(minutes=1), in_use) == {"Europe/London"}
    unknown = [r for r in caplog.records if "no timezone" in r.getMessage()]
    assert len(unknown) == 2  # each name once, however often it is read
