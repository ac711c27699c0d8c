"""Leadership for jobs that one process at a time should run (PostgreSQL advisory locks)."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = ["leadership"]


def _key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@asynccontextmanager
async def leadership(engine: AsyncEngine, name: str) -> AsyncIterator[bool]:
    """Yield whether this process leads job ``name`` for the duration of the block.

    On PostgreSQL a session-level advisory lock decides, so of several bot processes on
    one database only one runs the block at a time; SQLite serves one process, which
    always leads.
    """
    if engine.dialect.name != "postgresql":
        yield True
        return
    key = _key(name)
    async with engine.connect() as connection:
        leading = bool(await connection.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}))
        try:
            yield leading
        finally:
            if leading:
                await connection.scalar(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            await connection.commit()
