"""A dispatch wave uses its own connection and leaves the answers' connections alone."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import event, insert
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import DISPATCH_CONNECTIONS
from storage.models import Checkin, Enrolment, Patient
from tests.bot.e2e.conftest import START, Harness

WAVE = 60  # more check-ins than the dispatcher delivers at once (40)
FIRST_CHAT = 700_000


class PoolUse:
    """Connections made, and the most checked out at once, while attached to an engine."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.made = 0
        self.out = 0
        self.most_out = 0
        pool = engine.sync_engine.pool
        event.listen(pool, "connect", self._connect)
        event.listen(pool, "checkout", self._checkout)
        event.listen(pool, "checkin", self._checkin)

    def _connect(self, *_: Any) -> None:
        self.made += 1

    def _checkout(self, *_: Any) -> None:
        self.out += 1
        self.most_out = max(self.most_out, self.out)

    def _checkin(self, *_: Any) -> None:
        self.out -= 1


async def due_now(h: Harness, count: int) -> list[int]:
    """``count`` onboarded patients, each with a check-in due now; their chat ids."""
    chats = [FIRST_CHAT + n for n in range(count)]
    for chat_id in chats:
        h.sandbox.create_private_chat(chat_id, f"P{chat_id}")
    ids = range(10_001, 10_001 + count)
    async with h.services.engine.begin() as connection:
        await connection.execute(
            insert(Patient),
            [{"id": n, "ref": f"W{n}", "language": "en", "timezone": "Europe/London",
              "chat_id": chat_id, "status": "active", "consented_at": START,
              "language_confirmed": True, "created_at": START, "linked_at": START}
             for n, chat_id in zip(ids, chats, strict=True)],
        )  # fmt: skip
        await connection.execute(
            insert(Enrolment),
            [{"id": n, "patient_id": n, "surgery_date": START.date(), "procedure": "x",
              "survey_id": "lumbar", "survey_version": "1", "caregiver_helps": False,
              "status": "active", "enrolled_at": START} for n in ids],
        )  # fmt: skip
        await connection.execute(
            insert(Checkin),
            [{"id": n, "enrolment_id": n, "spec_id": "day_1", "form": "early", "day": 1,
              "due_at": START, "closes_at": START + dt.timedelta(days=2), "reminder_times": [],
              "status": "scheduled", "reminder_count": 0, "attempts": 0, "recalled": False}
             for n in ids],
        )  # fmt: skip
    return chats


async def test_a_dispatch_wave_takes_no_connection_from_the_answers_pool(
    harness: Harness,
) -> None:
    h = harness
    chats = await due_now(h, WAVE)
    answers = PoolUse(h.services.engine)
    dispatch = PoolUse(h.services.dispatch_engine)

    counts = await h.bot.dispatcher.dispatch_due()

    assert counts.sent == WAVE
    assert all(h.sandbox.transcript(chat_id).messages for chat_id in chats)
    assert answers.most_out == 0, "the wave never held a connection answers need"
    assert answers.made == 0
    assert dispatch.most_out <= DISPATCH_CONNECTIONS, "the wave queued for its own connection"
    assert dispatch.made <= DISPATCH_CONNECTIONS, "no connection made and dropped per send"
