"""Injected faults and blocked chats, as python-telegram-bot experiences them."""

from __future__ import annotations

import datetime as dtm
from collections.abc import AsyncIterator

import pytest
from sandbox_support import PATIENT, make_bot
from telegram import Bot, ChatMemberBanned, ChatMemberMember
from telegram.error import Forbidden, NetworkError, RetryAfter, TimedOut

from bot.sandbox import BotApiSandbox, FaultPlan


@pytest.fixture
async def impatient_bot(sandbox: BotApiSandbox) -> AsyncIterator[Bot]:
    """A client that gives up after 0.2 s, so a held request times out quickly."""
    async with make_bot(sandbox, read_timeout=0.2) as client:
        yield client


async def test_429_is_raised_as_retry_after_and_not_delivered(
    bot: Bot, sandbox: BotApiSandbox
) -> None:
    fault = sandbox.faults.add("sendMessage", "429", times=1, retry_after=2)
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(PATIENT, "Check-in")
    assert raised.value.retry_after == dtm.timedelta(seconds=2)
    assert fault.fired == 1
    assert sandbox.transcript(PATIENT).messages == ()

    await bot.send_message(PATIENT, "Check-in")  # times=1: the retry goes through
    assert sandbox.transcript(PATIENT).texts == ("Check-in",)
    assert sandbox.violations == ()


@pytest.mark.parametrize(
    ("kind", "error", "message"),
    [
        ("403", Forbidden, "Forbidden: bot was blocked by the user"),
        ("500", NetworkError, "Internal Server Error"),
    ],
)
async def test_status_faults_fail_the_request_without_delivering(
    bot: Bot, sandbox: BotApiSandbox, kind: str, error: type[Exception], message: str
) -> None:
    sandbox.faults.add("sendMessage", kind, times=2)  # type: ignore[arg-type]
    for _ in range(2):
        with pytest.raises(error, match=message):
            await bot.send_message(PATIENT, "Check-in")
    assert sandbox.transcript(PATIENT).messages == ()
    assert sandbox.violations == ()


async def test_timeout_fault_holds_the_request_and_drops_it(
    impatient_bot: Bot, sandbox: BotApiSandbox
) -> None:
    sandbox.faults.add("sendMessage", "timeout", delay=3.0)
    with pytest.raises(TimedOut):
        await impatient_bot.send_message(PATIENT, "Check-in")
    assert sandbox.transcript(PATIENT).messages == ()


async def test_deliver_then_timeout_delivers_but_the_client_never_hears(
    impatient_bot: Bot, sandbox: BotApiSandbox
) -> None:
    sandbox.faults.add("sendMessage", "timeout", delay=3.0, deliver_then_timeout=True)
    with pytest.raises(TimedOut):
        await impatient_bot.send_message(PATIENT, "Check-in")
    assert sandbox.transcript(PATIENT).texts == ("Check-in",)


async def test_timeout_fault_drops_the_connection_when_the_delay_ends(
    sandbox: BotApiSandbox,
) -> None:
    sandbox.faults.add("sendMessage", "timeout", delay=0.05)
    async with make_bot(sandbox, read_timeout=5.0) as patient_bot:
        with pytest.raises(NetworkError):
            await patient_bot.send_message(PATIENT, "Check-in")
    assert sandbox.transcript(PATIENT).messages == ()


async def test_fault_limited_to_one_chat(bot: Bot, sandbox: BotApiSandbox) -> None:
    sandbox.create_private_chat(7, "Li")
    sandbox.faults.add("sendMessage", "429", times=5, chat_id=7)
    await bot.send_message(PATIENT, "Check-in")
    with pytest.raises(RetryAfter):
        await bot.send_message(7, "Check-in")
    assert sandbox.transcript(PATIENT).texts == ("Check-in",)


async def test_rate_fault_fails_a_seeded_share_of_requests(
    bot: Bot, sandbox: BotApiSandbox
) -> None:
    fault = sandbox.faults.add("sendMessage", "429", rate=0.3)
    outcomes = []
    for number in range(30):
        try:
            await bot.send_message(PATIENT, f"Message {number}")
            outcomes.append(True)
        except RetryAfter:
            outcomes.append(False)
    failed = outcomes.count(False)
    assert fault.fired == failed
    assert 3 <= failed <= 15
    assert len(sandbox.transcript(PATIENT).messages) == 30 - failed


def test_rate_faults_repeat_for_the_same_seed() -> None:
    def pattern(seed: int) -> list[bool]:
        plan = FaultPlan(seed=seed)
        plan.add("sendMessage", "500", rate=0.5)
        return [plan.match("sendMessage", "1") is not None for _ in range(40)]

    assert pattern(7) == pattern(7)
    assert pattern(7) != pattern(8)


def test_fault_only_matches_its_method() -> None:
    plan = FaultPlan()
    plan.add("sendPhoto", "429", times=1)
    assert plan.match("sendMessage", "1") is None
    assert plan.match("sendphoto", "1") is not None
    assert plan.match("sendPhoto", "1") is None  # used up
    assert plan.active == ()


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ({"kind": "418"}, "unknown fault kind '418'"),
        ({"times": 2, "rate": 0.5}, "give either times or rate, not both"),
        ({"rate": 1.5}, "rate must be between 0 and 1"),
        ({"times": 0}, "times must be at least 1"),
        ({"kind": "429", "deliver_then_timeout": True}, "only applies to timeout faults"),
    ],
)
def test_bad_fault_definitions_are_rejected(arguments: dict[str, object], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        FaultPlan().add(**arguments)  # type: ignore[arg-type]


async def test_blocked_bot_gets_403_until_unblocked(bot: Bot, sandbox: BotApiSandbox) -> None:
    blocked = await sandbox.block_bot(PATIENT)
    with pytest.raises(Forbidden, match="Forbidden: bot was blocked by the user"):
        await bot.send_message(PATIENT, "Check-in")

    (update,) = await bot.get_updates(offset=blocked.update_id)
    change = update.my_chat_member
    assert change is not None and change.chat.id == PATIENT
    assert isinstance(change.old_chat_member, ChatMemberMember)
    assert isinstance(change.new_chat_member, ChatMemberBanned)

    await sandbox.unblock_bot(PATIENT)
    await bot.send_message(PATIENT, "Welcome back")
    assert sandbox.transcript(PATIENT).texts == ("Welcome back",)
    assert sandbox.violations == ()


async def test_bot_removed_from_group_gets_403(bot: Bot, sandbox: BotApiSandbox) -> None:
    sandbox.add_user(9, "Nurse Chen")
    group = sandbox.create_group(-500, "Ward 3 nurses", {9: "administrator"})
    await sandbox.block_bot(group, user_id=9)
    with pytest.raises(Forbidden, match="bot was kicked from the group chat"):
        await bot.send_message(group, "Red flag")
