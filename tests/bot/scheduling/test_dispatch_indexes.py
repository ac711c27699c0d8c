"""Every query a tick runs finds its check-ins through an index, never a table scan."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from conftest import START
from scheduling_support import FakeTransport, Sessions, add_patient, plan
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import FakeClock
from bot.scheduling import Dispatcher


async def test_tick_queries_use_the_checkin_indexes(
    db_url: str,
    engine: AsyncEngine,
    sessions: Sessions,
    clock: FakeClock,
    transport: FakeTransport,
    dispatcher: Dispatcher,
) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("plans are checked on SQLite, whose planner does not depend on row counts")
    for n in range(3):
        await add_patient(sessions, clock, f"P{n}", [plan("day_1", START)], chat_id=960 + n)
    statements: list[tuple[str, Any]] = []

    def capture(_c: Any, _cur: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "UPDATE")):
            statements.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    for hours in (0, 4, 48):  # dispatch, remind, close and escalate
        clock.set(START + dt.timedelta(hours=hours))
        await dispatcher.tick()
    event.remove(engine.sync_engine, "before_cursor_execute", capture)

    scans = []
    async with engine.connect() as connection:
        for statement, parameters in statements:
            plan_rows = await connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, tuple(parameters)
            )
            details = [row[-1] for row in plan_rows]
            scans += [(statement.split()[:4], d) for d in details if d.startswith("SCAN checkin")]
    assert len(statements) > 20
    assert scans == []
