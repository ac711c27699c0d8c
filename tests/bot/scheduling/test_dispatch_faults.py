"""Telegram failing: blocked chats, rate limits, server errors, dead processes mid-send."""

from __future__ import annotations

import datetime as dt
import random
from itertools import pairwise

from conftest import START
from scheduling_support import (
    FakeTransport,
    Sessions,
    add_patient,
    checkin_rows,
    flags,
    make_dispatcher,
    plan,
    set_checkin,
)

from bot.clock import FakeClock
from bot.scheduling import MISSED_RULE, UNREACHABLE_RULE, Dispatcher, DispatchPolicy, Pacer
from bot.services.conversation import ConversationService
from bot.services.replies import Outgoing, Reply
from bot.services.transport import Blocked, DeliveryError, RetryLater, Transient
from bot.settings import Settings
from storage import dispatch as store
from storage import patients as patient_store
from storage.audit import list_audit
from surveys.model import Survey

HOUR = dt.timedelta(hours=1)
MINUTE = dt.timedelta(minutes=1)
SECOND = dt.timedelta(seconds=1)


async def test_a_blocked_chat_makes_the_patient_unreachable_with_one_flag(
    sessions: Sessions, clock: FakeClock, transport: FakeTransport, dispatcher: Dispatcher
) -> None:
    p = await add_patient(sessions, clock, "P1", [plan("day_1", START)], chat_id=901)
    transport.fail(901, Blocked("Forbidden: bot was blocked by the user"))

    counts = await dispatcher.dispatch_due()

    assert (counts.claimed, counts.blocked, transport.sent) == (1, 1, [])
    [row] = await checkin_rows(sessions, p.enrolment.id)
    assert (row.status, row.last_error, row.attempts) == ("scheduled", "blocked", 0)
    async with sessions() as session:
        patient = await patient_store.get_patient(session, p.patient.id)
        [event] = await list_audit(session, action="patient.unreachable")
    assert patient is not None and patient.status == "unreachable"
    assert event.detail == {"reason": "blocked", "checkin": row.id}
    [flag] = await flags(sessions)
    assert (flag.rule_id, flag.level, flag.dedupe_key) == (
        UNREACHABLE_RULE, "amber", f"unreachable:{p.patient.id}:{row.id}",
    )  # fmt: skip
    assert flag.evidence["why"]["en"] == "The patient blocked the bot or deleted the chat."

    clock.set(START + 48 * HOUR)  # nothing more is tried; the window closes
    await dispatcher.run_until_idle()
    [row] = await checkin_rows(sessions, p.enrolment.id)
    assert (row.status, row.last_error) == ("missed", "unreachable")
    assert [f.rule_id for f in await flags(sessions)] == [UNREACHABLE_RULE]


async def test_a_patient_who_blocks_during_a_check_in_is_flagged_by_the_reminder(
    sessions: Sessions, clock: FakeClock, transport: FakeTransport, dispatcher: Dispatcher
) -> None:
    p = await add_patient(sessions, clock, "P1", [plan("day_1", START)], chat_id=902)
    await dispatcher.tick()
    transport.fail(902, Blocked("Forbidden: bot was blocked by the user"))
    clock.set(START + 4 * HOUR)

    counts = await dispatcher.send_reminders()
    clock.set(START + 24 * HOUR)
    again = await dispatcher.send_reminders()

    assert (counts.blocked, again.due) == (1, 0)
    assert [f.rule_id for f in await flags(sessions)] == [UNREACHABLE_RULE]
    [row] = await checkin_rows(sessions, p.enrolment.id)
    assert (row.status, row.reminder_count) == ("sent", 1)


async def test_a_rate_limit_is_waited_out_and_the_message_sent(
    sessions: Sessions,
    clock: FakeClock,
    transport: FakeTransport,
    dispatcher: Dispatcher,
    sleeps: list[float],
) -> None:
    p = await add_patient(sessions, clock, "P1", [plan("day_1", START)], chat_id=903)
    transport.fail(903, RetryLater(3))

    counts = await dispatcher.dispatch_due()

    assert (counts.sent, len(transport.questions())) == (1, 1)
    assert sleeps and 2.9 < max(sleeps) <= 3
    [row] = await checkin_rows(sessions, p.enrolment.id)
    assert (row.status, row.attempts) == ("sent", 0)


