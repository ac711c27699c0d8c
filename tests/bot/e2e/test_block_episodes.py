"""Blocking and unblocking the bot again and again is one episode for the nurses: one open
amber flag and one card until a nurse resolves it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from storage.models import Flag
from tests.bot.e2e.conftest import NURSES, Harness
from tests.bot.e2e.test_patient_conversation import CHAT, onboard


async def cards(h: Harness) -> int:
    return sum(
        1 for m in h.sandbox.transcript(NURSES).messages if "blocked the bot" in (m.text or "")
    )


async def test_repeated_blocks_raise_one_flag_until_it_is_resolved(harness: Harness) -> None:
    h = harness
    await onboard(h)
    await h.sandbox.block_bot(CHAT)
    await h.next_message(NURSES, "blocked the bot")
    for _ in range(3):
        await h.sandbox.unblock_bot(CHAT)
        h.clock.advance(dt.timedelta(minutes=5))
        await h.sandbox.block_bot(CHAT)
    await h.sandbox.unblock_bot(CHAT)
    await h.sandbox.send_command(CHAT, "help")  # a later update: the blocks were handled
    await h.next_message(CHAT, "/stop")
    async with h.services.sessions() as session:
        assert (await session.scalars(select(Flag.rule_id))).all() == ["unreachable"]
    assert await cards(h) == 1

    async with h.services.sessions.begin() as session:  # a nurse resolved it
        await session.execute(update(Flag).values(status="resolved"))
    h.clock.advance(dt.timedelta(minutes=5))
    await h.sandbox.block_bot(CHAT)  # a new episode
    await h.next_message(NURSES, "blocked the bot")
    async with h.services.sessions() as session:
        assert len((await session.scalars(select(Flag.id))).all()) == 2
