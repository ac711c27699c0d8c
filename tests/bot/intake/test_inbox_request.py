"""The getUpdates answer is stored before python-telegram-bot sees it; no database, no answer."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.error import NetworkError
from telegram.request import BaseRequest, RequestData

from bot.clock import FakeClock
from bot.telegram.inbox import InboxRequest, UpdateInbox
from storage.db import create_engine, session_factory
from storage.models import InboxUpdate

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
URL = "http://127.0.0.1:9/botTOKEN/getUpdates"
UPDATE = {
    "update_id": 41,
    "message": {
        "message_id": 7,
        "date": 1772441999,
        "chat": {"id": 5001, "type": "private"},
        "text": "6",
    },
}


class BotApiAnswer(BaseRequest):
    """The HTTP layer, answering every call with one fixed Bot API answer."""

    def __init__(self, answer: object) -> None:
        self._body = json.dumps(answer).encode()

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, *_: object
    ) -> tuple[int, bytes]:
        return 200, self._body


async def test_the_updates_are_stored_before_they_are_returned(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    request = InboxRequest(
        BotApiAnswer({"ok": True, "result": [UPDATE]}), UpdateInbox(sessions, FakeClock(NOW))
    )
    assert await request.post(URL) == [UPDATE]
    assert await request.post(URL) == [UPDATE]  # fetched again: still one row
    async with sessions() as session:
        rows = (await session.scalars(select(InboxUpdate))).all()
    assert [(r.update_id, r.payload, r.received_at, r.processed_at) for r in rows] == [
        (41, UPDATE, NOW, None)
    ]


async def test_other_calls_and_empty_answers_store_nothing(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    inbox = UpdateInbox(sessions, FakeClock(NOW))
    await InboxRequest(BotApiAnswer({"ok": True, "result": [UPDATE]}), inbox).post(
        URL.replace("getUpdates", "getMe")
    )
    await InboxRequest(BotApiAnswer({"ok": True, "result": []}), inbox).post(URL)
    async with sessions() as session:
        assert (await session.scalars(select(InboxUpdate))).all() == []


async def test_without_the_database_the_fetch_fails_and_confirms_nothing(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'followup.db'}")
    request = InboxRequest(
        BotApiAnswer({"ok": True, "result": [UPDATE]}),
        UpdateInbox(session_factory(engine), FakeClock(NOW)),
    )
    try:
        # A network error: the Updater retries with the same offset, so Telegram keeps it.
        with pytest.raises(NetworkError):
            await request.post(URL)
    finally:
        await engine.dispose()


async def test_handled_marks_are_written_with_the_next_fetch_in_one_statement(
    engine: AsyncEngine,
) -> None:
    sessions = session_factory(engine)
    inbox = UpdateInbox(sessions, FakeClock(NOW))
    second = {**UPDATE, "update_id": 42}
    await InboxRequest(BotApiAnswer({"ok": True, "result": [UPDATE, second]}), inbox).post(URL)
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    inbox.handled(41)
    inbox.handled(42)
    inbox.handled(99)  # never stored here (a webhook update): nothing to mark
    assert statements == [], "a handled update costs no transaction of its own"

    await InboxRequest(BotApiAnswer({"ok": True, "result": []}), inbox).post(URL)
    await inbox.flush()  # nothing left to write
    event.remove(engine.sync_engine, "before_cursor_execute", record)

    assert [s.split()[0] for s in statements] == ["UPDATE"]
    async with sessions() as session:
        rows = await session.execute(select(InboxUpdate.update_id, InboxUpdate.processed_at))
        assert sorted(rows) == [(41, NOW), (42, NOW)]


async def test_marks_waiting_when_the_bot_stops_are_written(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    inbox = UpdateInbox(sessions, FakeClock(NOW))
    await InboxRequest(BotApiAnswer({"ok": True, "result": [UPDATE]}), inbox).post(URL)
    inbox.handled(41)
    await inbox.flush()
    async with sessions() as session:
        assert (await session.scalars(select(InboxUpdate.processed_at))).all() == [NOW]
