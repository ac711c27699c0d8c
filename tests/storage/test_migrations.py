from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import (
    SchemaOutOfDate,
    alembic_config,
    create_engine,
    ensure_schema_current,
    migration_head,
)
from storage.models import Base


async def test_migrated_schema_is_current_and_matches_the_models(engine: AsyncEngine) -> None:
    await ensure_schema_current(engine)

    def tables(connection: object) -> set[str]:
        return set(inspect(connection).get_table_names())

    async with engine.connect() as connection:
        found = await connection.run_sync(tables)
    assert set(Base.metadata.tables) <= found
    assert "alembic_version" in found


async def test_empty_database_is_refused_with_the_command_to_run(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/empty.db")
    try:
        with pytest.raises(SchemaOutOfDate, match=r"run `followup db upgrade`"):
            await ensure_schema_current(engine)
    finally:
        await engine.dispose()


def test_migration_scripts_form_one_line_of_history() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("sqlite+aiosqlite://"))
    assert len(script.get_heads()) == 1


def test_the_schema_check_finds_the_head_alembic_finds(tmp_path: Path) -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("sqlite+aiosqlite://"))
    assert migration_head() == script.get_current_head()
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "0001_a.py").write_text('revision: str = "0001"\ndown_revision = None\n')
    (versions / "0002_b.py").write_text('revision = "0002"\ndown_revision: str | None = "0001"\n')
    assert migration_head(versions) == "0002"
    (versions / "0003_c.py").write_text('revision = "0003"\ndown_revision = "0001"\n')
    with pytest.raises(RuntimeError, match="2 heads"):
        migration_head(versions)


async def test_a_database_one_migration_behind_is_refused(tmp_path: Path) -> None:
    from storage.db import upgrade_async

    url = f"sqlite+aiosqlite:///{tmp_path}/behind.db"
    await upgrade_async(url, "0006")
    engine = create_engine(url)
    try:
        with pytest.raises(SchemaOutOfDate, match="at 0006, needs"):
            await ensure_schema_current(engine)
    finally:
        await engine.dispose()
