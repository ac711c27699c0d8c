"""Urgent advice is stored with the red flag and reaches the patient exactly once, whatever
happens between the commit and the send (Telegram failing, the process dying)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.scheduling import OutboxPolicy
from storage.models import AuditEvent, OutboxMessage
from tests.bot.e2e.conftest import PHONE, Harness
from tests.bot.e2e.test_patient_conversation import CHAT, onboard, tap

ADVICE_EN = (
    "⚠️ This answer can be a sign of a problem that needs a doctor today.\n"
    f"Please call the spine ward now: {PHONE}.\n"
    "If you cannot reach the ward, or it is night or a weekend, call 120 "
    "or go to the emergency department.\n"
)


async def reach_red_flag_question(h: Harness) -> None:
    await onboard(h)
    await tap(h, "5", "2/")
    await tap(h, "4", "3/")
    await tap(h, "No", "4/")
    await h.sandbox.send_text(CHAT, "200 m")
    await h.next_message(CHAT, "Thank you")
    h.clock.advance(dt.timedelta(days=1))
    await h.sandbox.send_text(CHAT, "hi")
    await h.next_message(CHAT, "1/")
    await tap(h, "3", "2/")
    await tap(h, "2", "3/")
    await tap(h, "I have none", "4/")
    await h.sandbox.send_text(CHAT, "300m")
    await h.next_message(CHAT, "5/")
    await tap(h, "Much better", "6/")


FEVER = "▫️ Fever of 38 °C or more, or chills"


def advice_count(h: Harness) -> int:
    return sum(1 for m in h.sandbox.transcript(CHAT).messages if (m.text or "").startswith("⚠️"))


async def outbox_rows(h: Harness) -> list[tuple[str, int, int | None]]:
    async with h.services.sessions() as session:
        rows = await session.execute(
            select(OutboxMessage.status, OutboxMessage.attempts, OutboxMessage.message_id)
        )
        return [tuple(row) for row in rows.all()]  # type: ignore[misc]


async def test_red_advice_says_the_nurses_are_being_alerted_when_a_group_is_set(
    harness: Harness,
) -> None:
    h = harness
    await reach_red_flag_question(h)
    await h.sandbox.press_button(CHAT, FEVER)  # a ticked item counts at the tick
    advice = await h.next_message(CHAT, "⚠️")
    assert advice.text == (
        ADVICE_EN + "We are alerting the nurses too, but please do not wait for their call."
    )
    await h.sandbox.press_button(CHAT, "Done ✔")
    await h.next_message(CHAT, "7/")
    [(status, attempts, message_id)] = await outbox_rows(h)
    assert (status, attempts, message_id) == ("sent", 1, advice.message_id)


async def test_advice_whose_send_failed_is_sent_once_after_a_restart(harness: Harness) -> None:
    h = harness
    await reach_red_flag_question(h)
    fault = h.sandbox.faults.add("sendMessage", "500", times=1, chat_id=CHAT)
    await h.sandbox.press_button(CHAT, FEVER)  # the advice is owed from this tick
    await h.next_message(CHAT, "6/")
    await h.sandbox.press_button(CHAT, "Done ✔")
    await h.next_message(CHAT, "7/")  # the questions go on; the advice is still owed
    assert fault.fired == 1
    assert advice_count(h) == 0
    [(status, attempts, _)] = await outbox_rows(h)
    assert (status, attempts) == ("pending", 1)

    await h.restart_bot()  # the process that owed the advice is gone
    assert await h.bot.outbox.sweep() == 0  # not before its retry time
    h.clock.advance(dt.timedelta(seconds=31))
    assert await h.bot.outbox.sweep() == 1
    assert await h.bot.outbox.sweep() == 0
    advice = await h.next_message(CHAT, "⚠️")
    assert advice_count(h) == 1
    [(status, attempts, message_id)] = await outbox_rows(h)
    assert (status, attempts, message_id) == ("sent", 2, advice.message_id)
    async with h.services.sessions() as session:
        actions = (await session.scalars(select(AuditEvent.action))).all()
    assert actions.count("advice.queued") == 1 and actions.count("advice.sent") == 1


async def test_advice_of_a_process_that_died_mid_send_goes_out_after_its_short_lease(
    harness: Harness,
) -> None:
    h = harness
    await onboard(h)
    now = h.clock.now()
    async with h.services.sessions.begin() as session:  # claimed by a process now dead
        session.add(
            OutboxMessage(
                chat_id=CHAT,
                kind="red_advice",
                text=f"⚠️ Please call the ward: {PHONE}",
                status="sending",
                claimed_by="dead:1",
                claimed_until=now + OutboxPolicy().lease,
                created_at=now,
                next_attempt_at=now,
                attempts=0,
                uncertain=0,
            )
        )
    await h.restart_bot()
    assert await h.bot.outbox.sweep() == 0  # its claim still holds
    h.clock.advance(OutboxPolicy().lease)
    assert await h.bot.outbox.sweep() == 1
    await h.next_message(CHAT, "Please call the ward")
    assert await h.bot.outbox.sweep() == 0
    assert advice_count(h) == 1
