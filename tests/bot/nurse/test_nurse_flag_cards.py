"""Nurse cards in the group: one per check-in, sent once, edited on acknowledge and resolve,
every tap and reply bound to its card."""

from __future__ import annotations

import datetime as dt

from bot.nurse.access import Nurse
from bot.nurse.service import NurseService
from bot.sandbox import Button
from bot.telegram.nurse_handlers import TelegramNurseDirectory
from bot.telegram.transport import TelegramTransport
from tests.bot.nurse.conftest import ANNA, GROUP, LI, NurseHarness

FEVER_CARD = (
    "🔴 RED · card #1 · patient P-001 · day 1 post-op\n"
    "🔴 Red flag: fever of 38 °C or more, or chills\n"
    "\n"
    "Answers:\n"
    "• Red-flag symptoms: Fever of 38 °C or more, or chills\n"
    "\n"
    "Raised 02 Mar 09:00"
)


async def _red_card(h: NurseHarness) -> int:
    flags = await h.raise_flags({"red_flags": ["fever"]})
    await h.service.notify_new_flags([f.id for f in flags])
    card = await h.next_message(GROUP)
    assert card.text == FEVER_CARD
    return card.message_id


async def test_red_flag_card_arrives_once_with_buttons(nurse_harness: NurseHarness) -> None:
    h = nurse_harness
    message_id = await _red_card(h)
    card = h.sandbox.transcript(GROUP).last
    assert card.button_labels == ("Acknowledge", "Resolve")
    flag = await h.flag(1)
    assert (flag.notified_at, flag.card_chat_id, flag.card_message_id) == (
        h.clock.now(), GROUP, message_id,
    )  # fmt: skip
    assert await h.service.notify_pending() == 0  # already carded: nothing again
    await h.service.notify_new_flags([1])
    assert len(h.sandbox.transcript(GROUP).messages) == 1
    assert [e.detail for e in await h.audit("card.posted")] == [
        {"chat": GROUP, "message": message_id, "level": "red", "flags": [1], "patient": "P-001"}
    ]
    assert h.sandbox.violations == ()


async def test_card_shows_every_answer_with_the_comparison(
    nurse_harness: NurseHarness,
) -> None:
    h = nurse_harness
    await h.raise_flags({"leg_pain": 7, "walking": {"metres": 80.0, "category": "m50_100"}},
                        day=None)  # fmt: skip
    await h.raise_flags({"leg_pain": 2}, day=14)
    flags = await h.raise_flags(
        {"leg_pain": 6, "walking": {"metres": 30.0, "category": "under_50"}},
        day=28,
        answered_by="caregiver",
    )
    assert [f.rule_id for f in flags] == ["amber_leg_pain_rise", "amber_walking_below_baseline"]
    await h.service.notify_pending()
    card = await h.next_message(GROUP)
    assert card.text == (
        "🟠 AMBER · card #1 · patient P-001 · day 28 post-op\n"
        "🟠 Leg pain up 3 or more points since the previous check-in\n"
        "🟠 Walking distance worse than before the operation (from day 28)\n"
        "\n"
        "Answers:\n"
        "• Leg pain 6, up 4 from 2 on day 14; before surgery 7\n"
        "• Walking distance Less than 50 m — before surgery 50–100 m (worse than before surgery)\n"
        "Answered by a family member or carer\n"
        "\n"
        "Raised 02 Mar 09:00"
    )
    assert len(h.sandbox.transcript(GROUP).messages) == 1


async def test_acknowledge_then_resolve_with_an_outcome_edits_the_card(
    nurse_harness: NurseHarness,
) -> None:
    h = nurse_harness
    message_id = await _red_card(h)
    h.clock.advance(dt.timedelta(minutes=4))
    await h.sandbox.press_button(GROUP, "Acknowledge", user_id=LI, message_id=message_id)
    card = await h.next_message(GROUP)
    assert card.message_id == message_id
    assert card.text == FEVER_CARD + "\n✅ Acknowledged by Li Wei, 02 Mar 09:04"
    assert card.button_labels == ("Resolve",)

    await h.sandbox.press_button(GROUP, "Resolve", user_id=ANNA, message_id=message_id)
    card = await h.next_message(GROUP)
    assert card.text.endswith("How was it resolved? Choose an outcome or write a note.")
    assert card.button_labels == (
        "Called patient — fine", "Advised emergency department", "Booked clinic review",
        "Write a note", "Back",
    )  # fmt: skip
    h.clock.advance(dt.timedelta(minutes=10))
    await h.sandbox.press_button(GROUP, "Advised emergency department", user_id=ANNA)
    card = await h.next_message(GROUP)
    assert card.text == (
        FEVER_CARD + "\n✅ Acknowledged by Li Wei, 02 Mar 09:04"
        "\n☑️ Resolved by Anna Lee, 02 Mar 09:14: Advised emergency department"
    )
    assert card.buttons == ()
    await h.settle()
    answers = [a.text for a in h.sandbox.transcript(GROUP).callback_answers]
    assert answers == ["Acknowledged card #1 (1 flag).", None, "Resolved card #1 (1 flag)."]

    flag = await h.flag(1)
    assert (flag.status, flag.acknowledged_by, flag.resolved_by, flag.resolution_note) == (
        "resolved", "Li Wei", "Anna Lee", "Advised emergency department",
    )  # fmt: skip
    events = [
        (e.actor, e.action, e.entity, e.entity_id, e.detail)
        for e in await h.audit()
        if e.action.startswith("flag.") and e.actor != "system"
    ]
    base = {"level": "red", "patient": "P-001", "rule": "red_fever", "via": "telegram",
            "card": 1}  # fmt: skip
    assert events == [
        (f"tg:{LI}", "flag.acknowledged", "flag", "1", base),
        (f"tg:{ANNA}", "flag.resolved", "flag", "1", base | {"outcome": "ed", "note": False}),
    ]  # fmt: skip


