"""``INSERT … ON CONFLICT DO NOTHING`` for the database in use.

SQLAlchemy spells it per dialect; importing its PostgreSQL dialect costs a SQLite process
about 2 MiB it never needs, so the dialect is imported when the first statement for it is
built, and each statement is built once.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["insert_or_nothing"]


def insert_or_nothing(session: AsyncSession, table: Table, unique: str) -> Any:
    """An insert into ``table`` that skips a row whose ``unique`` column is taken (values
    are given as parameters, or added with ``.values()``)."""
    return _statement(session.get_bind().dialect.name, table, unique)


@cache
def _statement(dialect: str, table: Table, unique: str) -> Any:
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table).on_conflict_do_nothing(index_elements=[unique])
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table).on_conflict_do_nothing(index_elements=[unique])
