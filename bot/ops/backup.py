"""Backups of a SQLite database with SQLite's online backup API (safe while the bot runs).

PostgreSQL databases are backed up with ``pg_dump`` (see the README); this module refuses
them with that advice.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

__all__ = ["BackupError", "backup_sqlite", "sqlite_path"]


class BackupError(RuntimeError):
    """A backup that could not be made; ``str()`` is one line saying why."""


def sqlite_path(url: str) -> Path:
    """The database file of a SQLite URL; BackupError for any other database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise BackupError(
            f"`followup db backup` copies SQLite databases; for {parsed.get_backend_name()} "
            "use its own tool, e.g. `pg_dump --format=custom --file=FILE DBNAME`"
        )
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("an in-memory database cannot be backed up")
    return Path(parsed.database).expanduser()


def backup_sqlite(source: Path, target: Path) -> int:
    """Copy ``source`` to a new file ``target`` page by page while writers go on, then check
    the copy's integrity; the number of pages copied."""
    if not source.exists():
        raise BackupError(f"no database at {source}")
    if target.exists():
        raise BackupError(f"{target} already exists; choose a new file")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    try:
        with (
            sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src,
            sqlite3.connect(partial) as dst,
        ):
            src.backup(dst, pages=1024)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            (check,) = dst.execute("PRAGMA integrity_check").fetchone()
            (pages,) = dst.execute("PRAGMA page_count").fetchone()
        src.close()
        dst.close()
        if check != "ok":
            raise BackupError(f"the copy failed its integrity check: {check}")
        partial.rename(target)
    except sqlite3.Error as exc:
        raise BackupError(f"backup failed: {exc}") from None
    finally:
        partial.unlink(missing_ok=True)
    return int(pages)
