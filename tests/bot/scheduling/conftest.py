"""Fixtures for the dispatcher tests: default survey, settings, a fake clock and transport."""

from __future__ import annotations

import datetime as dt

import pytest
from scheduling_support import FakeTransport, Sessions, make_dispatcher

from bot.clock import FakeClock
from bot.scheduling import Dispatcher
from bot.services.conversation import ConversationService
from bot.settings import Settings
from surveys.loader import load_default_survey
from surveys.model import Survey

# Monday 2 March 2026, 09:00 in London (GMT; British Summer Time starts on 29 March).
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="session")
def survey() -> Survey:
    return load_default_survey()


@pytest.fixture
def settings() -> Settings:
    return Settings(
        _env_file=None,
        default_timezone="Europe/London",
        callback_secret="scheduling-tests",
        instance_name="test",
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def transport(clock: FakeClock) -> FakeTransport:
    return FakeTransport(clock)


@pytest.fixture
def conversation(
    sessions: Sessions, survey: Survey, settings: Settings, clock: FakeClock
) -> ConversationService:
    return ConversationService(sessions, survey, settings, clock)


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def dispatcher(
    sessions: Sessions,
    survey: Survey,
    settings: Settings,
    clock: FakeClock,
    transport: FakeTransport,
    conversation: ConversationService,
    sleeps: list[float],
) -> Dispatcher:
    return make_dispatcher(
        sessions, survey, settings, clock, transport, conversation, sleeps=sleeps
    )