async def test_a_long_rate_limit_puts_the_check_in_back_without_counting_a_try(
    sessions: Sessions, clock: FakeClock, transport: FakeTransport, dispatcher: Dispatcher
) -> None:
    p = await add_patient(sessions, clock, "P1", [plan("day_1", START)], chat_id=904)
    transport.fail(904, RetryLater(120))

    first = await dispatcher.dispatch_due()
    [row] = await checkin_rows(sessions, p.enrolment.id)
    second = await dispatcher.dispatch_due()

    assert (first.released, row.status, row.attempts) == (1, "scheduled", 0)
    assert row.last_error == "rate limited 120s"
    assert second.sent == 1


async def test_transient_errors_are_retried_with_backoff_within_one_try(
    sessions: Sessions,
    clock: FakeClock,
    transport: FakeTransport,
    dispatcher: Dispatcher,
    sleeps: list[float],
) -> None:
    await add_patient(sessions, clock, "P1", [plan("day_1", START)], chat_id=905)
    transport.fail(905, Transient("Timed out"), Transient("Bad Gateway"))

    counts = await dispatcher.dispatch_due()

    assert counts.sent == 1
    assert [s for s in sleeps if s > 0] == [0.5, 1.0]


async def test_a_check_in_that_keeps_failing_is_given_up_as_undeliverable_with_a_flag(
    sessions: Sessions, clock: FakeClock, transport: FakeTransport, dispatcher: Dispatcher
) -> None:
    p = await add_patient(sessions, clock, "P1", [plan("day_1", START)], chat_id=906)
    transport.chaos = lambda chat, message: Transient("Internal Server Error")

    tries: list[dt.datetime] = []
    failed = 0
    while len(tries) < 20 and clock.now() < START + 6 * HOUR:
        counts = await dispatcher.dispatch_due()
        if counts.claimed:
            tries.append(clock.now())
        failed += counts.failed
        clock.advance(30 * SECOND)

    gaps = [(b - a).total_seconds() for a, b in pairwise(tries)]
    assert gaps == [30, 60, 120, 240, 480, 960, 1800, 1800, 1800]  # DispatchPolicy's waits
    assert failed == 1
    [row] = await checkin_rows(sessions, p.enrolment.id)
    assert row.attempts == 10
    assert (row.status, row.last_error) == ("missed", "undeliverable")
    [flag] = await flags(sessions)
    assert (flag.rule_id, flag.evidence["reason"]) == (UNREACHABLE_RULE, "undeliverable")
    async with sessions() as session:
        patient = await patient_store.get_patient(session, p.patient.id)
    assert patient is not None and patient.status == "active"  # later check-ins still tried


