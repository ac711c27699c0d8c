"""Batches of raw rows read through the database driver's own cursor, for the export's big query.

SQLAlchemy's result layer (a Row object and type processors per row, plus the async adaptor)
costs several times what the driver itself does; for the millions of rows of an export the
query is compiled by SQLAlchemy and then read directly: aiosqlite's cursor (``sqlite3`` in its
worker thread, ``BATCH`` rows per hop) or an asyncpg cursor (``BATCH`` rows per round trip).
Values arrive as the driver gives them: the caller converts (see ``storage.export.queries``).
Other dialects go through SQLAlchemy's streaming result, with its own conversions.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from contextlib import AsyncExitStack
from typing import Any, Literal

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncConnection

__all__ = ["Flavour", "driver_batches"]

Flavour = Literal["sqlite", "postgresql", "converted"]
"""How the rows' values look: ``sqlite`` (text times, JSON text, 0/1 booleans), ``postgresql``
(asyncpg: aware datetimes, decoded JSON) or ``converted`` (SQLAlchemy's own types)."""


async def driver_batches(
    connection: AsyncConnection, statement: Select[*tuple[Any, ...]], batch: int
) -> tuple[Flavour, AsyncGenerator[Sequence[Sequence[Any]]]]:
    """The flavour of the rows, and their batches of at most ``batch`` rows in query order.

    Bound values are rendered as literals by SQLAlchemy's own literal processors (strings
    quoted and escaped), so the driver gets one plain SQL text.
    """
    dialect = connection.dialect
    sql = str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    if dialect.driver == "aiosqlite":
        return "sqlite", _aiosqlite_batches(connection, sql, batch)
    if dialect.driver == "asyncpg":
        return "postgresql", _asyncpg_batches(connection, sql, batch)
    return "converted", _sqlalchemy_batches(connection, statement, batch)


async def _aiosqlite_batches(
    connection: AsyncConnection, sql: str, batch: int
) -> AsyncGenerator[Sequence[Sequence[Any]]]:
    raw = (await connection.get_raw_connection()).driver_connection
    assert raw is not None
    cursor = await raw.execute(sql)
    try:
        while rows := await cursor.fetchmany(batch):
            yield rows
    finally:
        await cursor.close()


async def _asyncpg_batches(
    connection: AsyncConnection, sql: str, batch: int
) -> AsyncGenerator[Sequence[Sequence[Any]]]:
    raw = (await connection.get_raw_connection()).driver_connection
    assert raw is not None
    async with AsyncExitStack() as stack:
        if not raw.is_in_transaction():  # a cursor needs one; SQLAlchemy begins lazily
            await stack.enter_async_context(raw.transaction(readonly=True))
        cursor = await raw.cursor(sql)
        while rows := await cursor.fetch(batch):
            yield rows


async def _sqlalchemy_batches(
    connection: AsyncConnection, statement: Select[*tuple[Any, ...]], batch: int
) -> AsyncGenerator[Sequence[Sequence[Any]]]:
    result = await connection.stream(statement.execution_options(yield_per=batch))
    async for rows in result.partitions():
        yield rows
