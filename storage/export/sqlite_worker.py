"""The SQLite half of ``storage.export.copy``: lookup tables in a scratch file, and each CSV
file written by its own process (stdlib ``sqlite3``, ``fetchmany`` batches, ``csv.writer``).

Processes, not threads: ``sqlite3`` lets go of the GIL only inside each step of a query, so
two threads reading rows take turns; two processes use both CPUs. A worker is
``python -m storage.export.sqlite_worker`` given its :class:`SqliteFile` as JSON on standard input
(no ``multiprocessing``: it would import the caller's main module again), and it opens the
ward's database read-only.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import importlib
import json
import sqlite3
import sys
from asyncio.subprocess import PIPE
from collections.abc import Callable, Iterable, Sequence
from contextlib import closing
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

__all__ = ["BATCH", "CellRules", "SqliteFile", "fill_lookup", "write_file", "write_files"]

BATCH = 20_000
"""Rows per ``fetchmany``, and patients per insert into the lookup table."""


class CellRules(Protocol):
    """The Python rules for values the SQL cells leave to them (SQLite's ``x_*`` functions),
    given the stored value as the driver returns it and the question's type."""

    def value(self, question_type: str | None, stored: Any) -> str: ...
    def category(self, question_type: str | None, stored: Any) -> str: ...
    def own_words(self, question_type: str | None, stored: Any, raw: str) -> str: ...
    def wide(self, kind: str, option: str, stored: Any) -> str: ...


def connect(database: str, scratch: str, rules: CellRules, *, writable: bool = False
            ) -> sqlite3.Connection:  # fmt: skip
    """The ward's database read-only, with the scratch database of lookup tables as ``x``."""
    connection = sqlite3.connect(f"file:{quote(database)}?mode=ro", uri=True)
    mode = "rwc" if writable else "ro"
    connection.execute("ATTACH DATABASE ? AS x", (f"file:{quote(scratch)}?mode={mode}",))
    connection.create_function("x_value", 2, rules.value, deterministic=True)
    connection.create_function("x_category", 2, rules.category, deterministic=True)
    connection.create_function("x_own_words", 3, rules.own_words, deterministic=True)
    connection.create_function("x_wide", 3, rules.wide, deterministic=True)
    return connection


def fill_lookup(
    database: str,
    scratch: str,
    rules: CellRules,
    ddl: Sequence[str],
    patient_refs: Sequence[str],
    clock_of: Callable[[str, str], tuple[int, int]],
    intervals: Callable[[dt.datetime, dt.datetime], Iterable[tuple[int, dt.datetime, int, str]]],
    questions: Sequence[tuple[str, str, int, str, str]],
) -> tuple[int, int]:
    """Create and fill the lookup tables: patients (clock, shift), clock steps, questions.
    Returns the range of check-in ids (the first, and one past the last)."""
    with closing(connect(database, scratch, rules, writable=True)) as connection:
        for statement in ddl:
            connection.execute(statement)
        where = f" WHERE ref IN ({', '.join('?' * len(patient_refs))})" if patient_refs else ""
        cursor = connection.execute(f"SELECT id, ref, timezone FROM patient{where}",
                                    list(patient_refs))  # fmt: skip
        while rows := cursor.fetchmany(BATCH):
            connection.executemany(
                "INSERT INTO x.patient VALUES (?, ?, ?)",
                [(id_, *clock_of(ref, zone)) for id_, ref, zone in rows],
            )
        first, last = connection.execute(
            "SELECT min(due_at), max(closes_at) FROM checkin"
        ).fetchone()
        now = dt.datetime.now(dt.UTC)
        connection.executemany(
            "INSERT INTO x.clock VALUES (?, ?, ?, ?)",
            ((clock, f"{since:%Y-%m-%d %H:%M:%S}", seconds, offset)
             for clock, since, seconds, offset in intervals(_utc(first, now), _utc(last, now))),
        )  # fmt: skip
        connection.executemany("INSERT INTO x.question VALUES (?, ?, ?, ?, ?)", questions)
        connection.commit()
        low, high = connection.execute("SELECT min(id), max(id) FROM checkin").fetchone()
    return (low or 0, (high or 0) + 1)


def _utc(value: str | None, default: dt.datetime) -> dt.datetime:
    if value is None:
        return default
    return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class SqliteFile:
    """One CSV file to write from one query, by a worker process."""

    database: str
    scratch: str
    rules: str
    """Where the :class:`CellRules` class is: ``module:Class``."""
    query: str
    path: str
    header: list[str] | None
    """None: a part that follows another (no header, no byte-order mark)."""
    bom: bool

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    def cell_rules(self) -> CellRules:
        module, name = self.rules.split(":")
        rules: CellRules = getattr(importlib.import_module(module), name)()
        return rules


def write_file(job: SqliteFile) -> int:
    """Write the file; returns its rows (the header not counted)."""
    count = 0
    encoding = "utf-8-sig" if job.bom and job.header is not None else "utf-8"
    with (
        closing(connect(job.database, job.scratch, job.cell_rules())) as connection,
        Path(job.path).open("w", encoding=encoding, newline="") as file,
    ):
        writer = csv.writer(file)
        if job.header is not None:
            writer.writerow(job.header)
        cursor = connection.execute(job.query)
        while rows := cursor.fetchmany(BATCH):
            writer.writerows(rows)
            count += len(rows)
    return count


async def write_files(files: Sequence[SqliteFile]) -> list[int]:
    """Write the files at once, one worker process each; their row counts. When one worker
    fails, the others are stopped (killed) and the failure raised."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(_in_worker(file)) for file in files]
    except ExceptionGroup as failed:
        raise failed.exceptions[0] from failed
    return [task.result() for task in tasks]


async def _in_worker(file: SqliteFile) -> int:
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-m", __name__, stdin=PIPE, stdout=PIPE, stderr=PIPE
    )
    try:
        out, err = await worker.communicate(file.to_json().encode())
    except BaseException:  # cancelled: the worker does not outlive the export
        if worker.returncode is None:
            worker.kill()
            await worker.wait()
        raise
    if worker.returncode != 0:
        last = err.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
        raise RuntimeError(f"export worker failed ({worker.returncode}): {last[0]}")
    return int(out)


def main() -> None:
    print(write_file(SqliteFile(**json.load(sys.stdin))))


if __name__ == "__main__":
    main()
