"""Fewer chat-bound messages for the same content (bot.services.replies.compact)."""

from __future__ import annotations

from bot.services.replies import Button, Edit, Outgoing, QuestionRef, Reply, compact

KEYS = ((Button("0", "a:1:1:0:sig"), Button("1", "a:1:1:1:sig")),)
ASKS = QuestionRef(1, "back_pain", shown_in=40)


def _reply() -> Reply:
    reply = Reply(edits=[Edit(40, "Leg pain?\n✔ 7")])
    reply.say("Thank you.")
    reply.say("2/4\nBack pain?", KEYS, ASKS)
    return reply


def test_a_tap_reply_is_folded_into_the_tapped_message() -> None:
    reply = _reply()
    compact(reply, tapped=40)
    assert reply.messages == []
    assert reply.edits == [
        Edit(40, "Leg pain?\n✔ 7\n\nThank you.\n\n2/4\nBack pain?", KEYS, ASKS,
             instead=Outgoing("Thank you.\n\n2/4\nBack pain?", KEYS, ASKS))
    ]  # fmt: skip


def test_a_typed_answer_keeps_its_edit_and_gets_one_new_message() -> None:
    reply = _reply()
    compact(reply)  # no tap: the next question goes below what the patient typed
    assert reply.edits == [Edit(40, "Leg pain?\n✔ 7")]
    assert reply.messages == [Outgoing("Thank you.\n\n2/4\nBack pain?", KEYS, ASKS)]


def test_an_edit_without_an_answer_is_replaced_by_the_question() -> None:
    reply = Reply(edits=[Edit(40, "2/4\nBack pain?")])  # Back: the earlier question again
    reply.say("1/4\nLeg pain?", KEYS, ASKS)
    compact(reply, tapped=40)
    assert [(e.text, e.keyboard) for e in reply.edits] == [("1/4\nLeg pain?", KEYS)]


def test_a_reply_that_raised_flags_keeps_its_messages_even_when_retried() -> None:
    reply = _reply()
    reply.messages.insert(0, Outgoing("⚠️ Please call the ward now."))
    reply.new_flag_ids.append(3)
    compact(reply, tapped=40)
    assert len(reply.messages) == 3 and len(reply.edits) == 1
    reply.new_flag_ids.clear()  # the nurses were told; the rest is sent later
    compact(reply, tapped=40)
    assert reply.messages[0].text == "⚠️ Please call the ward now."
    assert len(reply.messages) == 3


def test_plain_lines_after_the_last_question_become_one_message() -> None:
    reply = Reply()
    reply.say("Thank you.")
    reply.say("Next check-in: Tue 3 Mar 2026.")
    compact(reply)
    assert reply.messages == [Outgoing("Thank you.\n\nNext check-in: Tue 3 Mar 2026.")]
