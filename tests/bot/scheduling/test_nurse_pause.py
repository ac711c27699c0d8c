"""A nurse pauses a patient's check-ins (dashboard, ``followup patient pause``): nothing is
sent while paused, neither check-ins nor reminders; resuming sends the current check-in
only, and both are audited under the nurse's name."""

from __future__ import annotations

import datetime as dt

from conftest import START
from scheduling_support import FakeTransport, Plan, Sessions, add_patient, checkin_rows, plan

from bot.clock import FakeClock
from bot.nurse.access import Nurse
from bot.nurse.service import NurseService
from bot.scheduling import Dispatcher
from bot.settings import Settings
from storage.audit import list_audit
from surveys.model import Survey

DAY = dt.timedelta(days=1)
NURSE = Nurse("Mei Lin", language="zh", via="web")


def weekly(count: int) -> list[Plan]:
    return [plan(f"c{n}", START + n * 7 * DAY, day=n * 7 + 1) for n in range(count)]


async def test_paused_by_a_nurse_nothing_is_sent_and_resume_sends_the_current_check_in_only(
    sessions: Sessions,
    survey: Survey,
    settings: Settings,
    clock: FakeClock,
    transport: FakeTransport,
    dispatcher: Dispatcher,
) -> None:
    service = NurseService(sessions, survey, settings, clock, transport)
    p = await add_patient(sessions, clock, "P1", weekly(6), chat_id=810)
    await dispatcher.run_until_idle()
    assert [s.checkin_id for s in transport.sent] == [p.checkins[0].id]  # c0 went out

    paused = await service.set_paused(NURSE, "P1", pause=True)
    again = await service.set_paused(NURSE, "P1", pause=True, language="zh-Hans")
    for hours in (5, 25):  # c0's reminders were due at +4 h and +24 h
        clock.set(START + dt.timedelta(hours=hours))
        await dispatcher.run_until_idle()
    for week in range(1, 4):
        clock.set(START + week * 7 * DAY)
        await dispatcher.run_until_idle()
    clock.set(START + 4 * 7 * DAY + dt.timedelta(hours=2))  # c4 due two hours ago
    await dispatcher.run_until_idle()
    assert len(transport.sent) == 1  # no reminder, no check-in while paused

    resumed = await service.set_paused(NURSE, "P1", pause=False)
    not_paused = await service.set_paused(NURSE, "P1", pause=False)
    await dispatcher.run_until_idle()

    assert (paused.ok, again.ok, resumed.ok, not_paused.ok) == (True, False, True, False)
    assert paused.message == (
        "P1's check-ins are paused: no check-ins and no reminders until resumed."
    )
    assert again.message == "P1 的随访已暂停：恢复前不发送随访和提醒。"
    assert not_paused.message == "P1's check-ins are not paused."
    assert [s.checkin_id for s in transport.sent] == [p.checkins[0].id, p.checkins[4].id]
    rows = await checkin_rows(sessions, p.enrolment.id)
    assert [(r.status, r.last_error) for r in rows] == [
        *[("missed", "paused")] * 4, ("sent", None), ("scheduled", None),
    ]  # fmt: skip
    async with sessions() as session:
        events = [*await list_audit(session, action="patient.paused"),
                  *await list_audit(session, action="patient.resumed")]  # fmt: skip
    assert [(e.actor, e.action, e.entity_id) for e in events] == [
        ("web:Mei Lin", "patient.paused", str(p.patient.id)),
        ("web:Mei Lin", "patient.resumed", str(p.patient.id)),
    ]


async def test_only_an_active_or_unreachable_patient_can_be_paused(
    sessions: Sessions, survey: Survey, settings: Settings, clock: FakeClock,
    transport: FakeTransport,
) -> None:  # fmt: skip
    service = NurseService(sessions, survey, settings, clock, transport)
    await add_patient(sessions, clock, "P1", weekly(1), chat_id=811, status="withdrawn")

    refused = await service.set_paused(NURSE, "P1", pause=True)
    unknown = await service.set_paused(NURSE, "P-404", pause=True)

    assert (refused.ok, refused.message) == (False, "P1's check-ins cannot be paused (withdrawn).")
    assert (unknown.ok, unknown.message) == (False, "No patient with reference 'P-404'.")