async def test_a_fault_storm_ends_with_every_check_in_sent_once_or_flagged(
    sessions: Sessions,
    survey: Survey,
    settings: Settings,
    clock: FakeClock,
    transport: FakeTransport,
    conversation: ConversationService,
) -> None:
    zones = ("Europe/London", "Asia/Shanghai", "America/New_York", "Australia/Sydney")
    patients = [
        await add_patient(
            sessions,
            clock,
            f"P{n}",
            [plan("day_1", START, hours=72, reminders=())],
            chat_id=1000 + n,
            timezone=zones[n % len(zones)],
        )
        for n in range(40)
    ]
    blocked = {1003, 1017, 1031}
    chance = random.Random(7)

    def chaos(chat_id: int, message: Outgoing) -> DeliveryError | None:
        if chat_id in blocked:
            return Blocked("Forbidden: bot was blocked by the user")
        roll = chance.random()
        if roll < 0.15:
            return RetryLater(chance.choice([1, 2, 5, 60]))
        if roll < 0.45:
            return Transient(chance.choice(["Timed out", "Bad Gateway", "Internal Server Error"]))
        return None

    transport.chaos = chaos
    dispatcher = make_dispatcher(
        sessions, survey, settings, clock, transport, conversation, batch_size=7
    )
    ticks = 0
    while ticks < 24 * 60:  # at most a day of ticks, a minute apart
        ticks += 1
        await dispatcher.tick()
        rows = await checkin_rows(sessions)
        if all(r.status != "scheduled" or r.last_error == "blocked" for r in rows):
            break
        clock.advance(MINUTE)

    rows = await checkin_rows(sessions)
    questions = [q.chat_id for q in transport.questions()]
    by_enrolment = {p.enrolment.id: p.chat_id for p in patients}
    for row in rows:
        chat_id = by_enrolment[row.enrolment_id]
        if chat_id in blocked:
            assert (row.status, row.last_error) == ("scheduled", "blocked")
            assert questions.count(chat_id) == 0
        else:
            assert row.status == "sent", row.last_error
            assert questions.count(chat_id) == 1  # the question went out exactly once
    flagged = sorted(f.patient_id for f in await flags(sessions, UNREACHABLE_RULE))
    assert flagged == sorted(p.patient.id for p in patients if p.chat_id in blocked)
    assert ticks < 6 * 60  # New York's quiet hours end 4 h after the start
    assert await flags(sessions, MISSED_RULE) == []


# ---------------------------------------------------------------- dead processes


async def _claim_as(sessions: Sessions, instance: str, now: dt.datetime) -> store.Claim:
    async with sessions.begin() as session:
        [claim] = await store.claim_due(
            session, now=now, instance=instance, limit=10, awake_zones={"Europe/London"}
        )
    return claim


async def test_a_dead_processes_claim_is_sent_again_after_the_lease(
    sessions: Sessions, clock: FakeClock, transport: FakeTransport, dispatcher: Dispatcher
) -> None:
    p = await add_patient(sessions, clock, "P1", [plan("day_1", START)], chat_id=907)
    await _claim_as(sessions, "crashed", START)

    lease = DispatchPolicy().lease
    assert lease <= MINUTE  # a crash delays check-ins by seconds, not minutes
    clock.set(START + lease - dt.timedelta(seconds=1))
    young = await dispatcher.dispatch_due()
    clock.set(START + lease + dt.timedelta(seconds=1))
    recovered = await dispatcher.dispatch_due()

    assert (young.claimed, young.recovered_retry) == (0, 0)
    assert (recovered.recovered_retry, recovered.sent) == (1, 1)
    assert len(transport.questions()) == 1
    [row] = await checkin_rows(sessions, p.enrolment.id)
    assert (row.status, row.claimed_by, row.attempts) == ("sent", "test-1", 1)


async def test_a_dead_processes_claim_whose_question_was_accepted_is_not_sent_again(
    sessions: Sessions,
    clock: FakeClock,
    transport: FakeTransport,
    conversation: ConversationService,
    dispatcher: Dispatcher,
) -> None:
    p = await add_patient(sessions, clock, "P1", [plan("day_1", START)], chat_id=908)
    claim = await _claim_as(sessions, "crashed", START)
    await conversation.question_sent(claim.checkin_id, 4242)  # then the process died

    clock.set(START + 6 * MINUTE)
    counts = await dispatcher.run_until_idle()

    assert (counts.dispatched.recovered_sent, transport.sent) == (1, [])
    [row] = await checkin_rows(sessions, p.enrolment.id)
    assert (row.status, row.sent_at, row.message_id) == ("sent", START, 4242)
    assert row.next_reminder_at == START + 4 * HOUR


