"""``followup db backup``: an online copy of the SQLite database that restores to a working
database; PostgreSQL is pointed to pg_dump."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.bot.test_cli import HEAD, NOW, FakeClock, assert_one_line_error, database, invoke

__all__ = ["database"]  # the fixture, shared with the CLI tests


def refs() -> list[str]:
    listed = invoke("patients", "--json", clock=FakeClock(NOW))
    assert listed.exit_code == 0, listed.stderr
    return [p["ref"] for p in json.loads(listed.stdout)]


def enrol(ref: str) -> None:
    result = invoke("enroll", "--ref", ref, "--surgery-date", "2025-03-12", clock=FakeClock(NOW))
    assert result.exit_code == 0, result.stderr


def test_a_backup_taken_while_the_database_is_open_restores_to_that_moment(
    database: str, tmp_path: Path
) -> None:
    live = Path(database.removeprefix("sqlite+aiosqlite:///"))
    assert invoke("db", "upgrade").exit_code == 0
    enrol("P-001")
    writer = sqlite3.connect(live)  # another process holds the database open meanwhile
    writer.execute("PRAGMA journal_mode=WAL")
    backup = tmp_path / "backups" / "ward.db"

    result = invoke("db", "backup", "--out", str(backup))

    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.startswith(f"backed up {live} to {backup} (")
    assert result.stdout.endswith(" pages, integrity ok)\n")
    enrol("P-002")
    assert refs() == ["P-001", "P-002"]
    writer.close()
    # restore: with the bot stopped, the backup file replaces the database file
    for stale in live.parent.glob(live.name + "-*"):  # WAL and shared-memory files
        stale.unlink()
    shutil.copy(backup, live)
    assert refs() == ["P-001"]
    assert invoke("db", "upgrade").stdout.endswith(f"is up to date (revision {HEAD})\n")


def test_backup_never_overwrites_a_file(database: str, tmp_path: Path) -> None:
    assert invoke("db", "upgrade").exit_code == 0
    existing = tmp_path / "old.db"
    existing.write_bytes(b"precious")
    assert_one_line_error(
        invoke("db", "backup", "--out", str(existing)),
        1,
        f"{existing} already exists; choose a new file",
    )
    assert existing.read_bytes() == b"precious"


def test_backup_of_postgresql_points_to_pg_dump(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOLLOWUP_DATABASE_URL", "postgresql+asyncpg://u@db.example/ward")
    assert_one_line_error(
        invoke("db", "backup", "--out", str(tmp_path / "x.dump")),
        1,
        "`followup db backup` copies SQLite databases; for postgresql use its own tool, "
        "e.g. `pg_dump --format=custom --file=FILE DBNAME`",
    )
