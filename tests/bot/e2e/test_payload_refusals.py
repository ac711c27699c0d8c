"""Payloads the bot never made end in a clear refusal, never in "something went wrong"."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.models import Answer, AuditEvent
from tests.bot.e2e.conftest import Harness
from tests.bot.e2e.test_patient_conversation import CHAT, onboard


@pytest.mark.parametrize(
    "payload",
    ["a:1:0:0:签名不对签名不对", "a:1:0:é:AAAAAAAAAAAA", "\x00:1:0:0:AAAAAAAAAAAA", "ü"],
)
async def test_non_ascii_button_payload_is_refused(harness: Harness, payload: str) -> None:
    h = harness
    await onboard(h)
    message = [m for m in h.sandbox.transcript(CHAT).messages if "1/" in (m.text or "")][-1]
    await h.sandbox.press_callback_data(CHAT, message.message_id, payload)
    await h.sandbox.send_command(CHAT, "help")  # a later update: the tap was handled before
    await h.next_message(CHAT, "/stop")
    answers = [a.text for a in h.sandbox.transcript(CHAT).callback_answers][-1:]
    assert answers == ["This button no longer works."]
    texts = [m.text or "" for m in h.sandbox.transcript(CHAT).messages]
    assert not any("something went wrong" in text for text in texts)
    async with h.services.sessions() as session:
        events = (await session.scalars(select(AuditEvent.action))).all()
    assert events.count("security.bad_callback") == 1


async def test_nul_characters_in_typed_text_are_dropped_not_fatal(harness: Harness) -> None:
    h = harness
    await onboard(h)
    await h.sandbox.send_text(CHAT, "\x007\x00")
    await h.next_message(CHAT, "2/")
    async with h.services.sessions() as session:
        raws = (await session.scalars(select(Answer.raw))).all()
    assert raws == ["7"]