async def test_resolve_with_a_note_written_as_a_reply(nurse_harness: NurseHarness) -> None:
    h = nurse_harness
    message_id = await _red_card(h)
    await h.sandbox.press_button(GROUP, "Resolve", user_id=ANNA)
    await h.next_message(GROUP, "How was it resolved?")
    await h.sandbox.press_button(GROUP, "Write a note", user_id=ANNA)
    card = await h.next_message(GROUP, "Reply to this message")
    assert card.text.endswith("✍️ Reply to this message with a short note to resolve it.")
    assert card.button_labels == ("Back",)
    await h.sandbox.send_text(
        GROUP, "Spoke to daughter, temp 37.2 now,  GP tomorrow", user_id=ANNA, reply_to=message_id
    )
    edited = await h.next_message(GROUP, "Resolved by")
    assert edited.text == (
        FEVER_CARD + "\n☑️ Resolved by Anna Lee, 02 Mar 09:00: "
        "Spoke to daughter, temp 37.2 now, GP tomorrow"
    )
    confirmation = await h.next_message(GROUP)
    assert confirmation.text == "Resolved card #1 (1 flag)."
    [event] = await h.audit("flag.resolved")
    assert event.detail["outcome"] == "note" and event.detail["note"] is True
    assert "Spoke" not in str(event.detail)  # free text stays on the flag, not in the audit


async def test_back_returns_to_the_card(nurse_harness: NurseHarness) -> None:
    h = nurse_harness
    await _red_card(h)
    await h.sandbox.press_button(GROUP, "Resolve", user_id=ANNA)
    await h.next_message(GROUP, "How was it resolved?")
    await h.sandbox.press_button(GROUP, "Back", user_id=ANNA)
    card = await h.next_message(GROUP)
    assert card.text == FEVER_CARD
    assert card.button_labels == ("Acknowledge", "Resolve")
    assert (await h.flag(1)).status == "open"


async def test_a_reply_to_a_card_without_the_note_prompt_changes_nothing(
    nurse_harness: NurseHarness,
) -> None:
    h = nurse_harness
    message_id = await _red_card(h)
    await h.sandbox.send_text(GROUP, "I'll call her", user_id=ANNA, reply_to=message_id)
    await h.sandbox.send_command(GROUP, "flags", user_id=ANNA)  # a later update, handled after
    await h.next_message(GROUP, "Open flags")
    assert (await h.flag(1)).status == "open"


async def test_second_acknowledge_says_who_did_it_first(nurse_harness: NurseHarness) -> None:
    h = nurse_harness
    message_id = await _red_card(h)
    card = h.sandbox.transcript(GROUP).last
    ack = card.buttons[0][0]
    await h.sandbox.press_button(GROUP, "Acknowledge", user_id=ANNA, message_id=message_id)
    await h.next_message(GROUP, "Acknowledged by")
    # Li taps the same button on a stale screen before the edit reached her phone.
    assert ack == Button("Acknowledge", ack.callback_data)
    result = await h.service.flags.press(
        GROUP, Nurse("Li Wei", LI), ack.callback_data or "", message_id
    )
    assert result == "Card #1 was already acknowledged by Anna Lee."
    assert len(await h.audit("flag.acknowledged")) == 1


async def test_info_flags_get_no_card(nurse_harness: NurseHarness) -> None:
    h = nurse_harness
    flags = await h.raise_flags({"note": "The wound itches a bit"})
    assert [(f.rule_id, f.level) for f in flags] == [("info_note", "info")]
    await h.service.notify_new_flags([f.id for f in flags])
    assert await h.service.notify_pending() == 0
    assert h.sandbox.transcript(GROUP).messages == ()


async def test_the_sweep_cards_flags_missed_while_the_group_was_unreachable(
    nurse_harness: NurseHarness,
) -> None:
    h = nurse_harness
    h.sandbox.faults.add("sendMessage", "500", chat_id=GROUP, times=1)
    flags = await h.raise_flags({"red_flags": ["calf"]})
    await h.service.notify_new_flags([f.id for f in flags])
    assert (await h.flag(1)).notified_at is None  # not sent: left for the sweep
    assert await h.service.notify_pending() == 1
    card = await h.next_message(GROUP)
    assert card.text is not None and card.text.startswith("🔴 RED · card #1")
    assert (await h.flag(1)).card_message_id == card.message_id
    assert await h.service.notify_pending() == 0


async def test_cards_speak_the_wards_language(nurse_harness: NurseHarness) -> None:
    h = nurse_harness
    settings = h.settings.model_copy(update={"nurse_language": "zh-Hans"})
    service = NurseService(h.sessions, h.survey, settings, h.clock, TelegramTransport(h.bot),
                           TelegramNurseDirectory(h.bot))  # fmt: skip
    flags = await h.raise_flags({"red_flags": ["fever"], "leg_pain": 8})
    await service.notify_new_flags([f.id for f in flags])
    card = await h.next_message(GROUP)
    assert card.text == (
        "🔴 红色 · 卡片 #1 · 患者 P-001 · 术后第1天\n"
        "🔴 红色警报：发烧38 °C或以上，或寒战\n"
        "🟠 腿痛7分或以上\n"
        "\n"
        "回答：\n"
        "• 腿痛 8\n"
        "• 危险症状：发烧38 °C或以上，或发冷打寒战\n"
        "\n"
        "提出于 3月2日 09:00"
    )
    assert card.button_labels == ("确认", "处理")
