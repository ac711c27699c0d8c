"""When check-ins go out: at their time, never in quiet hours, one at a time per patient."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import START
from scheduling_support import (
    INTRO_EN,
    FakeTransport,
    Sessions,
    SimulatedPatient,
    add_patient,
    checkin_rows,
    flags,
    link,
    local,
    plan,
    set_checkin,
)

from bot.clock import FakeClock
from bot.scheduling import Dispatcher
from bot.services.conversation import ConversationService
from bot.services.enrolment import enrol_patient
from bot.settings import Settings
from surveys.model import Survey

HOUR = dt.timedelta(hours=1)


async def test_a_check_in_goes_out_at_its_due_time_and_not_before(
    sessions: Sessions, clock: FakeClock, transport: FakeTransport, dispatcher: Dispatcher
) -> None:
    due = local("Europe/London", "2026-03-03 09:00")
    p = await add_patient(sessions, clock, "P1", [plan("day_1", due)], chat_id=501)

    clock.set(due - dt.timedelta(seconds=1))
    early = await dispatcher.dispatch_due()
    clock.set(due)
    on_time = await dispatcher.dispatch_due()

    assert (early.claimed, on_time.claimed, on_time.sent) == (0, 1, 1)
    [opening] = transport.to(501)  # the intro and the first question: one message
    assert opening.startswith(
        "Time for your check-in (day 1 after your operation). It takes about 2 minutes.\n\n"
        "1/7\nLeg or buttock pain in the last 24 hours?"
    )
    [row] = await checkin_rows(sessions, p.enrolment.id)
    assert (row.status, row.sent_at, row.claimed_by) == ("sent", due, "test-1")
    assert row.message_id == transport.sent[0].message_id  # the question, to edit it later
    assert row.next_reminder_at == due + 4 * HOUR


@pytest.mark.parametrize(
    ("zone", "wall_clock", "sent"),
    [
        # the evening edge, on the day Europe/London moves to summer time
        ("Europe/London", "2026-03-29 20:59", True),
        ("Europe/London", "2026-03-29 21:00", False),
        # the morning edge, on the day America/New_York moves to summer time
        ("America/New_York", "2026-03-08 07:59", False),
        ("America/New_York", "2026-03-08 08:00", True),
        # a zone without summer time, in the middle of its night
        ("Asia/Shanghai", "2026-03-02 23:30", False),
        ("Asia/Shanghai", "2026-03-03 02:00", False),
        ("Asia/Shanghai", "2026-03-03 12:00", True),
        # half-hour offset
        ("Asia/Kolkata", "2026-03-02 20:45", True),
        ("Asia/Kolkata", "2026-03-02 21:15", False),
    ],
)
async def test_nothing_is_sent_in_the_patients_quiet_hours(
    sessions: Sessions,
    clock: FakeClock,
    transport: FakeTransport,
    dispatcher: Dispatcher,
    zone: str,
    wall_clock: str,
    sent: bool,
) -> None:
    now = local(zone, wall_clock)
    due = now - dt.timedelta(hours=12)  # still open: the window is 48 h
    await add_patient(sessions, clock, "P1", [plan("day_1", due)], chat_id=502, timezone=zone)
    clock.set(now)

    counts = await dispatcher.dispatch_due()

    assert counts.sent == int(sent)
    assert bool(transport.to(502)) is sent


async def test_a_check_in_held_by_quiet_hours_goes_out_when_they_end(
    sessions: Sessions, clock: FakeClock, transport: FakeTransport, dispatcher: Dispatcher
) -> None:
    zone = "Asia/Shanghai"
    due = local(zone, "2026-03-02 09:00")
    await add_patient(sessions, clock, "P1", [plan("day_1", due)], chat_id=503, timezone=zone)

    clock.set(local(zone, "2026-03-02 22:00"))  # the bot was down all day
    assert (await dispatcher.dispatch_due()).claimed == 0
    clock.set(local(zone, "2026-03-03 07:59"))
    assert (await dispatcher.dispatch_due()).claimed == 0
    clock.set(local(zone, "2026-03-03 08:00"))
    assert (await dispatcher.dispatch_due()).sent == 1


@pytest.mark.parametrize(
    ("zone", "surgery"),
    [
        ("Europe/London", dt.date(2026, 3, 28)),  # day 1 is the first day of summer time
        ("America/New_York", dt.date(2026, 3, 7)),
        ("Australia/Sydney", dt.date(2026, 4, 4)),  # day 1 is the last day of summer time
        ("Asia/Shanghai", dt.date(2026, 3, 2)),
    ],
)
async def test_enrolled_patients_get_day_1_at_nine_local_time_across_dst(
    sessions: Sessions,
    survey: Survey,
    settings: Settings,
    clock: FakeClock,
    transport: FakeTransport,
    dispatcher: Dispatcher,
    zone: str,
    surgery: dt.date,
) -> None:
    clock.set(local(zone, f"{surgery} 10:00"))
    enrolled = await enrol_patient(
        sessions, survey, settings, clock, ref="P1", surgery_date=surgery, timezone=zone
    )
    await link(sessions, clock, enrolled.patient.id, 504)
    baseline, day_1 = enrolled.checkins[:2]
    await set_checkin(sessions, baseline.id, status="completed")
    nine = local(zone, f"{surgery + dt.timedelta(days=1)} 09:00")

    clock.set(nine - dt.timedelta(minutes=1))
    await dispatcher.tick()
    assert transport.sent == []
    clock.set(nine)
    await dispatcher.tick()

    assert transport.to(504)[0].startswith("Time for your check-in (day 1 ")
    assert transport.sent[0].at.astimezone(dt.UTC) == nine
    assert day_1.due_at == nine


async def test_a_patient_gets_one_check_in_at_a_time_the_older_first(
    sessions: Sessions, clock: FakeClock, transport: FakeTransport, dispatcher: Dispatcher
) -> None:
    older = plan("baseline", START, form="baseline", day=None)
    newer = plan("day_1", START + HOUR)
    p = await add_patient(sessions, clock, "P1", [older, newer], chat_id=505)
    clock.set(START + 2 * HOUR)

    await dispatcher.dispatch_due()
    await dispatcher.dispatch_due()

    statuses = [row.status for row in await checkin_rows(sessions, p.enrolment.id)]
    assert statuses == ["sent", "scheduled"]
    assert transport.to(505)[0].startswith(
        "First, a few questions about how you were BEFORE the operation.\n\n1/4\n"
    )

    await set_checkin(sessions, p.checkins[0].id, status="completed")
    await dispatcher.dispatch_due()
    statuses = [row.status for row in await checkin_rows(sessions, p.enrolment.id)]
    assert statuses == ["completed", "sent"]


async def test_an_open_check_in_whose_window_closed_gives_way_to_the_next(
    sessions: Sessions,
    survey: Survey,
    settings: Settings,
    clock: FakeClock,
    transport: FakeTransport,
    conversation: ConversationService,
    dispatcher: Dispatcher,
) -> None:
    first = plan("day_1", START, hours=48)
    second = plan("day_3", START + 48 * HOUR, day=3)
    p = await add_patient(sessions, clock, "P1", [first, second], chat_id=506)
    await dispatcher.dispatch_due()
    clock.set(START + 48 * HOUR)

    counts = await dispatcher.dispatch_due()  # on its own, without the closing job first

    rows = await checkin_rows(sessions, p.enrolment.id)
    assert [(r.status, r.last_error) for r in rows] == [("missed", None), ("sent", None)]
    assert counts.sent == 1
    patient = SimulatedPatient(conversation, settings, survey, seed=3)
    assert await patient.answer(506, transport.questions()[-1])  # answers go to the new one
    rows = await checkin_rows(sessions, p.enrolment.id)
    assert [r.status for r in rows] == ["missed", "completed"]


async def test_catching_up_after_ten_days_down_sends_only_the_current_check_in(
    sessions: Sessions,
    survey: Survey,
    settings: Settings,
    clock: FakeClock,
    transport: FakeTransport,
    dispatcher: Dispatcher,
) -> None:
    zones = ("Europe/London", "Asia/Shanghai", "America/New_York")
    surgery = dt.date(2026, 3, 5)
    enrolled = []
    for n, zone in enumerate(zones):
        e = await enrol_patient(
            sessions, survey, settings, clock, ref=f"P{n}", surgery_date=surgery, timezone=zone
        )
        await link(sessions, clock, e.patient.id, 600 + n)
        enrolled.append(e)

    clock.set(local("Europe/London", "2026-03-12 11:00"))  # ten days later: day 7
    counts = await dispatcher.run_until_idle()

    for n, e in enumerate(enrolled):
        rows = await checkin_rows(sessions, e.enrolment.id)
        by_spec = {r.spec_id: (r.status, r.last_error) for r in rows}
        assert by_spec["baseline"] == ("missed", "not sent")
        assert by_spec["day_1"] == ("missed", "not sent")
        assert by_spec["day_3"] == ("missed", "not sent")
        assert by_spec["day_14"] == ("scheduled", None)
        texts = transport.to(600 + n)
        intros = [t for t in texts if t.startswith(INTRO_EN)]
        if zones[n] == "America/New_York":  # 07:00 there: day 7 is due at 09:00
            assert by_spec["day_7"] == ("scheduled", None)
        else:  # 11:00 in London, 19:00 in Shanghai
            assert by_spec["day_7"] == ("sent", None)
        assert len(intros) == (by_spec["day_7"][0] == "sent")
    assert counts.dispatched.sent == 2
    assert counts.closed.missed == 9 and counts.closed.excused == 9
    assert await flags(sessions) == []  # the bot was down: not the patients' doing

    clock.set(local("America/New_York", "2026-03-12 09:00"))
    await dispatcher.run_until_idle()
    assert [t.split("\n\n")[0] for t in transport.to(602) if t.startswith(INTRO_EN)] == [
        "Time for your check-in (day 7 after your operation). It takes about 2 minutes."
    ]


@pytest.mark.parametrize(
    ("status", "chat_id", "onboarded"),
    [
        ("paused", 507, True),
        ("unreachable", 507, True),
        ("withdrawn", 507, True),
        ("active", None, True),  # enrolled, invite link not used yet
        ("active", 507, False),  # linked, consent not given yet
    ],
)
async def test_patients_who_cannot_be_messaged_get_nothing(
    sessions: Sessions,
    clock: FakeClock,
    transport: FakeTransport,
    dispatcher: Dispatcher,
    status: str,
    chat_id: int | None,
    onboarded: bool,
) -> None:
    p = await add_patient(
        sessions, clock, "P1", [plan("day_1", START)], chat_id=chat_id, status=status,
        onboarded=onboarded,
    )  # fmt: skip

    counts = await dispatcher.run_until_idle()

    assert (counts.dispatched.claimed, transport.calls) == (0, 0)
    [row] = await checkin_rows(sessions, p.enrolment.id)
    assert row.status == "scheduled"
