"""Nurse commands in the group and in a private chat: /flags, /patient, /checkin, /enroll."""

from __future__ import annotations

import datetime as dt
import io

import zxingcpp
from PIL import Image

from bot.nurse.access import Nurse
from storage.checkins import checkins_for_enrolment
from storage.patients import active_enrolment, patient_by_ref
from tests.bot.nurse.conftest import ANNA, BOB, GROUP, LI, NurseHarness

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


async def test_flags_lists_red_first_then_oldest_with_a_button_each(
    nurse_harness: NurseHarness,
) -> None:
    h = nurse_harness
    await h.raise_flags({"leg_pain": 9})
    h.clock.advance(dt.timedelta(minutes=30))
    await h.raise_flags({"red_flags": ["calf"]}, ref="P-002")
    h.clock.advance(dt.timedelta(minutes=30))
    await h.raise_flags({"back_pain": 8}, ref="P-003")
    await h.service.flags.acknowledge(1, Nurse("Anna Lee", ANNA))
    h.clock.advance(dt.timedelta(hours=2))
    await h.sandbox.send_command(GROUP, "flags", user_id=BOB)
    listing = await h.next_message(GROUP, "Open flags")
    assert listing.text == (
        "Open flags: 🔴 1 · 🟠 2 · 🔵 0\n"
        "🔴 #2 P-002 day 1: Red flag: calf pain or swelling (possible DVT) — open, 2 h\n"
        "🟠 #1 P-001 day 1: Leg pain 7 or more — acknowledged by Anna Lee, 3 h\n"
        "🟠 #3 P-003 day 1: Back pain 7 or more — open, 2 h\n"
        "Tap a flag to open its card."
    )
    assert listing.buttons[0][0].label == "🔴 #2 P-002"
    assert listing.button_labels == ("🔴 #2 P-002", "🟠 #1 P-001", "🟠 #3 P-003")


async def test_flags_in_a_private_chat_opens_cards_that_act_on_the_group_card(
    nurse_harness: NurseHarness,
) -> None:
    h = nurse_harness
    flags = await h.raise_flags({"red_flags": ["headache"]})
    await h.service.notify_new_flags([f.id for f in flags])
    group_card = await h.next_message(GROUP)
    await h.sandbox.send_command(ANNA, "flags")
    await h.next_message(ANNA, "Open flags")
    await h.sandbox.press_button(ANNA, "🔴 #1 P-001")
    private_card = await h.next_message(ANNA)
    assert private_card.text == group_card.text
    await h.sandbox.press_button(ANNA, "Acknowledge", message_id=private_card.message_id)
    assert (await h.next_message(GROUP)).text == (
        f"{group_card.text}\n✅ Acknowledged by Anna Lee, 02 Mar 09:00"
    )
    private_edit = await h.next_message(ANNA)
    assert private_edit.message_id == private_card.message_id
    assert private_edit.button_labels == ("Resolve",)


async def test_flags_when_nothing_is_open(nurse_harness: NurseHarness) -> None:
    h = nurse_harness
    await h.sandbox.send_command(ANNA, "flags")
    reply = await h.next_message(ANNA)
    assert (reply.text, reply.buttons) == ("Open flags\nNo open flags.", ())


