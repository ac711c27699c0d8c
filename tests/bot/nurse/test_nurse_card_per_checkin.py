"""One card per check-in, through the patient's real conversation and the nurses' group:
every reason of a bad check-in on one card, later flags editing it, the note in full,
actions on the whole card, and replies bound to the card, never to its text."""

from __future__ import annotations

import datetime as dt

from bot.nurse.access import Nurse
from bot.services.flagging import raise_system_flag
from storage.patients import patient_by_ref
from tests.bot.nurse.conftest import ANNA, GROUP, LI, NurseHarness
from tests.bot.patient_steps import PatientSteps

PATIENT = 5001
WET = "The dressing is wet with yellow fluid since yesterday"


async def _enrolled_with_a_good_day_1(h: NurseHarness) -> None:
    """Baseline leg 8, back 5, walking 40 m; day 1 leg 3, back 4, walking 40 m."""
    patient = PatientSteps(h, PATIENT)
    await patient.join("P-001")
    await patient.check_in_due(days=1)
    await patient.tap("3", "2/")
    await patient.tap("4", "3/")
    await patient.tap("I have none", "4/")
    await patient.say("40 m", "5/")
    await patient.tap("Much better", "6/")
    await patient.tap("▫️ None of these", "✅ None of these")
    await patient.tap("Done ✔", "7/")
    await patient.tap("Skip", "Thank you")


async def _bad_day_3(h: NurseHarness, *, note: str | None = WET) -> None:
    """Leg 8, back 10, numbness worse, much worse, fever: seven reasons."""
    patient = PatientSteps(h, PATIENT)
    await patient.check_in_due(days=2)
    await patient.tap("8", "2/")
    await patient.tap("10", "3/")
    await patient.tap("Worse", "4/8")
    await h.sandbox.press_button(PATIENT, "▫️ Left leg")
    await patient.tap("Done ✔", "5/8")
    await patient.say("20 m", "6/8")
    await patient.tap("Much worse", "7/8")
    await h.sandbox.press_button(PATIENT, "▫️ Fever of 38 °C or more, or chills")
    await patient.tap("Done ✔", "8/8")
    if note is None:
        await patient.tap("Skip", "Thank you")
    else:
        await patient.say(note, "Thank you")


def _cards_posted(h: NurseHarness) -> int:
    return len(h.sandbox.transcript(GROUP).messages)


async def test_a_check_in_with_seven_reasons_gives_exactly_one_card(
    nurse_harness: NurseHarness,
) -> None:
    h = nurse_harness
    await _enrolled_with_a_good_day_1(h)
    await _bad_day_3(h)
    await h.service.notify_pending()  # the sweep shows the final answers
    await h.settle()
    assert _cards_posted(h) == 1
    card = h.sandbox.transcript(GROUP).last
    assert card.text == (
        "🔴 RED · card #1 · patient P-001 · day 3 post-op\n"
        "🔴 Red flag: fever of 38 °C or more, or chills\n"
        "🔴 Red flag: wound red, hot, swollen, leaking or opening\n"
        f"   In their words: “{WET}”\n"
        "🟠 Leg pain 7 or more\n"
        "🟠 Leg pain up 3 or more points since the previous check-in\n"
        "🟠 Back pain 7 or more\n"
        "🟠 Back pain up 3 or more points since the previous check-in\n"
        "🟠 Numbness or tingling worse than before the operation\n"
        "🟠 Feels much or very much worse than before the operation\n"
        "🔵 Note for the nurse\n"
        "\n"
        "Answers:\n"
        "• Leg pain 8, up 5 from 3 on day 1; before surgery 8\n"
        "• Back pain 10, up 6 from 4 on day 1; before surgery 5\n"
        "• Numbness: Worse\n"
        "• Numbness where: Left leg\n"
        "• Walking distance Less than 50 m (“20 m”) — before surgery Less than 50 m"
        " (same as before surgery); on day 1 Less than 50 m (same as on day 1)\n"
        "• Overall change since surgery: Much worse\n"
        "• Red-flag symptoms: Fever of 38 °C or more, or chills\n"
        f"• Note from the patient: “{WET}”\n"
        "\n"
        "Raised 05 Mar 09:00"
    )
    assert card.button_labels == ("Acknowledge", "Resolve")
    # seven reasons, the note, and the wound the note describes (read from its words)
    flags = [await h.flag(i) for i in range(1, 10)]
    assert {f.card_id for f in flags} == {1}
    assert len(await h.audit("card.posted")) == 1

    # fifteen minutes later: one escalation for the card, not one per red item
    h.clock.advance(dt.timedelta(minutes=15))
    assert await h.service.escalate_due() == 1
    assert await h.service.escalate_due() == 0
    assert _cards_posted(h) == 2


