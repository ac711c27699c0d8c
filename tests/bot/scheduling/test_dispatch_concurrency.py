"""Several bot processes on one database never send a check-in twice and lose none."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter

from conftest import START
from scheduling_support import FakeTransport, checkin_rows, make_dispatcher
from sqlalchemy import insert

from bot.clock import FakeClock
from bot.services.conversation import ConversationService
from bot.settings import Settings
from storage.db import create_engine, session_factory
from storage.models import Checkin, Enrolment, Patient
from surveys.model import Survey

COUNT = 1000


async def _bulk_due(url: str, count: int) -> None:
    """``count`` linked patients, each with one check-in due now (core inserts)."""
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                insert(Patient),
                [
                    {"id": n, "ref": f"C{n:05}", "language": "en", "timezone": "Europe/London",
                     "chat_id": 100_000 + n, "status": "active", "consented_at": START,
                     "language_confirmed": True, "created_at": START, "linked_at": START}
                    for n in range(1, count + 1)
                ],
            )  # fmt: skip
            await connection.execute(
                insert(Enrolment),
                [
                    {"id": n, "patient_id": n, "surgery_date": START.date(), "procedure": "x",
                     "survey_id": "lumbar", "survey_version": "1", "caregiver_helps": False,
                     "status": "active", "enrolled_at": START}
                    for n in range(1, count + 1)
                ],
            )  # fmt: skip
            await connection.execute(
                insert(Checkin),
                [
                    {"id": n, "enrolment_id": n, "spec_id": "day_1", "form": "early", "day": 1,
                     "due_at": START, "closes_at": START + dt.timedelta(days=2),
                     "reminder_times": [], "status": "scheduled", "reminder_count": 0,
                     "attempts": 0, "recalled": False}
                    for n in range(1, count + 1)
                ],
            )  # fmt: skip
    finally:
        await engine.dispose()


async def test_two_dispatchers_on_one_database_send_each_check_in_once(
    db_url: str,
    survey: Survey,
    settings: Settings,
    clock: FakeClock,
    transport: FakeTransport,
) -> None:
    """PostgreSQL: claims with SKIP LOCKED; SQLite: the conditional UPDATE alone."""
    await _bulk_due(db_url, COUNT)
    engines = [create_engine(db_url), create_engine(db_url)]
    try:
        dispatchers = []
        for n, engine in enumerate(engines):
            sessions = session_factory(engine)
            conversation = ConversationService(sessions, survey, settings, clock)
            dispatchers.append(
                make_dispatcher(
                    sessions,
                    survey,
                    settings,
                    clock,
                    transport,
                    conversation,
                    instance=f"bot-{n}",
                    batch_size=50,
                    concurrency=10,
                )
            )

        first, second = await asyncio.gather(*(d.dispatch_due() for d in dispatchers))

        rows = await checkin_rows(session_factory(engines[0]))
    finally:
        for engine in engines:
            await engine.dispose()
    questions = Counter(q.checkin_id for q in transport.questions())
    assert first.claimed + second.claimed == COUNT
    assert first.claimed > 0 and second.claimed > 0  # both did part of the work
    assert (first.sent + second.sent, first.lost + second.lost) == (COUNT, 0)
    assert len(questions) == COUNT and set(questions.values()) == {1}  # none twice, none lost
    assert {r.status for r in rows} == {"sent"}
    assert Counter(r.claimed_by for r in rows) == {"bot-0": first.sent, "bot-1": second.sent}
