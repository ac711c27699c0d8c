"""Engine and session factory, SQLite tuning, and the schema-version check.

Alembic is imported only by the functions that migrate (about 11 MiB a bot process that only
checks the schema version never needs): :func:`ensure_schema_current` reads the version
table and the migration files' revision lines itself.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import PoolResetState

from storage.sqlite_async import OneTripDBAPI

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "SchemaOutOfDate",
    "alembic_config",
    "create_engine",
    "ensure_schema_current",
    "is_connection_error",
    "migration_head",
    "retrying",
    "session_factory",
    "upgrade",
    "upgrade_async",
]

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_CONNECTIONS = 3
"""Connections a process keeps open to a SQLite file, and never more: each is a worker
thread (aiosqlite) with its own page cache, so connections made for a burst and closed after
it would cost a thread start and a cold cache each time. SQLite has one writer at a time
anyway; callers beyond this wait their turn for a connection."""
RETRY_WAITS = (0.2, 0.5, 1.0, 2.0, 4.0, 8.0, 8.0)
"""Seconds between tries of a unit of work whose connection was lost (~24 s in all)."""

log = logging.getLogger(__name__)
Result = TypeVar("Result")
LOST = {"ConnectionDoesNotExistError", "ConnectionFailureError", "InterfaceError"}
"""asyncpg's names for a connection that went away (matched by name: no import needed)."""


class SchemaOutOfDate(RuntimeError):
    """The database schema is not at the newest migration."""


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create an async engine; SQLite gets its folder, WAL, a busy timeout, foreign keys, a
    fixed set of connections and one thread hand-off per statement (:mod:`storage.sqlite_async`).

    Statement parameters are kept out of exception messages, so a database error never
    carries a patient's answer into a log.
    """
    kwargs.setdefault("hide_parameters", True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"timeout": 30})
        if database and database != ":memory:":  # in memory: SQLAlchemy's one shared connection
            kwargs.setdefault("pool_size", SQLITE_CONNECTIONS)
            kwargs.setdefault("max_overflow", 0)
        on_aiosqlite = parsed.get_driver_name() == "aiosqlite"
        if on_aiosqlite:
            kwargs.setdefault("module", OneTripDBAPI.load())
            kwargs.setdefault("pool_reset_on_return", None)  # see _rollback_if_open
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        if on_aiosqlite and kwargs["pool_reset_on_return"] is None:
            event.listen(engine.sync_engine.pool, "reset", _rollback_if_open)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _rollback_if_open(dbapi_connection: Any, _record: Any, state: PoolResetState) -> None:
    """A connection going back to the pool is rolled back only if SQLite says a transaction
    is open: after a commit (nearly always) that skips a hand-off to its thread."""
    if state.asyncio_safe and not state.transaction_was_reset and _in_transaction(dbapi_connection):
        dbapi_connection.rollback()


def _in_transaction(dbapi_connection: Any) -> bool:
    return bool(dbapi_connection.driver_connection.in_transaction)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Create or upgrade the schema (blocking; call from outside an event loop)."""
    if make_url(url).get_backend_name() == "sqlite":
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    from alembic import command

    config = alembic_config(url)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        command.upgrade(config, revision)
        return
    # Alembic's env runs its own event loop, which cannot nest inside a running one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(command.upgrade, config, revision).result()


async def upgrade_async(url: str, revision: str = "head") -> None:
    """Run :func:`upgrade` in a worker thread, for callers already inside an event loop."""
    await asyncio.to_thread(upgrade, url, revision)


async def ensure_schema_current(engine: AsyncEngine) -> None:
    """Raise :class:`SchemaOutOfDate` unless the database is at the newest migration."""
    head = migration_head()

    def current(connection: Connection) -> str | None:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()

    async with engine.connect() as connection:
        revision = await connection.run_sync(current)
    if revision != head:
        raise SchemaOutOfDate(
            f"database schema is at {revision or 'nothing'}, needs {head}: "
            "run `followup db upgrade`"
        )


_REVISION = re.compile(r"^revision\s*(?::[^=]*)?=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\s*(?::[^=]*)?=(.*)$", re.MULTILINE)


def migration_head(versions: Path = MIGRATIONS / "versions") -> str:
    """The newest migration's revision, read from the scripts' ``revision`` and
    ``down_revision`` lines (what Alembic's ``ScriptDirectory`` would answer, without
    importing Alembic into the running bot)."""
    revisions: set[str] = set()
    replaced: set[str] = set()
    for script in versions.glob("*.py"):
        source = script.read_text(encoding="utf-8")
        if (found := _REVISION.search(source)) is None:
            continue
        revisions.add(found.group(1))
        if (down := _DOWN_REVISION.search(source)) is not None:
            replaced.update(re.findall(r"['\"]([^'\"]+)['\"]", down.group(1)))
    heads = revisions - replaced
    if len(heads) != 1:
        raise RuntimeError(f"the migrations have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


def is_connection_error(exc: BaseException) -> bool:
    """The database connection was lost or refused (worth retrying the unit of work)."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    seen: BaseException | None = exc
    for _ in range(8):  # the driver's error is a cause or two down the chain
        if seen is None:
            return False
        if isinstance(seen, (OSError, ConnectionError)) or type(seen).__name__ in LOST:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def retrying(
    unit: Callable[[], Awaitable[Result]],
    *,
    waits: tuple[float, ...] = RETRY_WAITS,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> Result:
    """Run a unit of work (one transaction, opened inside ``unit``) again while the database
    connection is lost, so an outage of a few seconds costs a delay, not an outcome.

    The unit must be safe to repeat: its transaction either committed or rolled back whole.
    """
    for wait in waits:
        try:
            return await unit()
        except Exception as exc:
            if not is_connection_error(exc):
                raise
            log.warning("database connection lost (%s); retrying in %gs", type(exc).__name__, wait)
        await sleep(wait)
    return await unit()