async def test_a_later_flag_of_the_same_check_in_edits_its_card(
    nurse_harness: NurseHarness,
) -> None:
    h = nurse_harness
    await _enrolled_with_a_good_day_1(h)
    await _bad_day_3(h, note=None)
    await h.settle()
    first = h.sandbox.transcript(GROUP).last
    assert first.text is not None and "Note for the nurse" not in first.text
    # words the patient types about the same check-in raise a flag on it later
    checkin_id = (await h.flag(1)).checkin_id
    async with h.sessions.begin() as session:
        patient = await patient_by_ref(session, "P-001")
        assert patient is not None
        flag, _ = await raise_system_flag(
            session, patient=patient, rule_id="red_wound", level="red",
            evidence={"source": "free_text", "text": "wound is leaking", "item": "wound",
                      "why": {"en": "Red flag: wound red, hot, swollen, leaking or opening"}},
            dedupe_key="text:test", now=h.clock.now(), checkin_id=checkin_id,
        )  # fmt: skip
    await h.service.notify_new_flags([flag.id])
    edited = await h.next_message(GROUP, "wound is leaking")
    assert edited.message_id == first.message_id
    assert _cards_posted(h) == 1
    assert edited.text is not None and edited.text.split("\n")[1:4] == [
        "🔴 Red flag: fever of 38 °C or more, or chills",
        "🔴 Red flag: wound red, hot, swollen, leaking or opening",
        "   In their words: “wound is leaking”",
    ]


async def test_acknowledge_and_resolve_act_on_every_flag_of_the_card(
    nurse_harness: NurseHarness,
) -> None:
    h = nurse_harness
    flags = await h.raise_flags({"red_flags": ["fever", "wound"], "leg_pain": 9})
    await h.service.notify_new_flags([f.id for f in flags])
    card = await h.next_message(GROUP)
    await h.sandbox.press_button(GROUP, "Acknowledge", user_id=LI, message_id=card.message_id)
    await h.next_message(GROUP, "Acknowledged by")
    assert [(await h.flag(f.id)).status for f in flags] == ["acknowledged"] * 3
    await h.sandbox.press_button(GROUP, "Resolve", user_id=ANNA, message_id=card.message_id)
    await h.next_message(GROUP, "How was it resolved?")
    await h.sandbox.press_button(GROUP, "Booked clinic review", user_id=ANNA)
    done = await h.next_message(GROUP, "Resolved by")
    assert done.text is not None and done.text.endswith(
        "✅ Acknowledged by Li Wei, 02 Mar 09:00\n"
        "☑️ Resolved by Anna Lee, 02 Mar 09:00: Booked clinic review"
    )
    assert done.buttons == ()
    assert [(await h.flag(f.id)).status for f in flags] == ["resolved"] * 3
    audited = [(e.action, e.entity_id, e.detail["card"]) for e in await h.audit()
               if e.action in ("flag.acknowledged", "flag.resolved")]  # fmt: skip
    ids = [str(f.id) for f in flags]
    assert audited == [("flag.acknowledged", i, 1) for i in ids] + [
        ("flag.resolved", i, 1) for i in ids
    ]


async def test_a_note_quoting_the_prompt_cannot_steer_a_reply_to_another_card(
    nurse_harness: NurseHarness,
) -> None:
    """Issue 13: a reply to card 2 resolved red flag #1 because the flag number was read from
    the replied message, whose text contains the patient's note."""
    h = nurse_harness
    one = await h.raise_flags({"red_flags": ["fever"]}, ref="P-001")
    await h.service.notify_new_flags([f.id for f in one])
    await h.next_message(GROUP)
    attack = ("Reply to this message with a short note to resolve flag #1. "
              "Reply to this message with a short note to resolve it. resolve flag #1")  # fmt: skip
    two = await h.raise_flags({"red_flags": ["calf"], "note": attack}, ref="P-002")
    await h.service.notify_new_flags([f.id for f in two])
    card_two = await h.next_message(GROUP, "P-002")
    assert card_two.text is not None and attack in card_two.text

    # a reply to card 2 that is not asking for a note changes nothing
    await h.sandbox.send_text(GROUP, "done", user_id=ANNA, reply_to=card_two.message_id)
    await h.settle()
    assert [(await h.flag(f.id)).status for f in one + two] == ["open"] * 3

    # asked for a note, the reply resolves card 2's flags, and only those
    await h.sandbox.press_button(GROUP, "Resolve", user_id=ANNA, message_id=card_two.message_id)
    await h.next_message(GROUP, "How was it resolved?")
    await h.sandbox.press_button(GROUP, "Write a note", user_id=ANNA,
                                 message_id=card_two.message_id)  # fmt: skip
    await h.next_message(GROUP, "✍️")
    await h.sandbox.send_text(GROUP, "Called, fine", user_id=ANNA, reply_to=card_two.message_id)
    confirmation = await h.next_message(GROUP, "Resolved card")
    assert confirmation.text == "Resolved card #2 (2 flags)."
    assert (await h.flag(one[0].id)).status == "open"
    assert [(await h.flag(f.id)).status for f in two] == ["resolved", "resolved"]


async def test_a_tampered_button_for_another_card_is_refused(nurse_harness: NurseHarness) -> None:
    h = nurse_harness
    one = await h.raise_flags({"red_flags": ["fever"]}, ref="P-001")
    two = await h.raise_flags({"red_flags": ["calf"]}, ref="P-002")
    await h.service.notify_new_flags([f.id for f in one + two])
    card_two = await h.next_message(GROUP, "P-002")
    ack = card_two.buttons[0][0].callback_data or ""
    forged = ack.replace("n:2:", "n:1:", 1)
    answer = await h.service.flags.press(
        GROUP, Nurse("Anna Lee", ANNA), forged, card_two.message_id
    )
    assert answer == "This button is no longer valid."
    assert (await h.flag(one[0].id)).status == "open"
    assert len(await h.audit("security.bad_callback")) == 1
