"""From a patient's answer to the nurses' card: the patient handlers notify the nurse service."""

from __future__ import annotations

from tests.bot.nurse.conftest import ANNA, GROUP, NurseHarness
from tests.bot.patient_steps import PatientSteps

PATIENT = 5001


async def test_a_red_flag_answer_is_carded_in_the_nurse_group_at_once(
    nurse_harness: NurseHarness,
) -> None:
    h = nurse_harness
    patient = PatientSteps(h, PATIENT)
    await patient.join("P-001")
    await patient.check_in_due(days=1)
    await patient.tap("6", "2/")
    await patient.tap("5", "3/")
    await patient.tap("I have none", "4/")
    await patient.say("30 m", "5/")
    await patient.tap("Much better", "6/")
    await h.sandbox.press_button(
        PATIENT, "▫️ New weakness in a leg or foot, a dragging foot, or a fall"
    )
    await h.sandbox.press_button(PATIENT, "Done ✔")
    await h.next_message(PATIENT, "7/")

    card = await h.next_message(GROUP)  # posted at the tick, before Done stored the answer
    assert card.text == (
        "🔴 RED · card #1 · patient P-001 · day 1 post-op\n"
        "🔴 Red flag: new weakness in a leg or foot, foot drop or falls\n"
        "\n"
        "Answers:\n"
        "• Leg pain 6; before surgery 8\n"
        "• Back pain 5; before surgery 5\n"
        "• Numbness: I have none\n"
        "• Walking distance Less than 50 m (“30 m”) — before surgery Less than 50 m"
        " (same as before surgery)\n"
        "• Overall change since surgery: Much better\n"
        "\n"
        "Raised 03 Mar 09:00"
    )
    await h.sandbox.press_button(GROUP, "Acknowledge", user_id=ANNA)
    # by now the card also lists the answer stored with Done
    shown = (card.text or "").replace(
        "\n\nRaised",
        "\n• Red-flag symptoms: New weakness in a leg or foot, a dragging foot, "
        "or a fall\n\nRaised",
    )
    assert (
        await h.next_message(GROUP)
    ).text == shown + "\n✅ Acknowledged by Anna Lee, 03 Mar 09:00"
    assert h.sandbox.violations == ()
