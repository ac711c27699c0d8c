"""Fixtures: a running sandbox with one patient chat, and a python-telegram-bot client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sandbox_support import PATIENT, TOKEN, SteppedClock, make_bot, make_png
from telegram import Bot

from bot.sandbox import BotApiSandbox


@pytest.fixture(autouse=True)
def _timedelta_durations(monkeypatch: pytest.MonkeyPatch) -> None:
    """python-telegram-bot 22 warns on int durations (e.g. ``RetryAfter.retry_after``)
    unless timedeltas are opted in."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def clock() -> SteppedClock:
    return SteppedClock()


@pytest.fixture
async def sandbox(clock: SteppedClock) -> AsyncIterator[BotApiSandbox]:
    async with BotApiSandbox(token=TOKEN, clock=clock) as running:
        running.create_private_chat(PATIENT, "Mei", language_code="zh-Hans")
        yield running


@pytest.fixture
async def bot(sandbox: BotApiSandbox) -> AsyncIterator[Bot]:
    async with make_bot(sandbox) as client:
        yield client


@pytest.fixture
def png() -> bytes:
    return make_png(3, 2)
