"""Claims and heartbeats: a dead or stopped process's check-ins go out at the next tick, a
live process keeps its claims however long its send takes."""

from __future__ import annotations

import datetime as dt
import os
import subprocess

from conftest import START
from scheduling_support import FakeTransport, Sessions, add_patient, checkin_rows, plan

from bot.clock import FakeClock
from bot.ops.heartbeat import Heartbeat, instance_name, process_running
from bot.scheduling import Dispatcher
from bot.services.conversation import ConversationService
from storage import dispatch as store
from storage import instances
from storage.audit import list_audit

SECOND = dt.timedelta(seconds=1)


def other_host(sessions: Sessions, clock: FakeClock, name: str) -> Heartbeat:
    """A process on another host (its process ids mean nothing here)."""
    return Heartbeat(sessions, clock, name, host="ward-b", pid=4242, running=lambda *_: True)


def exited_pid() -> int:
    """The id of a process that has ended (and been reaped)."""
    exited = subprocess.Popen(["true"])
    exited.wait()
    return exited.pid


async def claim_as(sessions: Sessions, instance: str, now: dt.datetime) -> store.Claim:
    async with sessions.begin() as session:
        [claim] = await store.claim_due(
            session, now=now, instance=instance, limit=10, awake_zones={"Europe/London"}
        )
    return claim


async def test_a_live_processes_claim_is_never_taken_however_long_its_send_takes(
    sessions: Sessions, clock: FakeClock, transport: FakeTransport, dispatcher: Dispatcher
) -> None:
    p = await add_patient(sessions, clock, "P1", [plan("day_1", START)], chat_id=901)
    slow = other_host(sessions, clock, "slow")
    await slow.start()
    await claim_as(sessions, "slow", START)

    for _ in range(10 * 60 // 5):  # ten minutes, far past any lease, its heartbeat beating
        clock.advance(instances.BEAT)
        await slow.sweep()
        counts = await dispatcher.dispatch_due()
        assert (counts.claimed, counts.recovered_retry, counts.recovered_sent) == (0, 0, 0)

    assert transport.sent == []
    [row] = await checkin_rows(sessions, p.enrolment.id)
    assert (row.status, row.claimed_by) == ("sending", "slow")


async def test_a_process_whose_heartbeat_stopped_loses_its_claims_a_few_beats_later(
    sessions: Sessions, clock: FakeClock, transport: FakeTransport, dispatcher: Dispatcher
) -> None:
    p = await add_patient(sessions, clock, "P1", [plan("day_1", START)], chat_id=902)
    await other_host(sessions, clock, "crashed").start()
    await claim_as(sessions, "crashed", START)

    clock.advance(instances.STALE_AFTER)
    young = await dispatcher.dispatch_due()
    clock.advance(SECOND)
    recovered = await dispatcher.dispatch_due()

    assert (young.claimed, young.recovered_retry, young.sent) == (0, 0, 0)
    assert (recovered.recovered_retry, recovered.sent) == (1, 1)
    assert len(transport.questions()) == 1
    [row] = await checkin_rows(sessions, p.enrolment.id)
    assert (row.status, row.claimed_by, row.attempts) == ("sent", "test-1", 1)
    async with sessions() as session:  # its opening may have gone out before: on record
        [event] = await list_audit(session, action="claim.recovered")
    assert (event.entity_id, event.detail) == (str(row.id), {"from": "crashed", "sent": False})


async def test_a_dead_processes_accepted_question_is_marked_sent_and_not_sent_again(
    sessions: Sessions,
    clock: FakeClock,
    transport: FakeTransport,
    conversation: ConversationService,
    dispatcher: Dispatcher,
) -> None:
    p = await add_patient(sessions, clock, "P1", [plan("day_1", START)], chat_id=903)
    await other_host(sessions, clock, "crashed").start()
    claim = await claim_as(sessions, "crashed", START)
    await conversation.question_sent(claim.checkin_id, 4242)  # Telegram had it; then the crash

    clock.advance(instances.STALE_AFTER + SECOND)
    counts = await dispatcher.dispatch_due()

    assert (counts.recovered_sent, transport.sent) == (1, [])
    [row] = await checkin_rows(sessions, p.enrolment.id)
    assert (row.status, row.sent_at, row.message_id) == ("sent", START, 4242)


async def test_a_cleanly_stopped_processes_claims_are_recovered_at_the_next_tick(
    sessions: Sessions, clock: FakeClock, transport: FakeTransport, dispatcher: Dispatcher
) -> None:
    p = await add_patient(sessions, clock, "P1", [plan("day_1", START)], chat_id=904)
    stopping = other_host(sessions, clock, "stopping")
    await stopping.start()
    await claim_as(sessions, "stopping", START)
    await stopping.stop()

    counts = await dispatcher.dispatch_due()  # the same second

    assert (counts.recovered_retry, counts.sent) == (1, 1)
    [row] = await checkin_rows(sessions, p.enrolment.id)
    assert (row.status, row.claimed_by) == ("sent", "test-1")


async def test_a_stopping_dispatcher_gives_its_own_claims_back(
    sessions: Sessions,
    clock: FakeClock,
    transport: FakeTransport,
    conversation: ConversationService,
    dispatcher: Dispatcher,
) -> None:
    p = await add_patient(sessions, clock, "P1", [plan("day_1", START)], chat_id=905)
    beat = Heartbeat(sessions, clock, dispatcher.instance, host="ward-a", pid=1)
    await beat.start()
    await claim_as(sessions, dispatcher.instance, START)  # a send cut short by the stop
    await beat.stop()

    counts = await dispatcher.recover()

    assert counts.recovered_retry == 1
    [row] = await checkin_rows(sessions, p.enrolment.id)
    assert (row.status, row.claimed_by, row.attempts) == ("scheduled", None, 1)


async def test_a_restart_on_the_same_host_marks_its_dead_predecessor_gone_at_once(
    sessions: Sessions, clock: FakeClock
) -> None:
    dead = Heartbeat(sessions, clock, "bot:old", host="ward-a", pid=exited_pid())
    elsewhere = other_host(sessions, clock, "bot:elsewhere")
    for beat in (dead, elsewhere):
        await beat.start()

    restarted = Heartbeat(sessions, clock, instance_name("bot"), host="ward-a")
    gone = await restarted.start()

    async with sessions() as session:
        live = [i.name for i in await instances.live_instances(session, clock.now())]
    assert gone == ["bot:old"]
    assert sorted(live) == sorted(["bot:elsewhere", restarted.name])


def test_a_process_id_is_running_only_for_the_process_that_registered_it() -> None:
    mine = instance_name("bot")
    assert process_running(os.getpid(), mine)
    assert not process_running(os.getpid(), f"bot:{os.getpid()}:0000000001")  # before a restart
    assert not process_running(exited_pid(), "bot:gone:x")
