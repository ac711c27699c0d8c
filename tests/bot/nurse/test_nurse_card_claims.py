"""A card is posted once even when several bot processes try at the same moment; a claim
left by a process that died or stopped is taken over (at once when its heartbeat says so),
and a live process's claim is never taken."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import update

from bot.nurse.desk import CARD_LEASE
from bot.nurse.service import NurseService
from bot.ops.heartbeat import Heartbeat
from bot.telegram.nurse_handlers import TelegramNurseDirectory
from bot.telegram.transport import TelegramTransport
from storage.instances import BEAT
from storage.models import NurseCard
from tests.bot.nurse.conftest import GROUP, NurseHarness


def another_process(h: NurseHarness) -> NurseService:
    return NurseService(h.sessions, h.survey, h.settings, h.clock, TelegramTransport(h.bot),
                        TelegramNurseDirectory(h.bot))  # fmt: skip


async def test_two_processes_post_a_card_once(nurse_harness: NurseHarness) -> None:
    h = nurse_harness
    flags = await h.raise_flags({"red_flags": ["fever", "wound"]})
    ids = [f.id for f in flags]
    other = another_process(h)
    await asyncio.gather(h.service.notify_new_flags(ids), other.notify_new_flags(ids),
                         other.notify_pending(), h.service.notify_pending())  # fmt: skip
    assert len(h.sandbox.transcript(GROUP).messages) == 1
    assert [e.detail["flags"] for e in await h.audit("card.posted")] == [ids]
    assert await other.notify_pending() == 0


async def test_a_claim_whose_sender_died_is_posted_after_the_lease(
    nurse_harness: NurseHarness,
) -> None:
    h = nurse_harness
    flags = await h.raise_flags({"red_flags": ["wound"]})
    card_id = flags[0].card_id
    assert card_id is not None
    async with h.sessions.begin() as session:  # claimed, then the process died before sending
        await session.execute(
            update(NurseCard).where(NurseCard.id == card_id)
            .values(claimed_by="dead:1", claimed_at=h.clock.now())
        )  # fmt: skip
    assert await h.service.notify_pending() == 0
    assert h.sandbox.transcript(GROUP).messages == ()
    h.clock.advance(CARD_LEASE + dt.timedelta(seconds=1))
    assert await h.service.notify_pending() == 1
    card = await h.next_message(GROUP)
    assert (await h.flag(flags[0].id)).card_message_id == card.message_id


async def claim_card(h: NurseHarness, card_id: int, owner: str) -> None:
    async with h.sessions.begin() as session:  # claimed, then the sender stopped or hung
        await session.execute(
            update(NurseCard).where(NurseCard.id == card_id)
            .values(claimed_by=owner, claimed_at=h.clock.now())
        )  # fmt: skip


async def test_a_card_claimed_by_a_process_that_stopped_is_posted_at_the_next_sweep(
    nurse_harness: NurseHarness,
) -> None:
    h = nurse_harness
    flags = await h.raise_flags({"red_flags": ["wound"]})
    assert flags[0].card_id is not None
    gone = Heartbeat(h.sessions, h.clock, "ward-b:1", host="ward-b", running=lambda *_: True)
    await gone.start()
    await claim_card(h, flags[0].card_id, "ward-b:1")
    await gone.stop()

    assert await h.service.notify_pending() == 1  # the same second: no lease to wait out
    card = await h.next_message(GROUP)
    assert (await h.flag(flags[0].id)).card_message_id == card.message_id
    # It may have been posted by the stopped process already: the takeover is on record.
    [recovered] = await h.audit("claim.recovered")
    assert recovered.detail == {"from": "ward-b:1", "escalate": False}


async def test_a_card_claimed_by_a_live_process_is_left_to_it_past_the_lease(
    nurse_harness: NurseHarness,
) -> None:
    h = nurse_harness
    flags = await h.raise_flags({"red_flags": ["wound"]})
    assert flags[0].card_id is not None
    live = Heartbeat(h.sessions, h.clock, "ward-b:2", host="ward-b", running=lambda *_: True)
    await live.start()
    await claim_card(h, flags[0].card_id, "ward-b:2")

    for _ in range(2 * CARD_LEASE // BEAT):
        h.clock.advance(BEAT)
        await live.sweep()
        assert await h.service.notify_pending() == 0
    assert h.sandbox.transcript(GROUP).messages == ()
