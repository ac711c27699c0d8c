"""Fixtures of the export tests: the seeded cohort and an export service on it."""

from __future__ import annotations

import datetime as dt

import pytest
from export_world import seed
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FakeClock
from bot.export import ExportService
from surveys.loader import load_default_survey
from surveys.model import Survey

NOW = dt.datetime(2025, 4, 1, 8, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="session")
def survey() -> Survey:
    return load_default_survey()


@pytest.fixture
async def service(sessions: async_sessionmaker[AsyncSession], survey: Survey) -> ExportService:
    await seed(sessions)
    return ExportService(sessions, survey, FakeClock(NOW))
