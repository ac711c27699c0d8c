"""Claims are taken as places free up: a slow check-in never holds up the next ones."""

from __future__ import annotations

import asyncio
from collections import defaultdict

from conftest import START
from scheduling_support import (
    FakeTransport,
    Sessions,
    add_patient,
    checkin_rows,
    make_dispatcher,
    plan,
)

from bot.clock import FakeClock
from bot.services.conversation import ConversationService
from bot.services.replies import Outgoing
from bot.settings import Settings
from surveys.model import Survey

WAIT = 10  # seconds before a test that would otherwise hang fails


class HeldQuestion(FakeTransport):
    """The question to ``held`` hangs until ``release`` is set; ``asked[chat]`` is set once
    a question went out to that chat."""

    def __init__(self, clock: FakeClock, held: int) -> None:
        super().__init__(clock)
        self.held = held
        self.release = asyncio.Event()
        self.asked: defaultdict[int, asyncio.Event] = defaultdict(asyncio.Event)

    async def send(self, chat_id: int, message: Outgoing) -> int:
        if chat_id == self.held and message.asks is not None:
            await self.release.wait()
        sent = await super().send(chat_id, message)
        if message.asks is not None:
            self.asked[chat_id].set()
        return sent


async def test_a_slow_check_in_does_not_hold_up_the_next_claims(
    sessions: Sessions,
    survey: Survey,
    settings: Settings,
    clock: FakeClock,
    conversation: ConversationService,
) -> None:
    for n, chat_id in enumerate((931, 932, 933)):
        await add_patient(sessions, clock, f"P{n}", [plan("day_1", START)], chat_id=chat_id)
    transport = HeldQuestion(clock, held=931)
    dispatcher = make_dispatcher(
        sessions, survey, settings, clock, transport, conversation, batch_size=2, concurrency=2
    )

    run = asyncio.create_task(dispatcher.dispatch_due())
    await asyncio.wait_for(transport.asked[933].wait(), WAIT)  # claimed after 932 was sent
    assert [q.chat_id for q in transport.questions()] == [932, 933] and not run.done()
    transport.release.set()
    counts = await asyncio.wait_for(run, WAIT)

    assert (counts.claimed, counts.sent) == (3, 3)
    assert [q.chat_id for q in transport.questions()] == [932, 933, 931]
    assert {r.status for r in await checkin_rows(sessions)} == {"sent"}
