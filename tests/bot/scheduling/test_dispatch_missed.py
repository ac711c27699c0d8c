"""Closing windows, the consecutive-missed flag, and pausing without a burst on resume."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import START
from scheduling_support import (
    INTRO_EN,
    FakeTransport,
    Plan,
    Sessions,
    add_patient,
    checkin_rows,
    flags,
    plan,
    set_checkin,
    set_patient,
)

from bot.clock import FakeClock
from bot.scheduling import MISSED_RULE, Dispatcher
from bot.scheduling.streaks import runs_of
from bot.services.conversation import Chat, ConversationService
from storage.audit import list_audit
from storage.missed import ClosedCheckin

DAY = dt.timedelta(days=1)


def weekly(count: int) -> list[Plan]:
    """``count`` check-ins a week apart, each open two days."""
    return [plan(f"c{n}", START + n * 7 * DAY, day=n * 7 + 1) for n in range(count)]


@pytest.mark.parametrize(
    ("patient", "checkin_status", "reason"),
    [
        ({}, "sent", None),
        ({}, "in_progress", None),
        ({}, "scheduled", "not sent"),
        ({"status": "paused"}, "sent", "paused"),
        ({"status": "paused"}, "scheduled", "paused"),
        ({"status": "unreachable"}, "scheduled", "unreachable"),
        ({"status": "withdrawn"}, "scheduled", "withdrawn"),
        ({"chat_id": None}, "scheduled", "not linked"),
        ({"consented_at": None}, "scheduled", "not onboarded"),
    ],
)
async def test_a_closed_window_marks_the_check_in_missed_with_the_reason(
    sessions: Sessions,
    clock: FakeClock,
    dispatcher: Dispatcher,
    patient: dict[str, object],
    checkin_status: str,
    reason: str | None,
) -> None:
    p = await add_patient(sessions, clock, "P1", [plan("day_1", START)], chat_id=801)
    await set_checkin(sessions, p.checkins[0].id, status=checkin_status)
    if patient:
        await set_patient(sessions, p.patient.id, **patient)
    clock.set(START + 48 * dt.timedelta(hours=1) - dt.timedelta(seconds=1))
    assert (await dispatcher.close_windows()).missed == 0
    clock.set(START + 48 * dt.timedelta(hours=1))

    counts = await dispatcher.close_windows()

    [row] = await checkin_rows(sessions, p.enrolment.id)
    assert (row.status, row.last_error, counts.missed) == ("missed", reason, 1)
    async with sessions() as session:
        [event] = await list_audit(session, action="checkin.missed")
    assert (event.entity_id, event.detail) == (str(row.id), {"reason": reason})


@pytest.mark.parametrize("final", ["completed", "missed", "cancelled"])
async def test_a_finished_check_in_is_left_alone_when_its_window_closes(
    sessions: Sessions, clock: FakeClock, dispatcher: Dispatcher, final: str
) -> None:
    p = await add_patient(sessions, clock, "P1", [plan("day_1", START)], chat_id=802)
    await set_checkin(sessions, p.checkins[0].id, status=final, last_error="kept")
    clock.set(START + 3 * DAY)

    assert (await dispatcher.close_windows()).missed == 0
    [row] = await checkin_rows(sessions, p.enrolment.id)
    assert (row.status, row.last_error) == (final, "kept")


async def test_consecutive_missed_check_ins_raise_exactly_one_amber_flag(
    sessions: Sessions, clock: FakeClock, dispatcher: Dispatcher
) -> None:
    p = await add_patient(sessions, clock, "P1", weekly(4), chat_id=803)

    for week in range(5):  # each check-in is sent and never answered
        clock.set(START + week * 7 * DAY)
        await dispatcher.run_until_idle()

    [flag] = await flags(sessions)
    assert (flag.rule_id, flag.level, flag.status, flag.patient_id) == (
        MISSED_RULE, "amber", "open", p.patient.id,
    )  # fmt: skip
    assert [m["checkin"] for m in flag.evidence["missed"]] == [c.id for c in p.checkins[:2]]
    assert flag.evidence["why"] == {
        "en": "2 check-ins in a row were not answered.",
        "zh-Hans": "连续2次随访未完成。",
    }
    assert flag.checkin_id == p.checkins[1].id
    assert flag.raised_at == START + 14 * DAY  # when the second one closed and was seen


async def test_a_completed_check_in_ends_the_run_and_a_new_run_flags_again(
    sessions: Sessions, clock: FakeClock, dispatcher: Dispatcher
) -> None:
    p = await add_patient(sessions, clock, "P1", weekly(5), chat_id=804)
    clock.set(START + 7 * DAY)
    await dispatcher.run_until_idle()  # c0 missed
    await set_checkin(sessions, p.checkins[1].id, status="completed")
    for week in range(2, 6):  # c2, c3, c4 missed
        clock.set(START + week * 7 * DAY)
        await dispatcher.run_until_idle()

    [flag] = await flags(sessions, MISSED_RULE)
    assert [m["checkin"] for m in flag.evidence["missed"]] == [c.id for c in p.checkins[2:4]]


async def test_check_ins_missed_while_paused_do_not_count(
    sessions: Sessions, clock: FakeClock, transport: FakeTransport, dispatcher: Dispatcher
) -> None:
    p = await add_patient(sessions, clock, "P1", weekly(4), chat_id=805)
    await dispatcher.run_until_idle()  # c0 sent
    await set_patient(sessions, p.patient.id, status="paused")
    for week in range(1, 4):
        clock.set(START + week * 7 * DAY)
        await dispatcher.run_until_idle()

    rows = await checkin_rows(sessions, p.enrolment.id)
    assert [(r.status, r.last_error) for r in rows] == [
        ("missed", "paused"), ("missed", "paused"), ("missed", "paused"), ("scheduled", None),
    ]  # fmt: skip
    assert await flags(sessions) == []
    assert len([t for t in transport.to(805) if t.startswith(INTRO_EN)]) == 1


@pytest.mark.parametrize(
    ("reasons", "runs"),
    [
        ([None, None], [[0, 1]]),
        ([None, "completed", None], []),
        ([None, "paused", None], [[0, 2]]),  # paused ones neither count nor break a run
        ([None, "paused", "paused"], []),
        (["not linked", "not onboarded"], [[0, 1]]),
        (["not sent", "not sent", None], []),
        ([None, "undeliverable", "unreachable", None, None], [[0, 3, 4]]),
        ([None, None, "completed", None, None, None], [[0, 1], [3, 4, 5]]),
    ],
)
def test_runs_of_counted_misses(reasons: list[str | None], runs: list[list[int]]) -> None:
    history = [
        ClosedCheckin(
            n,
            "completed" if r == "completed" else "missed",
            None if r == "completed" else r,
            "early",
            n,
            START + n * DAY,
        )
        for n, r in enumerate(reasons)
    ]
    found = runs_of(history, minimum=2)
    assert [[c.checkin_id for c in run] for run in found] == runs


async def test_resume_after_a_pause_sends_the_current_check_in_only(
    sessions: Sessions,
    clock: FakeClock,
    transport: FakeTransport,
    conversation: ConversationService,
    dispatcher: Dispatcher,
) -> None:
    p = await add_patient(sessions, clock, "P1", weekly(6), chat_id=806)
    await set_patient(sessions, p.patient.id, status="paused")
    for week in range(4):
        clock.set(START + week * 7 * DAY)
        await dispatcher.run_until_idle()
    clock.set(START + 4 * 7 * DAY + dt.timedelta(hours=2))  # c4 due two hours ago
    await dispatcher.run_until_idle()

    resumed = await conversation.resume(Chat(806))
    counts = await dispatcher.run_until_idle()

    assert resumed.messages[1].text == (
        "Time for your check-in (day 29 after your operation). It takes about 2 minutes."
    )
    assert (counts.dispatched.claimed, transport.sent) == (0, [])
    rows = await checkin_rows(sessions, p.enrolment.id)
    assert [(r.status, r.last_error) for r in rows] == [
        *[("missed", "paused")] * 4, ("sent", None), ("scheduled", None),
    ]  # fmt: skip
    assert await flags(sessions) == []


async def test_reactivated_patient_gets_the_current_check_in_from_the_dispatcher(
    sessions: Sessions, clock: FakeClock, transport: FakeTransport, dispatcher: Dispatcher
) -> None:
    p = await add_patient(sessions, clock, "P1", weekly(6), chat_id=807)
    await set_patient(sessions, p.patient.id, status="paused")
    for week in range(4):
        clock.set(START + week * 7 * DAY)
        await dispatcher.run_until_idle()
    await set_patient(sessions, p.patient.id, status="active")
    clock.set(START + 4 * 7 * DAY + dt.timedelta(hours=30))

    counts = await dispatcher.run_until_idle()

    assert counts.dispatched.sent == 1
    assert [t.split("\n\n")[0] for t in transport.to(807) if t.startswith(INTRO_EN)] == [
        "Time for your check-in (day 29 after your operation). It takes about 2 minutes."
    ]


async def test_a_never_opened_invite_is_flagged_as_such_not_as_unanswered(
    sessions: Sessions, clock: FakeClock, dispatcher: Dispatcher
) -> None:
    p = await add_patient(sessions, clock, "P1", weekly(3), chat_id=None)
    for week in range(3):
        clock.set(START + week * 7 * DAY)
        await dispatcher.run_until_idle()

    [flag] = await flags(sessions, MISSED_RULE)
    assert [m["reason"] for m in flag.evidence["missed"]] == ["not linked", "not linked"]
    assert flag.evidence["why"] == {
        "en": "The invite was not opened: 2 check-ins in a row were not sent.",
        "zh-Hans": "邀请链接未打开：连续2次随访未能发送。",
    }
    assert flag.patient_id == p.patient.id
