"""Only nurses act: group members or listed ids. Everyone else is refused and audited."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.nurse.access import Nurse
from tests.bot.nurse.conftest import ANNA, BOB, GROUP, LI, OMAR, NurseHarness


@pytest.mark.parametrize(
    ("command", "args", "what"),
    [
        ("flags", "", "command:flags"),
        ("patient", "P-001", "command:patient"),
        ("checkin", "P-001", "command:checkin"),
        ("enroll", "", "command:enroll"),
    ],
)
async def test_a_patient_using_a_nurse_command_is_refused_and_audited(
    nurse_harness: NurseHarness, command: str, args: str, what: str
) -> None:
    h = nurse_harness
    await h.enrol("P-001")
    await h.sandbox.send_command(OMAR, command, args)
    reply = await h.next_message(OMAR)
    assert reply.text == "Only ward nurses can do this."
    [event] = await h.audit("nurse.refused")
    assert (event.actor, event.entity, event.entity_id, event.detail) == (
        f"tg:{OMAR}", "command", None, {"what": what},
    )  # fmt: skip
    assert event.at == h.clock.now()


async def test_the_refusal_is_in_the_users_language(nurse_harness: NurseHarness) -> None:
    h = nurse_harness
    h.sandbox.create_private_chat(201, "梅", language_code="zh-hans")
    await h.sandbox.send_command(201, "flags")
    assert (await h.next_message(201)).text == "只有病房护士可以使用这个功能。"


@pytest.mark.parametrize(
    ("user_id", "nurse"),
    [(ANNA, True), (LI, True), (BOB, True), (OMAR, False), (999, False)],
)
async def test_nurses_are_group_members_or_listed_ids(
    nurse_harness: NurseHarness, user_id: int, nurse: bool
) -> None:
    assert await nurse_harness.service.is_nurse(user_id) is nurse


async def test_a_listed_id_is_a_nurse_even_outside_the_group(nurse_harness: NurseHarness) -> None:
    h = nurse_harness
    await h.sandbox.set_member_status(GROUP, ANNA, "left")
    assert await h.service.is_nurse(ANNA)


async def test_a_nurse_who_left_the_group_is_refused_once_membership_is_checked_again(
    nurse_harness: NurseHarness,
) -> None:
    h = nurse_harness
    await h.raise_flags({"red_flags": ["wound"]})
    await h.sandbox.send_command(BOB, "flags")
    listing = await h.next_message(BOB, "Open flags")
    assert listing.button_labels == ("🔴 #1 P-001",)

    await h.sandbox.set_member_status(GROUP, BOB, "left")
    h.clock.advance(dt.timedelta(minutes=6))  # membership is remembered for 5 minutes
    await h.sandbox.press_button(BOB, "🔴 #1 P-001")
    await h.settle()
    [answer] = h.sandbox.transcript(BOB).callback_answers
    assert answer.text == "Only ward nurses can do this."
    assert h.sandbox.transcript(BOB).texts == (listing.text,)  # no card shown
    [event] = await h.audit("nurse.refused")
    assert (event.actor, event.entity, event.entity_id, event.detail) == (
        f"tg:{BOB}", "flag", "1", {"what": "button:open"},
    )  # fmt: skip


async def test_membership_is_remembered_for_a_few_minutes(nurse_harness: NurseHarness) -> None:
    h = nurse_harness
    assert await h.service.is_nurse(BOB)
    await h.sandbox.set_member_status(GROUP, BOB, "left")
    h.clock.advance(dt.timedelta(minutes=4))
    assert await h.service.is_nurse(BOB)
    h.clock.advance(dt.timedelta(minutes=2))
    assert not await h.service.is_nurse(BOB)


async def test_a_refused_acknowledge_changes_nothing(nurse_harness: NurseHarness) -> None:
    h = nurse_harness
    await h.raise_flags({"red_flags": ["wound"]})
    result = await h.service.flags.acknowledge(1, Nurse("Omar", OMAR))
    assert (result.ok, result.message) == (False, "Only ward nurses can do this.")
    assert (await h.flag(1)).status == "open"
    assert [e.detail for e in await h.audit("nurse.refused")] == [{"what": "acknowledge"}]


async def test_a_forged_or_replayed_button_is_refused_and_audited(
    nurse_harness: NurseHarness,
) -> None:
    h = nurse_harness
    flags = await h.raise_flags({"red_flags": ["wound"]})
    await h.service.notify_new_flags([f.id for f in flags])
    card = await h.next_message(GROUP)
    ack = card.buttons[0][0].callback_data
    assert ack is not None
    forged = ack.replace(":ack:", ":fine:")
    assert await h.service.flags.press(GROUP, Nurse("Anna", ANNA), forged, card.message_id) == (
        "This button is no longer valid."
    )
    # the group's payload is bound to the group: replayed in a private chat it is refused
    assert await h.service.flags.press(ANNA, Nurse("Anna", ANNA), ack, card.message_id) == (
        "This button is no longer valid."
    )
    assert (await h.flag(1)).status == "open"
    events = await h.audit("security.bad_callback")
    assert [(e.actor, e.entity_id, e.detail) for e in events] == [
        (f"tg:{ANNA}", str(GROUP), {"reason": "bad signature"}),
        (f"tg:{ANNA}", str(ANNA), {"reason": "bad signature"}),
    ]


async def test_a_failed_membership_lookup_is_a_refusal_to_try_again(
    nurse_harness: NurseHarness,
) -> None:
    h = nurse_harness
    h.sandbox.faults.add("getChatMember", "500", chat_id=GROUP, times=1)
    await h.sandbox.send_command(BOB, "flags")
    reply = await h.next_message(BOB)
    assert reply.text == "Could not check that you are a ward nurse; try again."
    [event] = await h.audit("nurse.refused")
    assert (event.actor, event.entity, event.detail) == (
        f"tg:{BOB}", "command", {"what": "command:flags", "reason": "membership_unknown"},
    )  # fmt: skip

    await h.sandbox.send_command(BOB, "flags")  # the lookup works again: so does the nurse
    assert (await h.next_message(BOB)).text.startswith("Open flags")


async def test_a_failed_membership_lookup_is_refused_in_the_nurses_language(
    nurse_harness: NurseHarness,
) -> None:
    h = nurse_harness
    h.sandbox.create_private_chat(201, "梅", language_code="zh-hans")
    h.sandbox.faults.add("getChatMember", "500", times=1)
    await h.sandbox.send_command(201, "flags")
    assert (await h.next_message(201)).text == "暂时无法确认您是病房护士，请再试一次。"


async def test_a_failed_lookup_on_a_card_button_changes_nothing(
    nurse_harness: NurseHarness,
) -> None:
    h = nurse_harness
    await h.raise_flags({"red_flags": ["wound"]})
    h.sandbox.faults.add("getChatMember", "500", times=1)
    result = await h.service.flags.acknowledge(1, Nurse("Bob", BOB, language="en"))
    assert (result.ok, result.message) == (
        False, "Could not check that you are a ward nurse; try again.",
    )  # fmt: skip
    assert (await h.flag(1)).status == "open"
