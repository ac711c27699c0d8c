"""Shared fixtures: a freshly migrated database per test, on SQLite and PostgreSQL.

``FOLLOWUP_TEST_POSTGRES_URL`` (e.g. ``postgresql+asyncpg://postgres@127.0.0.1:5432/test``)
turns on the PostgreSQL half: a template database is migrated once per run and each test
gets its own copy, so runs and tests never see each other's rows.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.db import create_engine, session_factory, upgrade

# python-telegram-bot 22 warns (an error here) unless it may return timedeltas already.
os.environ.setdefault("PTB_TIMEDELTA", "true")

POSTGRES_URL = os.environ.get("FOLLOWUP_TEST_POSTGRES_URL", "")


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _pg_admin(url: str, *statements: str) -> None:
    connection = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    if not POSTGRES_URL:
        pytest.skip("FOLLOWUP_TEST_POSTGRES_URL is not set")
    name = f"followup_tmpl_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(POSTGRES_URL, f'CREATE DATABASE "{name}"'))
    upgrade(make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False))
    yield name
    asyncio.run(_pg_admin(POSTGRES_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh, fully migrated database (a sync fixture: it runs outside the loop)."""
    if request.param == "sqlite":
        path = tmp_path / "followup.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    template = request.getfixturevalue("postgres_template")
    name = f"followup_t_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(POSTGRES_URL, f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    asyncio.run(_pg_admin(POSTGRES_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(db_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(engine)
