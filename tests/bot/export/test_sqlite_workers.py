"""SQLite's export workers: each CSV file written by its own process; one that fails stops
the export with its reason, and the others do not outlive it."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pytest

from storage.export.sqlite_worker import SqliteFile, write_files

RULES = "bot.export.database_csv:PythonCells"


def _database(folder: Path, rows: int) -> tuple[str, str]:
    database, scratch = folder / "ward.db", folder / "scratch.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE t (x INTEGER)")
        connection.execute(
            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ?) "
            "INSERT INTO t SELECT x FROM n",
            (rows,),
        )
    sqlite3.connect(scratch).close()
    return str(database), str(scratch)


def _file(database: str, scratch: str, query: str, path: Path) -> SqliteFile:
    return SqliteFile(database=database, scratch=scratch, rules=RULES, query=query,
                      path=str(path), header=["x"], bom=False)  # fmt: skip


async def test_each_worker_writes_its_file(tmp_path: Path) -> None:
    database, scratch = _database(tmp_path, 50_000)
    files = [
        _file(database, scratch, "SELECT x FROM t WHERE x <= 25000", tmp_path / "a.csv"),
        _file(database, scratch, "SELECT x FROM t WHERE x > 25000", tmp_path / "b.csv"),
    ]

    assert await write_files(files) == [25_000, 25_000]

    with (tmp_path / "b.csv").open(newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["x"] and rows[1] == ["25001"] and rows[-1] == ["50000"]


async def test_a_failing_worker_fails_the_export_with_its_reason(tmp_path: Path) -> None:
    database, scratch = _database(tmp_path, 1_000)
    files = [
        _file(database, scratch, "SELECT x FROM t", tmp_path / "a.csv"),
        _file(database, scratch, "SELECT x FROM no_such_table", tmp_path / "b.csv"),
    ]

    with pytest.raises(RuntimeError, match=r"export worker failed \(1\):.*no such table"):
        await write_files(files)
