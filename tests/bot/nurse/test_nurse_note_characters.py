"""A NUL character in a nurse's note is dropped (PostgreSQL text cannot hold it), as on the
patient side: the note is stored and shown without it, never refused with an apology."""

from __future__ import annotations

from bot.nurse.access import Nurse
from bot.nurse.notes import tidy_note
from tests.bot.nurse.conftest import ANNA, GROUP, NurseHarness
from tests.bot.nurse.test_nurse_flag_cards import FEVER_CARD, _red_card


def test_a_note_is_one_line_without_nul() -> None:
    assert tidy_note("Called\x00 her,\n\tfine\x00") == "Called her, fine"
    assert tidy_note("\x00 \x00") is None
    assert tidy_note(None) is None


async def test_a_nul_in_a_card_reply_note_is_dropped(nurse_harness: NurseHarness) -> None:
    h = nurse_harness
    message_id = await _red_card(h)
    await h.sandbox.press_button(GROUP, "Resolve", user_id=ANNA)
    await h.next_message(GROUP, "How was it resolved?")
    await h.sandbox.press_button(GROUP, "Write a note", user_id=ANNA)
    await h.next_message(GROUP, "Reply to this message")
    await h.sandbox.send_text(GROUP, "Spoke to\x00 daughter", user_id=ANNA, reply_to=message_id)
    edited = await h.next_message(GROUP, "Resolved by")
    assert edited.text == FEVER_CARD + "\n☑️ Resolved by Anna Lee, 02 Mar 09:00: Spoke to daughter"
    flag = await h.flag(1)
    assert (flag.status, flag.resolution_note) == ("resolved", "Spoke to daughter")


async def test_a_nul_in_a_cli_or_web_resolve_note_is_dropped(nurse_harness: NurseHarness) -> None:
    h = nurse_harness
    await _red_card(h)
    result = await h.service.flags.resolve(1, Nurse("Anna Lee", via="web"), note="GP\x00 tomorrow")
    assert result.ok
    assert (await h.flag(1)).resolution_note == "GP tomorrow"


async def test_a_note_of_only_nul_characters_is_no_note(nurse_harness: NurseHarness) -> None:
    h = nurse_harness
    await _red_card(h)
    result = await h.service.flags.resolve(1, Nurse("cli"), note="\x00\x00")
    assert (result.ok, result.message) == (
        False, "Say how the flag was resolved: an outcome or a note.",
    )  # fmt: skip
    assert (await h.flag(1)).status == "open"
