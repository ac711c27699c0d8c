"""Reminders: each at its time, at most as many as planned, only while the check-in is open."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from conftest import START
from scheduling_support import (
    REMINDER_EN,
    FakeTransport,
    Sessions,
    SimulatedPatient,
    add_patient,
    checkin_rows,
    make_dispatcher,
    plan,
    set_patient,
)

from bot.clock import FakeClock
from bot.scheduling import Dispatcher
from bot.services.conversation import ConversationService
from bot.settings import Settings
from surveys.model import Survey

HOUR = dt.timedelta(hours=1)


def reminders(transport: FakeTransport, chat_id: int) -> list[dt.datetime]:
    return [
        s.at
        for s in transport.sent
        if s.chat_id == chat_id and s.message.text.startswith(REMINDER_EN)
    ]


async def test_reminders_come_at_their_times_and_stop_at_the_planned_number(
    sessions: Sessions, clock: FakeClock, transport: FakeTransport, dispatcher: Dispatcher
) -> None:
    p = await add_patient(sessions, clock, "P1", [plan("day_1", START)], chat_id=701)
    await dispatcher.tick()

    for hours in (1, 3.99, 4, 5, 23, 24, 30, 47.9, 48, 60):
        clock.set(START + dt.timedelta(hours=hours))
        await dispatcher.tick()

    assert reminders(transport, 701) == [START + 4 * HOUR, START + 24 * HOUR]
    [row] = await checkin_rows(sessions, p.enrolment.id)
    assert (row.status, row.reminder_count, row.next_reminder_at) == ("missed", 2, None)


async def test_a_reminder_repeats_the_current_question(
    sessions: Sessions, clock: FakeClock, transport: FakeTransport, dispatcher: Dispatcher
) -> None:
    await add_patient(sessions, clock, "P1", [plan("day_1", START)], chat_id=702)
    await dispatcher.tick()
    opening = transport.sent[0].message  # the intro and the question: one message
    clock.set(START + 4 * HOUR)

    counts = await dispatcher.send_reminders()

    assert (counts.due, counts.sent) == (1, 1)
    reminder = transport.sent[1].message
    question = opening.text.split("\n\n", 1)[1]
    assert question.startswith("1/7\n")
    assert reminder.text == f"{REMINDER_EN}\n\n{question}"
    assert reminder.keyboard == opening.keyboard


async def test_after_downtime_only_one_of_the_overdue_reminders_is_sent(
    sessions: Sessions, clock: FakeClock, transport: FakeTransport, dispatcher: Dispatcher
) -> None:
    p = await add_patient(sessions, clock, "P1", [plan("day_1", START)], chat_id=703)
    await dispatcher.tick()
    clock.set(START + 30 * HOUR)  # both reminder times passed while the bot was down

    await dispatcher.run_until_idle()

    assert reminders(transport, 703) == [START + 30 * HOUR]
    [row] = await checkin_rows(sessions, p.enrolment.id)
    assert (row.reminder_count, row.next_reminder_at) == (1, None)


async def test_a_check_in_sent_late_skips_a_reminder_that_would_follow_at_once(
    sessions: Sessions, clock: FakeClock, transport: FakeTransport, dispatcher: Dispatcher
) -> None:
    p = await add_patient(sessions, clock, "P1", [plan("day_1", START)], chat_id=704)
    clock.set(START + 3.5 * HOUR)  # the 4 h reminder is only 30 minutes away

    await dispatcher.tick()

    [row] = await checkin_rows(sessions, p.enrolment.id)
    assert row.next_reminder_at == START + 24 * HOUR


async def test_no_reminder_once_the_check_in_is_completed(
    sessions: Sessions,
    survey: Survey,
    settings: Settings,
    clock: FakeClock,
    transport: FakeTransport,
    conversation: ConversationService,
    dispatcher: Dispatcher,
) -> None:
    p = await add_patient(sessions, clock, "P1", [plan("day_1", START)], chat_id=705)
    await dispatcher.tick()
    clock.set(START + HOUR)
    patient = SimulatedPatient(conversation, settings, survey, seed=1)
    assert await patient.answer(705, transport.questions()[0])

    for hours in (4, 24, 48):
        clock.set(START + hours * HOUR)
        await dispatcher.tick()

    assert reminders(transport, 705) == []
    [row] = await checkin_rows(sessions, p.enrolment.id)
    assert (row.status, row.next_reminder_at) == ("completed", None)


@pytest.mark.parametrize("status", ["paused", "unreachable", "withdrawn"])
async def test_no_reminder_for_a_patient_who_is_not_active(
    sessions: Sessions,
    clock: FakeClock,
    transport: FakeTransport,
    dispatcher: Dispatcher,
    status: str,
) -> None:
    p = await add_patient(sessions, clock, "P1", [plan("day_1", START)], chat_id=706)
    await dispatcher.tick()
    await set_patient(sessions, p.patient.id, status=status)
    clock.set(START + 5 * HOUR)

    counts = await dispatcher.send_reminders()

    assert (counts.due, reminders(transport, 706)) == (0, [])


async def test_a_reminder_due_in_quiet_hours_waits_for_the_morning(
    sessions: Sessions, clock: FakeClock, transport: FakeTransport, dispatcher: Dispatcher
) -> None:
    # sent at 19:30 London, reminder planned at 20:45; the bot is down from 20:30 to 21:30
    due = START + 10.5 * HOUR
    plans = [plan("day_1", due, reminders=(1.25,))]
    await add_patient(sessions, clock, "P1", plans, chat_id=707)
    clock.set(due)
    await dispatcher.tick()
    clock.set(due + 2 * HOUR)

    await dispatcher.tick()
    assert reminders(transport, 707) == []
    clock.set(START + 23 * HOUR)  # 08:00 next morning
    await dispatcher.tick()
    assert reminders(transport, 707) == [START + 23 * HOUR]


async def test_two_dispatchers_send_a_reminder_once(
    sessions: Sessions,
    survey: Survey,
    settings: Settings,
    clock: FakeClock,
    transport: FakeTransport,
    conversation: ConversationService,
    dispatcher: Dispatcher,
) -> None:
    other = make_dispatcher(
        sessions, survey, settings, clock, transport, conversation, instance="test-2"
    )
    await add_patient(sessions, clock, "P1", [plan("day_1", START)], chat_id=708)
    await dispatcher.tick()
    clock.set(START + 4 * HOUR)

    first, second = await asyncio.gather(dispatcher.send_reminders(), other.send_reminders())

    assert first.sent + second.sent == 1
    assert len(reminders(transport, 708)) == 1


async def test_all_due_reminders_go_out_in_one_run_batch_by_batch(
    sessions: Sessions,
    survey: Survey,
    settings: Settings,
    clock: FakeClock,
    transport: FakeTransport,
    conversation: ConversationService,
) -> None:
    small = make_dispatcher(
        sessions, survey, settings, clock, transport, conversation, batch_size=2
    )
    for n in range(5):
        await add_patient(sessions, clock, f"P{n}", [plan("day_1", START)], chat_id=720 + n)
    await small.run_until_idle()
    clock.set(START + 4 * HOUR)

    counts = await small.send_reminders()

    assert (counts.due, counts.sent) == (5, 5)
    assert sorted(s.chat_id for s in transport.sent if s.message.text.startswith(REMINDER_EN)) == [
        720, 721, 722, 723, 724,
    ]  # fmt: skip
