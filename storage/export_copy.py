"""Write the long and the wide CSV file straight from the database (see ``storage.export_sql``).

PostgreSQL: ``COPY (SELECT …) TO STDOUT WITH (FORMAT csv)`` through asyncpg, the bytes written
as they arrive (rows end in CRLF as Python's ``csv`` module writes them). SQLite: the stdlib
``sqlite3`` module in worker threads, ``fetchmany`` batches written with ``csv.writer``. The two
files are written at once, each by its own connection (two CPUs); PostgreSQL's second
connection imports the first one's snapshot, so both files show the same moment. Memory stays
flat: batches, plus per-export lookup tables filled in batches (patients, clocks, questions).
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Sequence
from contextlib import AsyncExitStack, closing
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncEngine

from storage.export_sql import (
    WideCell,
    long_sql,
    table_ddl,
    unusual_values_sql,
    wide_sql,
)

__all__ = ["BATCH", "CellRules", "CsvJob", "copy_checkin_files"]

BATCH = 20_000
"""Rows per ``fetchmany`` (SQLite) and patients per insert into the lookup table."""

BOM = "\ufeff"


class CellRules(Protocol):
    """The Python rules for values the SQL cells leave to them (SQLite's ``x_*`` functions),
    given the stored value as the driver returns it and the question's type."""

    def value(self, question_type: str | None, stored: Any) -> str: ...
    def category(self, question_type: str | None, stored: Any) -> str: ...
    def own_words(self, question_type: str | None, stored: Any, raw: str) -> str: ...
    def wide(self, kind: str, option: str, stored: Any) -> str: ...


ClockOf = Callable[[str, str], tuple[int, int]]
Intervals = Callable[[dt.datetime, dt.datetime], Iterable[tuple[int, dt.datetime, int, str]]]


@dataclass(frozen=True)
class CsvJob:
    """Everything the two files need besides the database."""

    long_path: Path
    wide_path: Path
    long_header: Sequence[str]
    wide_header: Sequence[str]
    bom: bool
    since: dt.date | None
    patient_refs: tuple[str, ...]
    clock_of: ClockOf
    """(patient reference, zone) → (clock id, date shift in days)."""
    intervals: Intervals
    """The steps of the clocks handed out so far, exact from start to end (UTC)."""
    questions: Sequence[tuple[str, str, int, str, str]]
    """(form, question, position in the form, type, unit)."""
    wide: Sequence[WideCell]
    rules: CellRules

    def since_text(self) -> str | None:
        return None if self.since is None else self.since.isoformat()


async def copy_checkin_files(engine: AsyncEngine, job: CsvJob) -> tuple[int, int] | None:
    """Write both files; (long rows, wide rows), or None when this database cannot
    (another dialect, an in-memory SQLite, values only the Python export writes)."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:" or "mode=memory" in str(url):
            return None
        return await asyncio.to_thread(_sqlite_files, url.database, job)
    if url.get_backend_name() == "postgresql" and url.get_driver_name() == "asyncpg":
        return await _postgres_files(engine, job)
    return None


# -- SQLite ------------------------------------------------------------------------------


def _sqlite_files(database: str, job: CsvJob) -> tuple[int, int]:
    with tempfile.TemporaryDirectory(prefix="followup-export-") as scratch_folder:
        scratch = str(Path(scratch_folder) / "lookup.db")
        with closing(_sqlite_connect(database, scratch, job, writable=True)) as connection:
            _sqlite_fill(connection, job)
            connection.commit()
        since = job.since_text()
        long_query = long_sql("sqlite", since)
        wide_query = wide_sql("sqlite", since, list(job.wide))

        def long() -> int:
            return _sqlite_write(database, scratch, job, long_query, job.long_path,
                                 job.long_header)  # fmt: skip

        def wide() -> int:
            return _sqlite_write(database, scratch, job, wide_query, job.wide_path,
                                 job.wide_header)  # fmt: skip

        with _Threads() as threads:
            long_rows, wide_rows = threads.both(long, wide)
    return long_rows, wide_rows


class _Threads:
    """Two functions at once, each in its own thread (sqlite3 lets go of the GIL while the
    database works, so the long and the wide query share the two CPUs)."""

    def __enter__(self) -> _Threads:
        from concurrent.futures import ThreadPoolExecutor

        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="export")
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True)

    def both(self, first: Callable[[], int], second: Callable[[], int]) -> tuple[int, int]:
        a, b = self._pool.submit(first), self._pool.submit(second)
        return a.result(), b.result()


def _sqlite_connect(
    database: str, scratch: str, job: CsvJob, *, writable: bool
) -> sqlite3.Connection:
    # The ward's database is opened read-only; the lookup tables live in a scratch file.
    connection = sqlite3.connect(
        f"file:{quote(database)}?mode=ro", uri=True, check_same_thread=False
    )
    mode = "rwc" if writable else "ro"
    connection.execute("ATTACH DATABASE ? AS x", (f"file:{quote(scratch)}?mode={mode}",))
    rules = job.rules
    connection.create_function("x_value", 2, rules.value, deterministic=True)
    connection.create_function("x_category", 2, rules.category, deterministic=True)
    connection.create_function("x_own_words", 3, rules.own_words, deterministic=True)
    connection.create_function("x_wide", 3, rules.wide, deterministic=True)
    return connection


def _sqlite_fill(connection: sqlite3.Connection, job: CsvJob) -> None:
    for statement in table_ddl("sqlite"):
        connection.execute(statement)
    where, parameters = "", list(job.patient_refs)
    if parameters:
        where = f" WHERE ref IN ({', '.join('?' * len(parameters))})"
    cursor = connection.execute(f"SELECT id, ref, timezone FROM patient{where}", parameters)
    while rows := cursor.fetchmany(BATCH):
        connection.executemany(
            "INSERT INTO x.patient VALUES (?, ?, ?)",
            [(id_, *job.clock_of(ref, zone)) for id_, ref, zone in rows],
        )
    start, end = _span(connection.execute("SELECT min(due_at), max(closes_at) FROM checkin"))
    connection.executemany(
        "INSERT INTO x.clock VALUES (?, ?, ?, ?)",
        ((clock, f"{since:%Y-%m-%d %H:%M:%S}", seconds, offset)
         for clock, since, seconds, offset in job.intervals(start, end)),
    )  # fmt: skip
    connection.executemany("INSERT INTO x.question VALUES (?, ?, ?, ?, ?)", job.questions)


def _span(cursor: sqlite3.Cursor) -> tuple[dt.datetime, dt.datetime]:
    first, last = cursor.fetchone()
    now = dt.datetime.now(dt.UTC)
    return _utc(first) or now, _utc(last) or now


def _utc(value: str | dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _sqlite_write(
    database: str, scratch: str, job: CsvJob, query: str, path: Path, header: Sequence[str]
) -> int:
    count = 0
    with (
        closing(_sqlite_connect(database, scratch, job, writable=False)) as connection,
        _open(path, job.bom) as file,
    ):
        writer = csv.writer(file)
        writer.writerow(header)
        cursor = connection.execute(query)
        while rows := cursor.fetchmany(BATCH):
            writer.writerows(rows)
            count += len(rows)
    return count


def _open(path: Path, bom: bool) -> IO[str]:
    return path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="")


# -- PostgreSQL ---------------------------------------------------------------------------


async def _postgres_files(engine: AsyncEngine, job: CsvJob) -> tuple[int, int] | None:
    since = job.since_text()
    async with AsyncExitStack() as stack:
        first = await _postgres_connection(stack, engine)
        await first.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        snapshot = await first.fetchval("SELECT pg_export_snapshot()")
        second = await _postgres_connection(stack, engine)
        await second.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        await second.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
        await asyncio.gather(*(_postgres_fill_tables(c) for c in (first, second)))
        await _postgres_fill(first, second, job)
        if await first.fetchval(unusual_values_sql(since)):
            return None
        async with asyncio.TaskGroup() as group:  # one fails: the other is cancelled
            long_rows = group.create_task(_postgres_copy(
                first, long_sql("postgresql", since), job.long_path, job.long_header, job.bom))
            wide_rows = group.create_task(_postgres_copy(
                second, wide_sql("postgresql", since, list(job.wide)), job.wide_path,
                job.wide_header, job.bom))  # fmt: skip
        return long_rows.result(), wide_rows.result()
    return None  # pragma: no cover (the stack does not swallow exceptions)


async def _postgres_connection(stack: AsyncExitStack, engine: AsyncEngine) -> Any:
    connection = await stack.enter_async_context(engine.connect())
    raw = (await connection.get_raw_connection()).driver_connection
    assert raw is not None

    async def end() -> None:  # the export's transaction ends here, whatever happened
        try:
            await raw.execute("ROLLBACK")
        except Exception:  # e.g. a cancelled COPY: the connection is not reused
            await connection.invalidate()

    stack.push_async_callback(end)
    return raw


async def _postgres_fill_tables(connection: Any) -> None:
    for statement in table_ddl("postgresql"):
        await connection.execute(statement)


async def _postgres_fill(first: Any, second: Any, job: CsvJob) -> None:
    where, parameters = "", []
    if job.patient_refs:
        where, parameters = " WHERE ref = ANY($1::text[])", [list(job.patient_refs)]
    both = (first, second)
    cursor = await first.cursor(f"SELECT id, ref, timezone FROM patient{where}", *parameters)
    while rows := await cursor.fetch(BATCH):
        records = [(r[0], *job.clock_of(r[1], r[2])) for r in rows]
        await asyncio.gather(*(c.copy_records_to_table("x_patient", records=records)
                               for c in both))  # fmt: skip
    span = await first.fetchrow("SELECT min(due_at), max(closes_at) FROM checkin")
    now = dt.datetime.now(dt.UTC)
    intervals = list(job.intervals(_utc(span[0]) or now, _utc(span[1]) or now))
    questions = list(job.questions)
    for connection in both:
        await connection.copy_records_to_table("x_clock", records=intervals)
        await connection.copy_records_to_table("x_question", records=questions)
        await connection.execute("ANALYZE x_patient; ANALYZE x_clock; ANALYZE x_question")


class _CrlfRows:
    """COPY ends rows with LF; Python's csv module with CRLF. A newline outside quotes ends a
    row (one inside a quoted field is the field's own), so only those become CRLF."""

    def __init__(self, file: IO[bytes]) -> None:
        self._file = file
        self._quoted = False
        self.rows = 0

    def write(self, chunk: bytes) -> None:
        if not self._quoted and b'"' not in chunk:
            self.rows += chunk.count(b"\n")
            self._file.write(chunk.replace(b"\n", b"\r\n"))
            return
        parts = chunk.split(b'"')
        for index, part in enumerate(parts):
            if not self._quoted:
                self.rows += part.count(b"\n")
                parts[index] = part.replace(b"\n", b"\r\n")
            if index < len(parts) - 1:
                self._quoted = not self._quoted
        self._file.write(b'"'.join(parts))


async def _postgres_copy(
    connection: Any, query: str, path: Path, header: Sequence[str], bom: bool
) -> int:
    with path.open("wb") as file:
        head = _header_line(header)
        file.write(((BOM if bom else "") + head).encode())
        rows = _CrlfRows(file)

        async def sink(chunk: bytes) -> None:
            rows.write(chunk)

        await connection.copy_from_query(query, output=sink, format="csv")
    return rows.rows


def _header_line(header: Sequence[str]) -> str:
    class Line:
        text = ""

        def write(self, text: str) -> None:
            self.text += text

    line = Line()
    csv.writer(line).writerow(header)
    return line.text