async def test_patient_shows_the_trajectory_and_a_chart(nurse_harness: NurseHarness) -> None:
    h = nurse_harness
    await h.raise_flags(
        {
            "leg_pain": 8,
            "back_pain": 5,
            "numbness_before": True,
            "walking": {"metres": 30.0, "category": "under_50"},
        },
        day=None,
    )
    h.clock.advance(dt.timedelta(days=1))
    await h.raise_flags(
        {
            "leg_pain": 5,
            "back_pain": 6,
            "numbness": "better",
            "walking": {"metres": None, "category": "m50_100"},
            "pgic": "much_improved",
        },
        day=1,
        answered_by="caregiver",
    )
    h.clock.advance(dt.timedelta(days=6))
    await h.raise_flags(
        {
            "leg_pain": 2,
            "back_pain": 4,
            "numbness": "none",
            "walking": {"metres": 600.0, "category": "m500_1000"},
            "pgic": "very_much_improved",
            "red_flags": ["fever"],
        },
        day=7,
    )
    await h.sandbox.send_command(GROUP, "patient", "p-001", user_id=BOB)
    summary = await h.next_message(GROUP)
    assert summary.text == (
        "Patient P-001 · surgery 02 Mar 2026 · day 7 post-op\n"
        "en · Europe/London · invite not opened\n"
        "Check-ins answered: 2 of 2 due\n"
        "\n"
        "Before surgery: leg 8 · back 5 · walking Less than 50 m · numbness yes\n"
        "Day 1: leg 5 (−3) · back 6 (+1) · walking 50–100 m · numbness better · much better"
        " (answered by family)\n"
        "Day 7: leg 2 (−6) · back 4 (−1) · walking 500 m – 1 km · numbness no · very much better\n"
        "\n"
        "Leg pain now 2 (day 7, today; before surgery 8, −6): minimal important change reached"
        " (2 points or 30%).\n"
        "Open flags: 🔴 1 · 🟠 0 · 🔵 0"
    )
    chart = await h.next_message(GROUP)
    assert chart.photo is not None and chart.photo.content is not None
    assert chart.photo.content.startswith(PNG_MAGIC)
    assert chart.caption == (
        "Leg pain, back pain and walking by day after surgery; dashed lines: before surgery."
    )


async def test_patient_needs_a_known_code(nurse_harness: NurseHarness) -> None:
    h = nurse_harness
    await h.sandbox.send_command(ANNA, "patient")
    assert (await h.next_message(ANNA)).text == (
        "Usage: /patient CODE (the patient's reference code)"
    )
    await h.sandbox.send_command(ANNA, "patient", "P-404")
    assert (await h.next_message(ANNA)).text == "No patient with reference 'P-404'."


async def test_checkin_brings_the_next_checkin_forward(nurse_harness: NurseHarness) -> None:
    h = nurse_harness
    await h.enrol("P-001", surgery_date=dt.date(2026, 3, 2))
    await h.sandbox.send_command(ANNA, "checkin", "P-001")
    assert (await h.next_message(ANNA)).text == "P-001 has not opened the invite link yet."
    await h.link("P-001", 5001)
    await h.sandbox.send_command(ANNA, "checkin", "P-001")
    assert (await h.next_message(ANNA)).text == (
        "The before surgery check-in goes to P-001 now (unless it is night-time for the patient)."
    )
    async with h.sessions() as session:
        patient = await patient_by_ref(session, "P-001")
        assert patient is not None
        enrolment = await active_enrolment(session, patient.id)
        assert enrolment is not None
        planned = await checkins_for_enrolment(session, enrolment.id)
    baseline = next(c for c in planned if c.day is None)
    assert baseline.due_at <= h.clock.now()
    [event] = await h.audit("checkin.sent_now")
    assert (event.actor, event.entity_id, event.detail["spec"]) == (
        f"tg:{ANNA}", str(baseline.id), "baseline",
    )  # fmt: skip


