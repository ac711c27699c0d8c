"""A patient's whole journey through python-telegram-bot's real HTTP stack and the sandbox."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update

from storage.answers import current_answers
from storage.models import Answer, AuditEvent, Checkin, Flag, Patient
from tests.bot.e2e.conftest import NURSES, PHONE, Harness

CHAT = 5001


async def onboard(h: Harness, *, ref: str = "P-001", first: str = "1/", **options: object) -> None:
    enrolment = await h.enrol(ref, **options)
    h.sandbox.create_private_chat(CHAT, "Ann", language_code="en")
    await h.sandbox.send_command(CHAT, "start", enrolment.token)
    await h.next_message(CHAT, "Welcome")
    await h.sandbox.press_button(CHAT, "OK, I agree")
    await h.next_message(CHAT, "Which language")
    await h.sandbox.press_button(CHAT, "English")
    await h.next_message(CHAT, first)


async def answers_of(h: Harness, form: str) -> dict[str, object]:
    async with h.services.sessions() as session:
        checkin_id = await session.scalar(select(Checkin.id).where(Checkin.form == form))
        assert checkin_id is not None
        return await current_answers(session, checkin_id)


async def test_invite_consent_language_and_baseline_are_stored(harness: Harness) -> None:
    h = harness
    await onboard(h)
    shown = [m.text for m in h.sandbox.transcript(CHAT).messages]
    # the choice stays visible above what follows it
    assert any(t.startswith("Which language do you prefer?\n✔ English\n") for t in shown)
    await h.sandbox.press_button(CHAT, "8")  # leg pain, by button
    await h.next_message(CHAT, "2/")
    await h.sandbox.send_text(CHAT, "6/10")  # back pain, typed
    await h.next_message(CHAT, "3/")
    await h.sandbox.press_button(CHAT, "Yes")  # numbness before surgery
    await h.next_message(CHAT, "4/")
    await h.sandbox.press_button(CHAT, "▫️ Left leg")
    await h.next_message(CHAT, "✅ Left leg")
    await h.sandbox.press_button(CHAT, "Done ✔")
    await h.next_message(CHAT, "5/")
    await h.sandbox.send_text(CHAT, "50 m")
    await h.next_message(CHAT, "Thank you")

    assert await answers_of(h, "baseline") == {
        "leg_pain": 8,
        "back_pain": 6,
        "numbness_before": True,
        "numbness_where": ["left_leg"],
        "walking": {"metres": 50.0, "category": "m50_100"},
    }
    transcript = h.sandbox.transcript(CHAT)
    answered = [
        v.text for m in transcript.messages for v in m.history if v.text and "✔ 8" in v.text
    ]
    assert answered and "2/" in answered[0], "the tapped question shows the answer, then the next"
    # consent, language, 8, Yes, Left leg, Done: every tap acknowledged
    assert len(transcript.callback_answers) == 6
    assert h.sandbox.violations == ()


async def test_bad_typed_answer_gets_a_reprompt_and_stores_nothing(harness: Harness) -> None:
    h = harness
    await onboard(h)
    await h.sandbox.send_text(CHAT, "a lot")
    reprompt = await h.next_message(CHAT)  # the reprompt and the question: one message
    assert reprompt.text is not None
    assert reprompt.text.startswith("Please send a number from 0 to 10.\n\n1/4\n")
    await h.sandbox.send_text(CHAT, "11")
    await h.next_message(CHAT, "0 to 10")
    assert await answers_of(h, "baseline") == {}


async def test_redelivered_update_and_double_tap_store_once(harness: Harness) -> None:
    h = harness
    await onboard(h)
    question = h.sandbox.transcript(CHAT).messages[-1]
    seven = next(b.callback_data for row in question.buttons for b in row if b.label == "7")
    assert seven is not None
    update = await h.sandbox.press_button(CHAT, "7")
    await h.next_message(CHAT, "2/")
    await h.sandbox.redeliver(update.update_id)
    # the same button again, before the edit that replaced it reached the phone
    await h.sandbox.press_callback_data(CHAT, question.message_id, seven)
    stale = await h.next_message(CHAT, "2/")  # the current question again
    assert stale.text is not None
    async with h.services.sessions() as session:
        count = await session.scalar(select(func.count()).select_from(Answer))
    assert count == 1
    answers = h.sandbox.transcript(CHAT).callback_answers
    assert answers[-1].text == "This question was already answered."


async def test_forged_or_foreign_button_payload_does_nothing(harness: Harness) -> None:
    h = harness
    await onboard(h)
    message = h.sandbox.transcript(CHAT).messages[-1]
    payload = message.buttons[0][0].callback_data
    assert payload is not None
    kind, checkin, question, _, signature = payload.split(":")
    forged = f"{kind}:{checkin}:{question}:10:{signature}"  # "0" changed to "10", same signature
    await h.sandbox.press_callback_data(CHAT, message.message_id, forged)
    h.sandbox.create_private_chat(6002, "Other")  # a valid payload replayed from another chat
    await h.sandbox.send_command(6002, "start")
    other = await h.next_message(6002, "invite link")
    await h.sandbox.press_callback_data(6002, other.message_id, payload)
    # later updates in each chat (chats are handled side by side, each in order)
    await h.sandbox.send_command(6002, "help")
    await h.next_message(6002, "invite link")
    await h.sandbox.send_command(CHAT, "help")
    await h.next_message(CHAT, "/stop")

    refusals = [a.text for a in h.sandbox.transcript(CHAT).callback_answers][-1:]
    assert refusals == ["This button no longer works."]
    async with h.services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Answer)) == 0
        events = (await session.scalars(select(AuditEvent.action))).all()
    assert events.count("security.bad_callback") == 2


async def test_unknown_chat_and_bad_tokens_get_a_short_explanation(harness: Harness) -> None:
    h = harness
    h.sandbox.create_private_chat(CHAT, "Stranger", language_code="zh-hans")
    await h.sandbox.send_text(CHAT, "hello")
    message = await h.next_message(CHAT)
    assert message.text is not None and message.text.startswith("您好")
    await h.sandbox.send_command(CHAT, "start", "not-a-real-token")
    message = await h.next_message(CHAT)
    assert message.text == "这个邀请链接无效。请向病房索取新的链接。"
    async with h.services.sessions() as session:
        assert await session.scalar(select(Patient.id).where(Patient.chat_id == CHAT)) is None


async def test_stickers_photos_and_edits_get_a_helpful_answer(harness: Harness) -> None:
    h = harness
    await onboard(h)
    await h.sandbox.send_sticker(CHAT)
    assert "only read text" in (await h.next_message(CHAT)).text  # type: ignore[operator]
    await h.sandbox.send_location(CHAT, 51.5, -0.12)
    assert "only read text" in (await h.next_message(CHAT)).text  # type: ignore[operator]
    await h.sandbox.send_command(CHAT, "frobnicate")
    assert "/help" in (await h.next_message(CHAT)).text  # type: ignore[operator]
    assert await answers_of(h, "baseline") == {}


async def tap(h: Harness, label: str, then: str) -> None:
    await h.sandbox.press_button(CHAT, label)
    await h.next_message(CHAT, then)


async def test_red_flag_answer_brings_advice_before_the_next_question(harness: Harness) -> None:
    h = harness
    await onboard(h)
    await tap(h, "5", "2/")
    await tap(h, "4", "3/")
    await tap(h, "No", "4/")
    await h.sandbox.send_text(CHAT, "200 m")
    await h.next_message(CHAT, "Thank you")
    h.clock.advance(dt.timedelta(days=1))
    await h.sandbox.send_text(CHAT, "hi")  # the day-1 check-in is due: opened now
    await h.next_message(CHAT, "1/")
    await tap(h, "3", "2/")
    await tap(h, "2", "3/")
    await tap(h, "I have none", "4/")
    await h.sandbox.send_text(CHAT, "300m")
    await h.next_message(CHAT, "5/")
    await tap(h, "Much better", "6/")
    await h.sandbox.press_button(
        CHAT, "▫️ New trouble passing urine, or losing control of bladder or bowels"
    )
    await h.next_message(CHAT, PHONE)  # the advice comes at the tick, before Done
    await h.sandbox.press_button(CHAT, "Done ✔")
    await h.next_message(CHAT, "7/")
    card = await h.next_message(NURSES, "RED")
    assert "P-001" in (card.text or "") and "day 1" in (card.text or "")
    assert [b.label for row in card.buttons for b in row] == ["Acknowledge", "Resolve"]
    await h.sandbox.send_command(CHAT, "help")  # handled after the red-flag update finished
    await h.next_message(CHAT, "/stop")
    async with h.services.sessions() as session:
        flags = (await session.execute(select(Flag.rule_id, Flag.level))).all()
        actions = (await session.scalars(select(AuditEvent.action))).all()
    assert flags == [("red_bladder_bowel", "red")]
    assert {"flag.raised", "advice.sent", "card.posted"} <= set(actions)


async def test_restart_mid_form_resumes_at_the_same_question(harness: Harness) -> None:
    h = harness
    await onboard(h)
    await tap(h, "6", "2/")
    await h.restart_bot()
    await h.sandbox.send_command(CHAT, "start")
    resumed = await h.next_message(CHAT, "2/")
    assert [b.label for b in resumed.buttons[0]] == ["0", "1", "2", "3", "4", "5"]
    await h.sandbox.send_text(CHAT, "3")
    await h.next_message(CHAT, "3/")
    assert await answers_of(h, "baseline") == {"leg_pain": 6, "back_pain": 3}


async def test_group_messages_are_ignored_and_long_text_is_refused(harness: Harness) -> None:
    h = harness
    await onboard(h)
    h.sandbox.add_user(7001, "Someone")
    group = h.sandbox.create_group(-200, "Family", {7001: "member", CHAT: "member"})
    await h.sandbox.send_text(group, "8", user_id=CHAT)
    await h.sandbox.send_text(CHAT, "x" * 4000)
    reprompt = await h.next_message(CHAT)
    assert (reprompt.text or "").startswith("Please send a number from 0 to 10.\n\n1/")
    assert h.sandbox.transcript(group).messages == ()
    assert await answers_of(h, "baseline") == {}


async def test_caregiver_is_asked_once_and_recorded(harness: Harness) -> None:
    h = harness
    await onboard(h, caregiver_helps=True, first="Who is answering today?")
    await h.sandbox.press_button(CHAT, "A family member or carer")
    shown = await h.next_message(CHAT, "✔ A family member or carer")
    assert "\n\n1/4\n" in (shown.text or ""), "the tapped message goes on to the first question"
    await tap(h, "4", "2/")
    async with h.services.sessions() as session:
        who = (await session.scalars(select(Answer.answered_by))).all()
    assert who == ["caregiver"]


async def test_stop_pauses_and_resume_continues(harness: Harness) -> None:
    h = harness
    await onboard(h)
    await h.sandbox.send_command(CHAT, "stop")
    await h.next_message(CHAT, "Pause all check-ins?")
    await h.sandbox.press_button(CHAT, "Yes, pause")
    paused = await h.next_message(CHAT, "Check-ins are paused")
    assert PHONE in (paused.text or "")
    await h.sandbox.send_text(CHAT, "5")
    await h.next_message(CHAT, "Check-ins are paused")
    await h.sandbox.send_command(CHAT, "resume")
    resumed = await h.next_message(CHAT, "Welcome back")
    assert "\n\n1/4\n" in (resumed.text or "")
    assert await answers_of(h, "baseline") == {}


async def test_language_switch_reasks_the_question_in_chinese(harness: Harness) -> None:
    h = harness
    await onboard(h)
    await h.sandbox.send_command(CHAT, "language")
    await h.next_message(CHAT, "Which language")
    await h.sandbox.press_button(CHAT, "中文")
    question = await h.next_message(CHAT, "好的，我会用中文。")
    assert "1/4\n手术" in (question.text or "")


async def test_commands_are_registered_in_both_languages(harness: Harness) -> None:
    scope = {"type": "all_private_chats"}
    english = [c["command"] for c in harness.sandbox.my_commands(scope)]
    chinese = harness.sandbox.my_commands(scope, "zh")
    assert english == ["help", "stop", "resume", "language", "progress"]
    assert [c["description"] for c in chinese] == [
        "使用说明",
        "暂停随访",
        "恢复随访",
        "English / 中文",
        "查看恢复情况",
    ]


async def complete_baseline(h: Harness) -> None:
    await tap(h, "5", "2/")
    await tap(h, "4", "3/")
    await tap(h, "No", "4/")
    await h.sandbox.send_text(CHAT, "200 m")
    await h.next_message(CHAT, "Thank you")


async def test_second_patients_invite_in_a_linked_chat_is_refused(harness: Harness) -> None:
    h = harness
    await onboard(h)
    other = await h.enrol("P-002")
    await h.sandbox.send_command(CHAT, "start", other.token)
    refusal = await h.next_message(CHAT)
    assert refusal.text == (
        "This Telegram account is already linked to another patient. Please ask the ward."
    )
    async with h.services.sessions() as session:
        linked = await session.scalar(select(Patient.chat_id).where(Patient.ref == "P-002"))
    assert linked is None


async def test_a_patient_marked_unreachable_who_writes_is_reachable_again(
    harness: Harness,
) -> None:
    h = harness
    await onboard(h)
    async with h.services.sessions.begin() as session:
        await session.execute(update(Patient).values(status="unreachable"))
    await h.sandbox.send_text(CHAT, "5")
    await h.next_message(CHAT, "2/")
    async with h.services.sessions() as session:
        assert await session.scalar(select(Patient.status)) == "active"


async def test_typed_text_that_opens_a_check_in_is_not_taken_as_an_answer(
    harness: Harness,
) -> None:
    h = harness
    await onboard(h)
    await complete_baseline(h)
    h.clock.advance(dt.timedelta(days=1))
    await h.sandbox.send_text(CHAT, "5")
    opening = await h.next_message(CHAT, "day 1 after your operation")
    assert "\n\n1/7\n" in (opening.text or "")
    assert await answers_of(h, "early") == {}


async def test_buttons_of_a_closed_check_in_say_so(harness: Harness) -> None:
    h = harness
    await onboard(h)
    h.clock.advance(dt.timedelta(days=3))  # the baseline window (48 h) has closed
    await h.sandbox.press_button(CHAT, "5")
    await h.sandbox.send_command(CHAT, "help")
    await h.next_message(CHAT, "/stop")
    answer = h.sandbox.transcript(CHAT).callback_answers[-1]
    assert (
        answer.text == "This check-in has closed. Thank you, there is nothing more to answer here."
    )
    assert await answers_of(h, "baseline") == {}


async def test_an_amber_answer_changed_with_back_is_withdrawn_on_completion(
    harness: Harness,
) -> None:
    h = harness
    await onboard(h)
    await complete_baseline(h)
    h.clock.advance(dt.timedelta(days=1))
    await h.sandbox.send_command(CHAT, "start")
    await h.next_message(CHAT, "1/")
    await tap(h, "3", "2/")
    await tap(h, "2", "3/")
    await tap(h, "Worse", "A nurse will look at this answer")  # numbness worse: amber
    await h.next_message(CHAT, "4/")
    await tap(h, "◀ Back", "3/")
    await tap(h, "I have none", "4/")
    await h.sandbox.send_text(CHAT, "300m")
    await h.next_message(CHAT, "5/")
    await tap(h, "Much better", "6/")
    await tap(h, "▫️ None of these", "✅ None of these")
    await tap(h, "Done ✔", "7/")
    await tap(h, "Skip", "Thank you")
    async with h.services.sessions() as session:
        flags = (await session.execute(select(Flag.rule_id, Flag.status, Flag.resolved_by))).all()
    assert flags == [("amber_numbness_worse", "resolved", "system")]


async def test_blocking_the_bot_flags_the_patient_and_unblocking_restores_them(
    harness: Harness,
) -> None:
    h = harness
    await onboard(h)
    await h.sandbox.block_bot(CHAT)
    card = await h.next_message(NURSES, "P-001")
    assert "blocked the bot" in (card.text or "")
    async with h.services.sessions() as session:
        assert await session.scalar(select(Patient.status)) == "unreachable"
    await h.sandbox.unblock_bot(CHAT)
    await h.sandbox.send_command(CHAT, "start")
    await h.next_message(CHAT, "1/")
    async with h.services.sessions() as session:
        assert await session.scalar(select(Patient.status)) == "active"
