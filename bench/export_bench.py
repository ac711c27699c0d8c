"""Export benchmark: the CSV export of a large database, on SQLite and PostgreSQL.

Usage::

    python -m bench.export_bench                       # 100,000 patients, SQLite + PostgreSQL
    python -m bench.export_bench --patients 10000 --no-postgres --output bench/export.md

``--patients`` enrolled patients with the default survey's plan (10 check-ins each, so
1,000,000 check-in rows by default) at every stage of their year, as in the dispatcher
benchmark; every completed check-in gets the answers of its form (COPY on PostgreSQL,
the driver's ``executemany`` on SQLite). Then
``followup export csv`` runs through :class:`~bot.export.ExportService` and the wall time,
rows written and peak memory (traced Python allocations, and max RSS of this process) are
reported; CPU counts the SQLite export's worker processes too. Target:
under 60 s per database. Results are printed, and written to ``--output`` only when given.
This is a benchmark, not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import functools
import os
import platform
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Column, Dialect, Table, insert, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bench.dispatch_bench import _max_rss_mib, _postgres_database, cohort_rows
from bot.clock import FakeClock
from bot.export import ExportOptions, ExportService
from storage.db import create_engine, session_factory, upgrade_async
from storage.models import Answer, Checkin, Enrolment, Patient
from surveys.loader import load_default_survey
from surveys.model import Survey

__all__ = ["main"]

NOW = dt.datetime(2026, 6, 1, 6, 30, tzinfo=dt.UTC)
WALKS = ({"metres": 30.0, "category": "under_50"}, {"metres": 300.0, "category": "m100_500"},
         {"metres": None, "category": "over_1000"})  # fmt: skip


def _answers(survey: Survey, checkins: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Plausible answers for every completed check-in: each question of its form once."""
    for row in checkins:
        if row["status"] != "completed":
            continue
        n = row["id"]
        at = row["due_at"] + dt.timedelta(minutes=5)
        for question in survey.form(row["form"]).questions:
            value: Any
            match question.type:
                case "scale":
                    value = n % 11
                case "yes_no":
                    value = n % 2 == 0
                case "single_choice":
                    value = question.options[n % len(question.options)].id
                case "multi_choice":
                    value = [question.options[-1].id]
                case "distance":
                    value = WALKS[n % 3]
                case _:
                    continue  # notes and shown-if questions left unanswered
            if question.show_if:
                continue
            yield {"checkin_id": n, "question_id": question.id, "raw": None, "value": value,
                   "survey_version": survey.version, "answered_at": at,
                   "answered_by": "patient"}  # fmt: skip


async def load(engine: AsyncEngine, survey: Survey, patients: int) -> tuple[int, int]:
    checkin_total = answer_total = 0
    for people, enrolments, checkins in cohort_rows(survey, patients, NOW):
        for row in checkins:
            done = row["status"] == "completed"
            row["completed_at"] = row["due_at"] + dt.timedelta(minutes=6) if done else None
        answers = list(_answers(survey, checkins))
        async with engine.begin() as connection:
            for model, rows in ((Patient, people), (Enrolment, enrolments),
                                (Checkin, checkins), (Answer, answers)):  # fmt: skip
                await bulk_insert(connection, model.__table__, rows)  # type: ignore[arg-type]
        checkin_total += len(checkins)
        answer_total += len(answers)
    async with engine.connect() as connection:
        await connection.execute(text("ANALYZE"))
        await connection.commit()
    return checkin_total, answer_total


