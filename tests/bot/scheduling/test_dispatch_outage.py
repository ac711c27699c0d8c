"""A PostgreSQL outage mid-dispatch: connections cut (through a TCP proxy the test controls,
so the real server stays up for everyone else) and restored 2 s later. Every due check-in is
sent, none twice."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter

import pytest
from conftest import START
from scheduling_support import FakeTransport, checkin_rows, make_dispatcher
from sqlalchemy.engine import make_url
from test_dispatch_concurrency import _bulk_due

from bot.clock import FakeClock
from bot.services.conversation import ConversationService
from bot.services.replies import Outgoing
from bot.services.transport import DeliveryError
from bot.settings import Settings
from storage.db import create_engine, session_factory
from surveys.model import Survey

COUNT = 200


class CuttableProxy:
    """Pipes TCP to the database; :meth:`cut` drops every connection and refuses new ones."""

    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._writers: set[asyncio.StreamWriter] = set()
        self.down = False
        self.cuts = 0
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.down:
            writer.close()
            return
        up_reader, up_writer = await asyncio.open_connection(*self._target)
        self._writers |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()
            self._writers.discard(writer)

    def cut(self, seconds: float) -> None:
        self.down = True
        self.cuts += 1
        for writer in list(self._writers):
            writer.transport.abort()
        asyncio.get_running_loop().call_later(seconds, self.restore)

    def restore(self) -> None:
        self.down = False

    async def close(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in list(self._writers):
            writer.transport.abort()


async def test_a_database_outage_mid_dispatch_sends_every_check_in_once(
    db_url: str, survey: Survey, settings: Settings, clock: FakeClock, transport: FakeTransport
) -> None:
    url = make_url(db_url)
    if url.get_backend_name() != "postgresql":
        pytest.skip("the outage is of a PostgreSQL server")
    await _bulk_due(db_url, COUNT)
    proxy = CuttableProxy(url.host or "127.0.0.1", url.port or 5432)
    port = await proxy.start()
    engine = create_engine(url.set(host="127.0.0.1", port=port).render_as_string(False))

    def outage(chat_id: int, message: Outgoing) -> DeliveryError | None:
        if transport.calls == COUNT // 2:  # halfway through: the database goes away for 2 s
            proxy.cut(2.0)
        return None

    transport.chaos = outage
    try:
        sessions = session_factory(engine)
        conversation = ConversationService(sessions, survey, settings, clock)
        dispatcher = make_dispatcher(
            sessions, survey, settings, clock, transport, conversation, concurrency=20
        )
        for _ in range(30):  # the scheduler's ticks; a tick may fail while the database is away
            try:
                await dispatcher.dispatch_due()
            except Exception:
                await asyncio.sleep(0.5)
            rows = await checkin_rows(sessions)
            if all(r.status == "sent" for r in rows):
                break
            if not proxy.down:  # claims whose commit was lost are recovered after the lease
                clock.advance(dt.timedelta(seconds=61))
        rows = await checkin_rows(sessions)
    finally:
        await engine.dispose()
        await proxy.close()
    questions = Counter(q.checkin_id for q in transport.questions())
    assert proxy.cuts == 1
    assert {r.status for r in rows} == {"sent"}
    assert len(questions) == COUNT
    assert set(questions.values()) == {1}  # 0 duplicates
    assert min(r.sent_at for r in rows if r.sent_at) >= START
