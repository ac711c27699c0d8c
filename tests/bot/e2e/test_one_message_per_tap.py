"""One chat-bound message per tap: the tapped question becomes the next one."""

from __future__ import annotations

import datetime as dt

from tests.bot.e2e.conftest import Harness
from tests.bot.e2e.test_patient_conversation import CHAT, onboard


async def test_each_tap_edits_the_tapped_message_into_the_next_question(harness: Harness) -> None:
    h = harness
    await onboard(h)
    question = h.sandbox.transcript(CHAT).messages[-1]
    before = len(h.sandbox.transcript(CHAT).messages)
    for label, then in (("8", "2/4"), ("6", "3/4"), ("Yes", "4/5"), ("▫️ Left leg", "✅ Left leg"),
                        ("Done ✔", "5/5"), ("50–100 m", "Thank you")):  # fmt: skip
        await h.sandbox.press_button(CHAT, label)
        shown = await h.next_message(CHAT, then)
        assert shown.message_id == question.message_id

    transcript = h.sandbox.transcript(CHAT)
    assert len(transcript.messages) == before, "no new message for any tap"
    texts = [version.text for version in transcript.messages[-1].history]
    assert texts[-6] == (
        "Before your operation: how bad was the pain in your leg or buttock?\n✔ 8\n\n"
        "2/4\nBefore your operation: how bad was your back pain?\n"
        "0 = No pain · 10 = Worst pain imaginable"
    )
    assert texts[-1] == (
        "Before your operation: how far could you walk before you had to stop because of leg "
        "pain or numbness?\n✔ 50–100 m\n\n"
        "Thank you. Your answers are saved and the team can see them.\n\n"
        "Next check-in: Tue 3 Mar 2026."
    )
    assert transcript.messages[-1].buttons == ()
    assert h.sandbox.violations == ()


async def test_a_typed_answer_gets_the_next_question_as_one_new_message(harness: Harness) -> None:
    h = harness
    await onboard(h)
    question = h.sandbox.transcript(CHAT).messages[-1]
    before = len(h.sandbox.transcript(CHAT).messages)
    await h.sandbox.send_text(CHAT, "7")
    following = await h.next_message(CHAT, "2/4")
    transcript = h.sandbox.transcript(CHAT)
    assert following.message_id != question.message_id  # below what the patient typed
    assert len(transcript.messages) == before + 1
    answered = next(m for m in transcript.messages if m.message_id == question.message_id)
    assert answered.text == (
        "Before your operation: how bad was the pain in your leg or buttock?\n✔ 7"
    )


async def test_after_a_restart_what_fell_due_is_sent_at_once(harness: Harness) -> None:
    h = harness
    await onboard(h)
    await h.sandbox.send_text(CHAT, "5")
    await h.next_message(CHAT, "2/")
    await h.sandbox.send_text(CHAT, "4")
    await h.next_message(CHAT, "3/")
    await h.sandbox.press_button(CHAT, "No")
    await h.next_message(CHAT, "4/")
    await h.sandbox.send_text(CHAT, "200 m")
    await h.next_message(CHAT, "Thank you")
    h.clock.advance(dt.timedelta(days=1))  # the day-1 check-in fell due while the bot was down
    await h.restart_bot(jobs=True)
    # the periodic jobs run every 30 s; the opening comes from their first run, at start
    opening = await h.next_message(CHAT, "day 1 after your operation")
    assert "\n\n1/7\n" in (opening.text or "")
