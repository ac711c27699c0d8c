"""Patients answering in their own words, through the real HTTP stack and the sandbox:
natural replies, free-text red flags, ticks that count, messages outside a check-in,
skip and stop words, declined consent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from storage.answers import current_answers
from storage.models import Answer, AuditEvent, Checkin, Flag, Patient
from tests.bot.e2e.conftest import NURSES, PHONE, Harness
from tests.bot.e2e.test_patient_conversation import (
    CHAT,
    answers_of,
    complete_baseline,
    onboard,
    tap,
)

FEVER = "Fever of 38 °C or more, or chills"


async def flags(h: Harness) -> list[tuple[str, str, dict[str, Any]]]:
    async with h.services.sessions() as session:
        rows = await session.execute(select(Flag.rule_id, Flag.level, Flag.evidence))
        return [(rule, level, evidence) for rule, level, evidence in rows.all()]


async def day_1_answers(h: Harness) -> dict[str, object]:
    async with h.services.sessions() as session:
        checkin_id = await session.scalar(select(Checkin.id).where(Checkin.spec_id == "day_1"))
        assert checkin_id is not None
        return await current_answers(session, checkin_id)


async def to_day_1(h: Harness) -> None:
    await onboard(h)
    await complete_baseline(h)
    h.clock.advance(dt.timedelta(days=1))
    await h.sandbox.send_text(CHAT, "hi")
    await h.next_message(CHAT, "1/")


async def to_red_flags(h: Harness) -> None:
    await to_day_1(h)
    await tap(h, "3", "2/")
    await tap(h, "2", "3/")
    await tap(h, "I have none", "4/")
    await h.sandbox.send_text(CHAT, "300m")
    await h.next_message(CHAT, "5/")
    await tap(h, "Much better", "6/")


async def say(h: Harness, text: str, then: str) -> str:
    await h.sandbox.send_text(CHAT, text)
    message = await h.next_message(CHAT, then)
    return message.text or ""


async def test_natural_replies_are_read_and_the_patients_words_kept(harness: Harness) -> None:
    h = harness
    await onboard(h)
    await say(h, "about 6", "2/")
    await say(h, "no pain", "3/")
    await say(h, "yes", "4/")
    await h.sandbox.send_text(CHAT, "left and right")
    question = await h.next_message(CHAT, "Chosen so far")  # one message: the hint, the question
    assert (question.text or "").startswith(
        "Chosen so far: Left leg, Right leg. You can add more, or tap “Done” if that is all.\n\n4/"
    )
    labels = [b.label for row in question.buttons for b in row]
    assert labels[:3] == ["✅ Left leg", "✅ Right leg", "▫️ Both legs"]
    await h.sandbox.press_button(CHAT, "Done ✔")
    await h.next_message(CHAT, "5/")
    hint = await say(h, "3", "3 what?")  # the hint, then the question again
    assert hint.startswith("3 what? Metres? Please add the unit, e.g. “3 km” or “300 m”.\n\n5/")
    await say(h, "300 m", "Thank you")
    assert await answers_of(h, "baseline") == {
        "leg_pain": 6,
        "back_pain": 0,
        "numbness_before": True,
        "numbness_where": ["left_leg", "right_leg"],
        "walking": {"metres": 300.0, "category": "m100_500"},
    }
    async with h.services.sessions() as session:
        raws = (await session.execute(select(Answer.question_id, Answer.raw))).all()
    assert ("leg_pain", "about 6") in raws and ("back_pain", "no pain") in raws


async def test_chinese_replies_and_ambiguous_ones_asked_again(harness: Harness) -> None:
    h = harness
    await onboard(h)
    await say(h, "五分吧", "2/")
    await say(h, "3-4", "Is it 3 or 4?")
    await say(h, "不痛", "3/")
    await say(h, "是", "4/")
    await say(h, "左腿和右腿", "Chosen so far: Left leg, Right leg")
    await say(h, "完成", "5/")
    await say(h, "两百米", "Thank you")
    answers = await answers_of(h, "baseline")
    assert answers["leg_pain"] == 5 and answers["back_pain"] == 0
    assert answers["numbness_where"] == ["left_leg", "right_leg"]
    h.clock.advance(dt.timedelta(days=1))
    await say(h, "hi", "1/")
    await say(h, "七分", "2/")
    await say(h, "8 I think", "3/")
    await say(h, "没有", "4/")  # numbness: none, so "where" is not asked
    await say(h, "1 km", "5/")
    hint = await say(h, "worse", "Which one")  # the hint, then the question again
    assert hint.startswith(
        "Which one do you mean: “A little worse”, “Much worse”, “Very much worse”? Please tap it."
        "\n\n5/"
    )
    await say(h, "好多了", "6/")
    day_1 = await day_1_answers(h)
    assert day_1 == {
        "leg_pain": 7,
        "back_pain": 8,
        "numbness": "none",
        "walking": {"metres": 1000.0, "category": "over_1000"},
        "pgic": "much_improved",
    }


async def test_red_flag_words_at_any_question_raise_the_flag_at_once(harness: Harness) -> None:
    h = harness
    await to_day_1(h)
    await h.sandbox.send_text(CHAT, "I fell over yesterday")
    advice = await h.next_message(CHAT, "⚠️")
    assert "We are alerting the nurses too" in (advice.text or "")
    await h.next_message(CHAT, "Please send a number from 0 to 10.")
    await h.next_message(CHAT, "1/")  # the question again: the check-in goes on
    card = await h.next_message(NURSES, "RED")
    assert "P-001" in (card.text or "")
    await say(h, "4", "2/")
    assert [(rule, level) for rule, level, _ in await flags(h)] == [("red_leg_weakness", "red")]
    evidence = (await flags(h))[0][2]
    assert evidence["source"] == "free_text"
    assert evidence["text"] == "I fell over yesterday"
    assert evidence["item"] == "leg_weakness"
    assert await day_1_answers(h) == {"leg_pain": 4}


async def test_negated_symptoms_raise_nothing(harness: Harness) -> None:
    h = harness
    await to_red_flags(h)
    await say(h, "没有发烧", "Please tap the buttons that apply")
    assert await flags(h) == []
    await tap(h, "▫️ None of these", "✅ None of these")
    await tap(h, "Done ✔", "7/")
    await say(h, "No fever and I don't have chest pain. 不发烧。", "Thank you")
    assert [(r, lv) for r, lv, _ in await flags(h)] == [("info_note", "info")]


async def test_red_flag_typed_at_the_red_flag_question_ticks_it(harness: Harness) -> None:
    h = harness
    await to_red_flags(h)
    await h.sandbox.send_text(CHAT, "I have a fever")
    await h.next_message(CHAT, PHONE)
    await h.next_message(CHAT, "Chosen so far: " + FEVER)
    question = await h.next_message(CHAT, "6/")
    assert "✅ " + FEVER in [b.label for row in question.buttons for b in row]
    await say(h, "done", "7/")
    assert [(r, lv) for r, lv, _ in await flags(h)] == [("red_fever", "red")]
    assert (await day_1_answers(h))["red_flags"] == ["fever"]


async def test_a_ticked_item_counts_at_the_tick_and_unticking_keeps_the_flag(
    harness: Harness,
) -> None:
    h = harness
    await to_red_flags(h)
    await h.sandbox.press_button(CHAT, "▫️ " + FEVER)
    await h.next_message(CHAT, PHONE)  # advice on the tick, before any Done
    await h.next_message(CHAT, "✅ " + FEVER)
    await h.next_message(NURSES, "RED")
    [(rule, _, evidence)] = await flags(h)
    assert rule == "red_fever" and "unticked_at" not in evidence
    await h.sandbox.press_button(CHAT, "✅ " + FEVER)
    await h.next_message(CHAT, "▫️ " + FEVER)
    [(rule, _, evidence)] = await flags(h)
    assert evidence["unticked_at"] == h.clock.now().isoformat()
    await h.sandbox.press_button(CHAT, "▫️ None of these")
    await h.next_message(CHAT, "✅ None of these")
    await tap(h, "Done ✔", "7/")
    async with h.services.sessions() as session:
        status = await session.scalar(select(Flag.status))
        actions = (await session.scalars(select(AuditEvent.action))).all()
    assert status == "open"  # never silently withdrawn
    assert "flag.unticked" in actions


async def test_unclear_red_flag_answer_goes_to_the_nurses_after_a_second_try(
    harness: Harness,
) -> None:
    h = harness
    await to_red_flags(h)
    again = await say(h, "my back feels funny", "Please tap the buttons that apply")
    assert "\n\n6/" in again  # the hint and the question again, in one message
    await say(h, "hard to say really", "passed your words to the nurses")
    await h.next_message(CHAT, "7/")  # moves on: no loop
    [(rule, level, evidence)] = await flags(h)
    assert (rule, level) == ("red_flags_unclear", "amber")
    assert evidence["text"] == "my back feels funny\nhard to say really"
    assert evidence["source"] == "free_text"


async def test_skip_words_at_the_note_are_not_saved(harness: Harness) -> None:
    h = harness
    await to_red_flags(h)
    await tap(h, "▫️ None of these", "✅ None of these")
    await tap(h, "Done ✔", "7/")
    note = h.sandbox.transcript(CHAT).messages[-1].text or ""
    assert "The ward reads messages on working days" in note and PHONE in note
    await say(h, "no thank you", "Thank you")
    assert (await day_1_answers(h))["note"] is None
    assert await flags(h) == []


async def test_a_red_symptom_in_the_note_is_red_at_once(harness: Harness) -> None:
    h = harness
    await to_red_flags(h)
    await tap(h, "▫️ None of these", "✅ None of these")
    await tap(h, "Done ✔", "7/")
    await h.sandbox.send_text(CHAT, "Since last night I cannot pass urine")
    await h.next_message(CHAT, PHONE)
    await h.next_message(CHAT, "Thank you. Your answers are saved")
    rules = sorted((r, lv) for r, lv, _ in await flags(h))
    assert rules == [("info_note", "info"), ("red_bladder_bowel", "red")]
    async with h.services.sessions() as session:
        flag = await session.scalar(select(Flag).where(Flag.rule_id == "red_bladder_bowel"))
        assert flag is not None and "answer_changed_by_patient" not in flag.evidence


async def test_messages_outside_a_check_in_reach_the_nurses(harness: Harness) -> None:
    h = harness
    await onboard(h)
    await complete_baseline(h)
    reply = await say(h, "my leg hurts a lot today", "passed to the ward nurses")
    assert reply == (
        "Thank you. Your message has been passed to the ward nurses. "
        "They read messages on working days.\n"
        f"For anything urgent, call the ward: {PHONE}. In an emergency, call 120."
    )
    await h.sandbox.send_text(CHAT, "我前几天发烧了")
    await h.next_message(CHAT, PHONE)
    await h.next_message(NURSES, "RED")
    found = await flags(h)
    assert [(r, lv) for r, lv, _ in found] == [
        ("patient_message", "info"),
        ("red_fever", "red"),
    ]
    assert found[0][2]["text"] == "my leg hurts a lot today"
    assert found[1][2]["text"] == "我前几天发烧了" and found[1][2]["source"] == "free_text"


async def test_stop_words_offer_the_stop_confirmation(harness: Harness) -> None:
    h = harness
    await onboard(h)
    await say(h, "停止", "Pause all check-ins?")
    await h.sandbox.press_button(CHAT, "Yes, pause")
    await h.next_message(CHAT, "Check-ins are paused")
    async with h.services.sessions() as session:
        assert await session.scalar(select(Patient.status)) == "paused"
    await h.sandbox.send_text(CHAT, "I fell this morning")  # paused, but the ward reads it
    await h.next_message(CHAT, PHONE)
    await h.next_message(CHAT, "Check-ins are paused")
    assert [(r, lv) for r, lv, _ in await flags(h)] == [("red_leg_weakness", "red")]
    assert await answers_of(h, "baseline") == {}


async def test_consent_can_be_declined_and_given_later(harness: Harness) -> None:
    h = harness
    enrolment = await h.enrol("P-001")
    h.sandbox.create_private_chat(CHAT, "Ann", language_code="en")
    await h.sandbox.send_command(CHAT, "start", enrolment.token)
    await h.next_message(CHAT, "Welcome")
    await h.sandbox.press_button(CHAT, "No, thank you")
    declined = await h.next_message(CHAT, "You will not get check-ins")
    assert "/start" in (declined.text or "") and PHONE in (declined.text or "")
    async with h.services.sessions() as session:
        patient = (await session.execute(select(Patient.status, Patient.consented_at))).one()
        actions = (await session.scalars(select(AuditEvent.action))).all()
    assert tuple(patient) == ("declined", None)
    assert "patient.declined" in actions
    assert [(r, lv) for r, lv, _ in await flags(h)] == [("consent_declined", "info")]
    await h.sandbox.send_command(CHAT, "start")
    await h.next_message(CHAT, "Welcome")
    await say(h, "ok", "Which language")
    async with h.services.sessions() as session:
        status = await session.scalar(select(Patient.status))
        sent = await session.scalar(select(Checkin.status).where(Checkin.form == "baseline"))
    assert status == "active" and sent is not None


async def test_caregiver_words_in_a_sentence(harness: Harness) -> None:
    h = harness
    await onboard(h, caregiver_helps=True, first="Who is answering today?")
    await say(h, "我是他女儿", "1/")
    await say(h, "4", "2/")
    async with h.services.sessions() as session:
        who = (await session.scalars(select(Answer.answered_by))).all()
    assert who == ["caregiver"]


async def test_a_chinese_patient_gets_the_same_in_chinese(harness: Harness) -> None:
    h = harness
    enrolment = await h.enrol("P-001", language="zh-Hans")
    h.sandbox.create_private_chat(CHAT, "王", language_code="zh-hans")
    await h.sandbox.send_command(CHAT, "start", enrolment.token)
    await h.next_message(CHAT, "欢迎")
    await say(h, "同意", "您想用哪种语言")
    await h.sandbox.press_button(CHAT, "中文")
    await h.next_message(CHAT, "1/")
    await say(h, "不痛", "2/")
    await say(h, "大概三分", "3/")
    await say(h, "没有", "4/")
    await say(h, "两百米", "谢谢您")
    shown = [m.text or "" for m in h.sandbox.transcript(CHAT).messages]
    assert any(t.endswith("\n✔ 200米（100到500米）") for t in shown)  # the question, answered
    reply = await say(h, "对不起，我前几天不舒服", "已转给病房护士")
    assert reply == (
        "谢谢。您的留言已转给病房护士，她们在工作日查看留言。\n"
        f"紧急的事请打电话给病房：{PHONE}。危急情况请拨打 120。"
    )
    await say(h, "不想再回答", "要暂停所有随访吗？")
    assert [(r, lv) for r, lv, _ in await flags(h)] == [("patient_message", "info")]
    assert await answers_of(h, "baseline") == {
        "leg_pain": 0,
        "back_pain": 3,
        "numbness_before": False,
        "walking": {"metres": 200.0, "category": "m100_500"},
    }
