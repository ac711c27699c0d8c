from __future__ import annotations

import pytest
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import SchemaOutOfDate, alembic_config, create_engine, ensure_schema_current
from storage.models import Base


async def test_migrated_schema_is_current_and_matches_the_models(engine: AsyncEngine) -> None:
    await ensure_schema_current(engine)

    def tables(connection: object) -> set[str]:
        return set(inspect(connection).get_table_names())

    async with engine.connect() as connection:
        found = await connection.run_sync(tables)
    assert set(Base.metadata.tables) <= found
    assert "alembic_version" in found


async def test_empty_database_is_refused_with_the_command_to_run(tmp_path: object) -> None:
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