async def test_a_claim_out_of_time_stops_before_the_next_try_and_goes_back(
    sessions: Sessions,
    survey: Survey,
    settings: Settings,
    clock: FakeClock,
    transport: FakeTransport,
    conversation: ConversationService,
) -> None:
    p = await add_patient(sessions, clock, "P1", [plan("day_1", START)], chat_id=909)
    elapsed = [0.0]

    def slow_network(chat_id: int, message: Outgoing) -> DeliveryError:
        elapsed[0] += 400  # the opening (one message) times out after half the lease
        return Transient("timed out")

    transport.chaos = slow_network

    async def sleep(seconds: float) -> None:
        return None

    dispatcher = Dispatcher(
        sessions, survey, settings, clock, transport, conversation, instance="slow",
        pacer=Pacer.unlimited(sleep), sleep=sleep, monotonic=lambda: elapsed[0],
        policy=DispatchPolicy(lease=dt.timedelta(minutes=10)),
    )  # fmt: skip

    counts = await dispatcher.dispatch_due()

    assert counts.released == 1
    assert transport.sent == []  # no second try once the claim's time is up
    [row] = await checkin_rows(sessions, p.enrolment.id)
    assert (row.status, row.attempts, row.last_error) == ("scheduled", 0, "out of time")


async def test_a_refused_message_counts_as_a_failed_try(
    sessions: Sessions, clock: FakeClock, transport: FakeTransport, dispatcher: Dispatcher
) -> None:
    p = await add_patient(sessions, clock, "P1", [plan("day_1", START)], chat_id=910)
    transport.fail(910, DeliveryError("Bad Request: message is too long"))

    counts = await dispatcher.dispatch_due()

    assert counts.retried == 1
    [row] = await checkin_rows(sessions, p.enrolment.id)
    assert (row.status, row.attempts) == ("scheduled", 1)
    assert row.last_error == "DeliveryError: Bad Request: message is too long"


class _TakenOver:
    """Renders the opening, then another process takes the claim over (a too-slow send)."""

    def __init__(self, inner: ConversationService, sessions: Sessions) -> None:
        self._inner = inner
        self._sessions = sessions

    async def opening(self, checkin_id: int, *, reminder: bool = False) -> tuple[int, Reply] | None:
        rendered = await self._inner.opening(checkin_id, reminder=reminder)
        await set_checkin(self._sessions, checkin_id, claimed_by="other")
        return rendered

    async def question_sent(self, checkin_id: int, message_id: int) -> None:
        await self._inner.question_sent(checkin_id, message_id)


async def test_a_claim_taken_over_meanwhile_is_not_marked_sent_by_its_old_owner(
    sessions: Sessions,
    survey: Survey,
    settings: Settings,
    clock: FakeClock,
    transport: FakeTransport,
    conversation: ConversationService,
) -> None:
    p = await add_patient(sessions, clock, "P1", [plan("day_1", START)], chat_id=911)
    dispatcher = make_dispatcher(
        sessions, survey, settings, clock, transport, _TakenOver(conversation, sessions)
    )

    counts = await dispatcher.dispatch_due()

    assert (counts.claimed, counts.lost, counts.sent) == (1, 1, 0)
    [row] = await checkin_rows(sessions, p.enrolment.id)
    assert (row.status, row.claimed_by) == ("sending", "other")


async def test_a_run_takes_no_new_batch_once_its_time_budget_is_spent(
    sessions: Sessions,
    survey: Survey,
    settings: Settings,
    clock: FakeClock,
    transport: FakeTransport,
    conversation: ConversationService,
) -> None:
    for n in range(3):
        await add_patient(sessions, clock, f"P{n}", [plan("day_1", START)], chat_id=920 + n)
    elapsed = [0.0]

    def slow_network(chat_id: int, message: Outgoing) -> None:
        elapsed[0] += 20  # settings.tick_seconds is 30: the budget is 24 s

    transport.chaos = slow_network

    async def sleep(seconds: float) -> None:
        return None

    dispatcher = Dispatcher(
        sessions, survey, settings, clock, transport, conversation, instance="slow",
        pacer=Pacer.unlimited(sleep), sleep=sleep, monotonic=lambda: elapsed[0],
        policy=DispatchPolicy(batch_size=1),
    )  # fmt: skip

    first = await dispatcher.dispatch_due()
    second = await dispatcher.dispatch_due()

    assert (first.sent, second.sent) == (2, 1)
