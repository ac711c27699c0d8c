"""Where the conversation meets the dispatcher: status hand-over, reminders, openings."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FakeClock
from bot.services.conversation import Chat, ConversationService
from bot.services.enrolment import enrol_patient
from bot.settings import load_settings
from storage.models import Checkin
from surveys.loader import load_default_survey

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
CHAT = 77


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
async def service(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> ConversationService:
    """A linked patient who has consented and has not chosen a language yet."""
    settings = load_settings(_env_file=None, default_timezone="Europe/London")
    survey = load_default_survey()
    service = ConversationService(sessions, survey, settings, clock)
    enrolment = await enrol_patient(
        sessions, survey, settings, clock, ref="P-1", surgery_date=START.date()
    )
    await service.start(Chat(CHAT), enrolment.token)
    [consent] = [m for m in (await service.start(Chat(CHAT), None)).messages if m.keyboard]
    await service.button(Chat(CHAT), consent.keyboard[0][0].payload, None)
    return service


async def baseline(sessions: async_sessionmaker[AsyncSession]) -> Checkin:
    async with sessions() as session:
        row = await session.scalar(select(Checkin).where(Checkin.spec_id == "baseline"))
        assert row is not None
        return row


async def language_english(service: ConversationService) -> None:
    reply = await service.choose_language(Chat(CHAT))
    english = reply.messages[0].keyboard[0][0]
    await service.button(Chat(CHAT), english.payload, None)


async def test_a_question_delivered_while_sending_is_adopted_and_answered(
    service: ConversationService, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions.begin() as session:  # the dispatcher sent it, then stalled
        await session.execute(update(Checkin).where(Checkin.spec_id == "baseline")
                              .values(status="sending", message_id=5))  # fmt: skip
    await language_english(service)
    reply = await service.text(Chat(CHAT), "6")
    assert reply.messages[-1].text.startswith("2/4")
    row = await baseline(sessions)
    assert (row.status, row.position) == ("in_progress", "back_pain")


async def test_a_tap_on_a_question_just_dispatched_is_accepted(
    service: ConversationService, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await language_english(service)
    async with sessions.begin() as session:  # claimed and sent; its message id not stored yet
        await session.execute(update(Checkin).where(Checkin.spec_id == "baseline")
                              .values(status="sending", message_id=None))  # fmt: skip
    checkin = await baseline(sessions)
    opening = await service.opening(checkin.id)
    assert opening is not None
    question = opening[1].messages[-1]
    six = next(b for row in question.keyboard for b in row if b.label == "6")

    reply = await service.button(Chat(CHAT, update_id=900), six.payload, 41)

    assert reply.callback_text is None  # not "This check-in has closed"
    assert reply.messages[-1].text.startswith("2/4")
    row = await baseline(sessions)
    assert (row.status, row.position) == ("in_progress", "back_pain")


async def test_no_reminder_is_due_while_the_patient_is_answering(
    service: ConversationService, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await language_english(service)  # opens the baseline now; reminders at +4 h and +24 h
    clock.advance(dt.timedelta(hours=3, minutes=30))
    await service.text(Chat(CHAT), "6")
    row = await baseline(sessions)
    assert row.next_reminder_at == START + dt.timedelta(hours=24)


async def test_opening_renders_nothing_for_a_check_in_no_longer_being_sent(
    service: ConversationService, sessions: async_sessionmaker[AsyncSession]
) -> None:
    row = await baseline(sessions)
    assert await service.opening(row.id) is None  # still "scheduled": nobody claimed it
    async with sessions.begin() as session:
        await session.execute(update(Checkin).where(Checkin.id == row.id)
                              .values(status="completed"))  # fmt: skip
    assert await service.opening(row.id, reminder=True) is None