def _converter(column: Column[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    """The column's bind conversion; cached where values are hashable (times repeat a lot)."""
    convert = column.type.bind_processor(dialect)
    if convert is None or isinstance(column.type, JSON):
        return convert
    return functools.lru_cache(maxsize=1 << 16)(convert)


def _default(column: Column[Any]) -> Any:
    default: Any = column.default
    if default is None:
        return None
    return default.arg(None) if default.is_callable else default.arg


async def bulk_insert(
    connection: AsyncConnection, table: Table, rows: list[dict[str, Any]]
) -> None:
    """Insert through the driver: COPY on PostgreSQL, ``executemany`` on SQLite.

    Values go through each column's own bind conversion (times, JSON) and missing columns get
    their Python defaults, as ``insert(table)`` would do, at a fraction of its cost per row.
    """
    if not rows:
        return
    dialect = connection.dialect
    columns = [c for c in table.columns if c.name in rows[0] or c.default is not None]
    fill = [
        (c.name, _default(c), _converter(c, dialect))
        for c in columns
    ]  # fmt: skip
    records = [
        tuple(
            (convert(row.get(name, default)) if convert else row.get(name, default))
            for name, default, convert in fill
        )
        for row in rows
    ]
    raw = (await connection.get_raw_connection()).driver_connection
    assert raw is not None
    names = [c.name for c in columns]
    if dialect.driver == "asyncpg":
        await raw.copy_records_to_table(table.name, records=records, columns=names)
    elif dialect.driver == "aiosqlite":
        marks = ", ".join("?" * len(names))
        await raw.executemany(f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})",
                              records)  # fmt: skip
    else:
        await connection.execute(insert(table), rows)


async def measure(
    label: str, url: str, patients: int, rows: list[tuple[str, str]], trace: bool
) -> None:
    survey = load_default_survey()
    await upgrade_async(url)
    engine = create_engine(url)
    try:
        started = time.perf_counter()
        checkins, answers = await load(engine, survey, patients)
        loaded = time.perf_counter() - started
        service = ExportService(session_factory(engine), survey, FakeClock(NOW))
        with tempfile.TemporaryDirectory() as folder:
            if trace:
                tracemalloc.start()
            started, cpu = time.perf_counter(), _cpu()
            counts = await service.csv(Path(folder), ExportOptions(shift_dates=True,
                                                                   salt=b"bench"))  # fmt: skip
            elapsed, cpu = time.perf_counter() - started, _cpu() - cpu
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            size = _size(Path(folder))
    finally:
        await engine.dispose()
    rows += [
        (f"{label}: database", f"{patients:,} patients, {checkins:,} check-ins, {answers:,} "
                               f"answers (loaded in {loaded:.0f} s)"),
        (f"{label}: CSV export, --shift-dates", f"{elapsed:.1f} s (CPU {cpu:.1f} s)"),
        (f"{label}: rows written", f"{counts['answers']:,} long, {counts['check-ins']:,} wide, "
                                   f"{size / 2**20:.0f} MiB"),
        (f"{label}: peak traced memory (max RSS)",
         (f"{peak / 2**20:.1f} MiB" if trace else "not traced") + f" ({_max_rss_mib():.0f} MiB)"),
    ]  # fmt: skip


def _cpu() -> float:
    """CPU seconds of this process and of its finished worker processes (not the server's)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.iterdir())


async def run(args: argparse.Namespace) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            await measure(
                "SQLite",
                f"sqlite+aiosqlite:///{folder}/export.db",
                args.patients,
                rows,
                args.trace_memory,
            )
    if not args.no_postgres:
        database = await _postgres_database(args.postgres_url)
        if database is not None:
            url, drop = database
            try:
                await measure("PostgreSQL", url, args.patients, rows, args.trace_memory)
            finally:
                await drop()
    return rows


def render(rows: list[tuple[str, str]]) -> str:
    return "\n".join([
        "# Export benchmark",
        "",
        f"on {platform.python_implementation()} {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        "| measure | value |",
        "|---|---|",
        *[f"| {measure} | {value} |" for measure, value in rows],
        "",
        "Target: the CSV export of 1,000,000 check-ins in under 60 s on each database.",
        "",
    ])  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.export_bench", description=__doc__)
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "FOLLOWUP_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument(
        "--trace-memory",
        action="store_true",
        help="trace Python allocations (peak memory; slows the export)",
    )
    parser.add_argument("--output", type=Path, help="also write the table here (markdown)")
    args = parser.parse_args(argv)  # fmt: skip
    report = render(asyncio.run(run(args)))
    print(report)
    if args.output is not None:
        args.output.write_text(report, encoding="utf-8")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
