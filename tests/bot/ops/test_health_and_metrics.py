"""``/healthz`` and ``/metrics`` read the shared database and say what an operator needs."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.clock import FakeClock
from bot.ops import CountingTransport, Metrics
from bot.ops.heartbeat import Heartbeat
from bot.ops.http import ops_app
from bot.services.enrolment import enrol_patient
from bot.services.replies import Edit, Keyboard, Outgoing
from bot.services.transport import RetryLater, Transient
from bot.settings import Settings
from storage import instances
from storage.db import session_factory
from storage.outbox import enqueue
from surveys.loader import load_default_survey

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


class Ticker:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def get(metrics: Metrics, path: str) -> httpx.Response:
    app = ops_app(metrics, stale_after=90)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://ops") as client:
        return await client.get(path)


def sample(text: str, name: str) -> float:
    [line] = [line for line in text.splitlines() if line.startswith(name + " ")]
    return float(line.split()[-1])


@pytest.fixture
async def metrics(engine: AsyncEngine) -> AsyncIterator[tuple[Metrics, Ticker]]:
    ticker = Ticker()
    yield Metrics(session_factory(engine), FakeClock(NOW), monotonic=ticker), ticker


async def test_metrics_count_due_checkins_outbox_and_open_flags(
    metrics: tuple[Metrics, Ticker],
) -> None:
    m, ticker = metrics
    settings = Settings(_env_file=None, default_timezone="Europe/London")
    for ref in ("P-001", "P-002"):  # each has a baseline check-in due at once
        await enrol_patient(
            m.sessions, load_default_survey(), settings, FakeClock(NOW), ref=ref,
            surgery_date=NOW.date(),
        )  # fmt: skip
    async with m.sessions.begin() as session:
        await enqueue(session, chat_id=1, kind="red_advice", text="call", now=NOW)
    m.ticked()
    ticker.now += 12.5
    response = await get(m, "/metrics")
    assert response.status_code == 200
    text = response.text
    assert sample(text, "followup_checkins_due_unsent") == 2
    assert sample(text, 'followup_outbox_depth{status="pending"}') == 1
    assert sample(text, 'followup_outbox_depth{status="failed"}') == 0
    assert sample(text, 'followup_open_flags{level="red"}') == 0
    assert sample(text, "followup_last_tick_age_seconds") == 12.5
    assert sample(text, "followup_messages_sent_total") == 0


async def test_counting_transport_counts_sends_429s_and_unconfirmed_sends(
    metrics: tuple[Metrics, Ticker],
) -> None:
    m, _ = metrics

    class Flaky:
        calls = 0

        async def send(self, chat_id: int, message: Outgoing) -> int:
            self.calls += 1
            if self.calls == 2:
                raise RetryLater(3)
            if self.calls == 4:
                raise Transient("Timed out")
            return self.calls

        async def edit(self, chat_id: int, edit: Edit) -> None: ...

        async def send_photo(
            self, chat_id: int, png: bytes, caption: str, keyboard: Keyboard = ()
        ) -> int:
            return 0

    counting = CountingTransport(Flaky(), m)
    await counting.send(1, Outgoing("a"))
    with pytest.raises(RetryLater):
        await counting.send(1, Outgoing("b"))
    await counting.send(1, Outgoing("c"))
    with pytest.raises(Transient):
        await counting.send(1, Outgoing("d"))  # Telegram may have it: counted
    text = (await get(m, "/metrics")).text
    assert sample(text, "followup_messages_sent_total") == 2
    assert sample(text, "followup_rate_limited_total") == 1
    assert sample(text, "followup_sends_unconfirmed_total") == 1


async def test_metrics_count_the_live_processes(metrics: tuple[Metrics, Ticker]) -> None:
    m, _ = metrics
    clock = FakeClock(NOW - instances.STALE_AFTER - dt.timedelta(seconds=1))
    beats = [
        Heartbeat(m.sessions, clock, name, host="ward-b", pid=n, running=lambda *_: True)
        for n, name in enumerate(("bot-1", "bot-2", "bot-3"))
    ]
    for beat in beats:
        await beat.start()
    clock.set(NOW)
    await beats[0].sweep()  # seen now
    await beats[1].stop()  # stopped cleanly; bot-3 has not been seen for too long
    text = (await get(m, "/metrics")).text
    assert sample(text, "followup_instances_live") == 1


async def test_healthz_is_ok_then_fails_when_the_scheduler_stalls(
    metrics: tuple[Metrics, Ticker],
) -> None:
    m, ticker = metrics
    m.ticked()
    ok = await get(m, "/healthz")
    assert (ok.status_code, ok.json()) == (
        200,
        {"status": "ok", "problems": [], "last_tick_age_seconds": 0.0},
    )
    ticker.now += 91
    stalled = await get(m, "/healthz")
    assert (stalled.status_code, stalled.json()["problems"]) == (503, ["scheduler"])


@pytest.fixture
def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_healthz_and_metrics_say_503_when_the_database_is_unreachable(
    unused_port: int,
) -> None:
    # a server that refuses connections (a SQLite file that cannot open leaves aiosqlite's
    # worker thread behind to write into a later test's closed loop)
    engine = create_async_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{unused_port}/none")
    try:
        m = Metrics(session_factory(engine), FakeClock(NOW))
        health = await get(m, "/healthz")
        assert (health.status_code, health.json()["problems"]) == (503, ["database"])
        assert (await get(m, "/metrics")).status_code == 503
    finally:
        await engine.dispose()