async def test_enroll_dialogue_ends_with_the_link_and_its_qr_code(
    nurse_harness: NurseHarness,
) -> None:
    h = nurse_harness
    await h.sandbox.send_command(ANNA, "enroll")
    assert (await h.next_message(ANNA)).text == (
        "New enrolment. Send /cancel to stop at any time.\n"
        "1/5 The patient's reference code (a study code, never a name):"
    )
    await h.sandbox.send_text(ANNA, "Wang Li")
    assert (await h.next_message(ANNA)).text == (
        "A reference code is 1–64 letters, digits, '-' or '_', with no spaces "
        "(a study code, never a name). Please send the reference code again."
    )
    await h.sandbox.send_text(ANNA, "P-042")
    ask_date = await h.next_message(ANNA)
    assert ask_date.text == (
        "2/5 Date of surgery (e.g. 2026-03-10, 2026/3/10, or today / yesterday):"
    )
    assert ask_date.reply_keyboard == (("today", "yesterday"),)
    await h.sandbox.send_text(ANNA, "next week")
    assert (await h.next_message(ANNA)).text == (
        "Please send a date like 2026-03-02, or today / yesterday."
    )
    await h.sandbox.send_text(ANNA, "yesterday")
    ask_language = await h.next_message(ANNA)
    assert ask_language.text == "3/5 The patient's language:"
    assert ask_language.reply_keyboard == (("English", "中文"),)
    await h.sandbox.send_text(ANNA, "中文")
    ask_zone = await h.next_message(ANNA)
    assert ask_zone.text == "4/5 The patient's timezone (Area/City, e.g. Europe/London):"
    await h.sandbox.send_text(ANNA, "asia/shanghai")
    assert (await h.next_message(ANNA)).text == (
        "5/5 Will a family member or carer help with the check-ins?"
    )
    await h.sandbox.send_text(ANNA, "Yes")
    done = await h.next_message(ANNA)
    assert done.remove_keyboard
    assert done.text is not None
    lines = done.text.split("\n")
    assert lines[:3] == [
        "Enrolled P-042: 10 check-ins planned.",
        "The baseline answers will be marked as recalled.",
        "Invite link (works once, until 01 Apr 2026):",
    ]
    link = lines[3]
    assert link.startswith(f"https://t.me/{h.sandbox.bot_username}?start=")
    qr = await h.next_message(ANNA)
    assert qr.caption == (
        "Invite QR code for P-042: print it or show it at discharge. "
        "The patient scans it with the phone camera to open the bot."
    )
    assert qr.photo is not None and qr.photo.content is not None
    with Image.open(io.BytesIO(qr.photo.content)) as image:
        assert [c.text for c in zxingcpp.read_barcodes(image.convert("L"))] == [link]

    async with h.sessions() as session:
        patient = await patient_by_ref(session, "P-042")
        assert patient is not None
        enrolment = await active_enrolment(session, patient.id)
    assert (patient.language, patient.timezone) == ("zh-Hans", "Asia/Shanghai")
    assert enrolment is not None
    assert (enrolment.surgery_date, enrolment.caregiver_helps) == (dt.date(2026, 3, 1), True)
    [event] = await h.audit("patient.enrolled")
    assert event.actor == f"tg:{ANNA}"


async def test_enroll_refuses_a_code_already_enrolled_and_can_be_cancelled(
    nurse_harness: NurseHarness,
) -> None:
    h = nurse_harness
    await h.enrol("P-001")
    await h.sandbox.send_command(ANNA, "enroll")
    await h.next_message(ANNA, "1/5")
    await h.sandbox.send_text(ANNA, "P-001")
    assert (await h.next_message(ANNA)).text == (
        "Patient P-001 is already enrolled. Send another code."
    )
    await h.sandbox.send_command(ANNA, "cancel")
    assert (await h.next_message(ANNA)).text == "Enrolment cancelled. Nothing was saved."
    await h.sandbox.send_text(ANNA, "P-002")  # no dialogue any more: not taken as a code
    await h.settle()
    assert [e.actor for e in await h.audit("patient.enrolled")] == ["cli"]  # P-001 only


async def test_enroll_in_the_group_points_to_a_private_chat(nurse_harness: NurseHarness) -> None:
    h = nurse_harness
    await h.sandbox.send_command(GROUP, "enroll", user_id=BOB)
    assert (await h.next_message(GROUP)).text == (
        "Please use /enroll in a private chat with me: the invite link is for the patient only."
    )
    await h.sandbox.send_command(GROUP, "enroll", user_id=LI)  # her Telegram is in Chinese
    reply = await h.next_message(GROUP)
    assert reply.text == "请在与我的私聊中使用 /enroll：邀请链接只给患者本人。"


async def test_enroll_asks_again_for_a_surgery_date_out_of_range(
    nurse_harness: NurseHarness,
) -> None:
    h = nurse_harness
    await h.sandbox.send_command(ANNA, "enroll")
    await h.next_message(ANNA, "1/5")
    await h.sandbox.send_text(ANNA, "P-043")
    await h.next_message(ANNA, "2/5")
    await h.sandbox.send_text(ANNA, "2025-03-01")
    assert (await h.next_message(ANNA)).text == (
        "The date of surgery must be within the last 365 days or the next 90. Please send it again."
    )
    await h.sandbox.send_text(ANNA, "2026-03-02")
    assert (await h.next_message(ANNA)).text == "3/5 The patient's language:"
