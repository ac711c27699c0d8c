"""A flag's card is posted once even when several bot processes try at the same moment."""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.nurse.service import CARD_LEASE, NurseService
from bot.telegram.nurse_handlers import TelegramNurseDirectory
from bot.telegram.transport import TelegramTransport
from storage.flags import set_flag
from tests.bot.nurse.conftest import GROUP, NurseHarness


def another_process(h: NurseHarness) -> NurseService:
    return NurseService(h.sessions, h.survey, h.settings, h.clock, TelegramTransport(h.bot),
                        TelegramNurseDirectory(h.bot))  # fmt: skip


async def test_two_processes_card_a_flag_once(nurse_harness: NurseHarness) -> None:
    h = nurse_harness
    flags = await h.raise_flags({"red_flags": ["fever"]})
    ids = [f.id for f in flags]
    other = another_process(h)
    await asyncio.gather(h.service.notify_new_flags(ids), other.notify_new_flags(ids),
                         other.notify_pending())  # fmt: skip
    assert len(h.sandbox.transcript(GROUP).messages) == 1
    assert len(await h.audit("flag.notified")) == 1


async def test_a_claim_whose_sender_died_is_carded_after_the_lease(
    nurse_harness: NurseHarness,
) -> None:
    h = nurse_harness
    flags = await h.raise_flags({"red_flags": ["wound"]})
    async with h.sessions.begin() as session:  # claimed, then the process died before sending
        await set_flag(session, flags[0].id, notified_at=h.clock.now())
    assert await h.service.notify_pending() == 0
    h.clock.advance(CARD_LEASE + dt.timedelta(seconds=1))
    assert await h.service.notify_pending() == 1
    card = await h.next_message(GROUP)
    assert (await h.flag(flags[0].id)).card_message_id == card.message_id
