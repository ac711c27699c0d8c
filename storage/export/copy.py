"""Write the long and the wide CSV file straight from the database (see ``storage.export.sql``).

PostgreSQL: ``COPY (SELECT …) TO STDOUT WITH (FORMAT csv)`` through asyncpg, the bytes written
as they arrive (rows end in CRLF as Python's ``csv`` module writes them), both files at once
over two connections, the second importing the first one's snapshot so both files show the
same moment. SQLite: four worker processes (``storage.export.sqlite_worker``), each file in
two parts by check-in id, joined at the end. Memory stays flat: batches, plus per-export
lookup tables filled in batches (patients, clocks, questions).
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import itertools
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy.ext.asyncio import AsyncEngine

from storage.export.cells import WideCell
from storage.export.sql import (
    IdRange,
    long_sql,
    table_ddl,
    unusual_values_sql,
    wide_sql,
)
from storage.export.sqlite_worker import BATCH, CellRules, SqliteFile, fill_lookup, write_files

__all__ = ["BATCH", "CellRules", "CsvJob", "copy_checkin_files"]

BOM = "\ufeff"


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
    if url.get_backend_name() == "sqlite" and url.get_driver_name() == "aiosqlite":
        if not url.database or url.database == ":memory:" or "mode=memory" in str(url):
            return None
        return await _sqlite_files(url.database, job)
    if url.get_backend_name() == "postgresql" and url.get_driver_name() == "asyncpg":
        return await _postgres_files(engine, job)
    return None


# -- SQLite ------------------------------------------------------------------------------


PARTS = 2
"""Each file is written in this many parts at once (by check-in id): four processes keep
two CPUs busy, however the work falls between the long and the wide file."""


async def _sqlite_files(database: str, job: CsvJob) -> tuple[int, int]:
    since = job.since_text()
    rules = f"{type(job.rules).__module__}:{type(job.rules).__qualname__}"
    with tempfile.TemporaryDirectory(prefix="followup-export-") as folder:
        scratch = str(Path(folder) / "lookup.db")
        low, high = await asyncio.to_thread(
            fill_lookup, database, scratch, job.rules, table_ddl("sqlite"), job.patient_refs,
            job.clock_of, job.intervals, job.questions,
        )  # fmt: skip
        bounds = [low + (high - low) * part // PARTS for part in range(PARTS + 1)]
        ranges = list(itertools.pairwise(bounds))
        queries: list[tuple[str, Path, Sequence[str], Callable[[IdRange], str]]] = [
            ("long", job.long_path, job.long_header, lambda ids: long_sql("sqlite", since, ids)),
            ("wide", job.wide_path, job.wide_header,
             lambda ids: wide_sql("sqlite", since, list(job.wide), ids)),
        ]  # fmt: skip
        files: list[SqliteFile] = []
        rests: dict[Path, list[str]] = {}
        for name, whole, header, query in queries:
            paths = [str(whole)] + [str(Path(folder) / f"{name}-{n}.csv") for n in range(1, PARTS)]
            rests[whole] = paths[1:]
            files += [
                SqliteFile(database, scratch, rules, query(ids), part,
                           list(header) if part == paths[0] else None, job.bom)
                for part, ids in zip(paths, ranges, strict=True)
            ]  # fmt: skip
        counts = await write_files(files)
        for whole, parts in rests.items():
            await asyncio.to_thread(_append, whole, parts)
    return sum(counts[:PARTS]), sum(counts[PARTS:])


def _append(path: Path, parts: Sequence[str]) -> None:
    with path.open("ab") as whole:
        for part in parts:
            with Path(part).open("rb") as rest:
                shutil.copyfileobj(rest, whole, 1 << 22)


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
        for connection in (first, second):
            # Compiling these long expressions costs seconds and saves less (PostgreSQL's JIT).
            await connection.execute("SET LOCAL jit = off")
        await asyncio.gather(*(_postgres_fill_tables(c) for c in (first, second)))
        await _postgres_fill(first, second, job)
        if await first.fetchval(unusual_values_sql(since)):
            return None
        async with asyncio.TaskGroup() as group:  # one fails: the other is cancelled
            long_rows = group.create_task(
                _postgres_copy(
                    first, long_sql("postgresql", since), job.long_path, job.long_header, job.bom
                )
            )
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
    intervals = list(job.intervals(span[0] or now, span[1] or now))  # aware UTC times
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
