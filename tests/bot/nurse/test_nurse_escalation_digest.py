"""A card with an unacknowledged red flag is posted again once; the daily digest has one
line per patient with unresolved flags, and no digest is posted when there are none."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from bot.nurse.access import Nurse
from bot.nurse.service import NurseService
from bot.ops.heartbeat import Heartbeat
from bot.telegram.nurse_handlers import TelegramNurseDirectory
from bot.telegram.transport import TelegramTransport
from storage.instances import STALE_AFTER
from storage.models import NurseCard
from tests.bot.nurse.conftest import ANNA, GROUP, NurseHarness

MENTION = "🔔 @anna_rn: red flag not acknowledged for 15 minutes. Please act now."


async def _carded_red_flag(h: NurseHarness) -> int:
    flags = await h.raise_flags({"red_flags": ["bladder_bowel"]})
    await h.service.notify_new_flags([f.id for f in flags])
    return (await h.next_message(GROUP)).message_id


async def test_an_unacknowledged_red_flag_is_escalated_once_after_15_minutes(
    nurse_harness: NurseHarness,
) -> None:
    h = nurse_harness
    first = await _carded_red_flag(h)
    h.clock.advance(dt.timedelta(minutes=14, seconds=59))
    assert await h.service.escalate_due() == 0
    h.clock.advance(dt.timedelta(seconds=1))
    assert await h.service.escalate_due() == 1

    again = await h.next_message(GROUP)
    assert again.message_id != first
    assert again.text is not None
    assert again.text.split("\n")[:2] == [
        MENTION, "🔴 RED · card #1 · patient P-001 · day 1 post-op",
    ]  # fmt: skip
    assert again.text.endswith(
        "Raised 02 Mar 09:00\n⚠️ Escalated 02 Mar 09:15 (not acknowledged within 15 min)"
    )
    assert again.button_labels == ("Acknowledge", "Resolve")
    old = await h.next_message(GROUP)
    assert old.message_id == first
    assert old.text is not None and old.text.endswith("⬇️ Escalated: see the newer card below.")
    assert old.buttons == ()

    flag = await h.flag(1)
    assert (flag.escalated_at, flag.card_message_id) == (h.clock.now(), again.message_id)
    for minutes in (0, 1, 60, 24 * 60):
        h.clock.advance(dt.timedelta(minutes=minutes))
        assert await h.service.escalate_due() == 0
    assert len(h.sandbox.transcript(GROUP).messages) == 2
    assert [e.detail for e in await h.audit("card.escalated")] == [
        {"chat": GROUP, "message": again.message_id, "minutes": 15, "level": "red",
         "flags": [1], "patient": "P-001"}
    ]  # fmt: skip

    # acknowledging edits the newest card, which now says who acted
    await h.sandbox.press_button(GROUP, "Acknowledge", user_id=ANNA, message_id=again.message_id)
    acknowledged = await h.next_message(GROUP)
    assert acknowledged.message_id == again.message_id
    assert acknowledged.text is not None
    assert not acknowledged.text.startswith("🔔")
    assert acknowledged.text.endswith("✅ Acknowledged by Anna Lee, 03 Mar 10:16")


@pytest.mark.parametrize(
    ("answers", "acknowledge"),
    [
        ({"red_flags": ["chest"]}, True),  # acknowledged in time
        ({"leg_pain": 9}, False),  # amber: never escalated
        ({"note": "Feeling fine"}, False),  # info: never escalated
    ],
)
async def test_only_open_red_flags_are_escalated(
    nurse_harness: NurseHarness, answers: dict[str, object], acknowledge: bool
) -> None:
    h = nurse_harness
    flags = await h.raise_flags(answers)
    await h.service.notify_pending()
    if acknowledge:
        await h.service.flags.acknowledge(flags[0].id, Nurse("Anna Lee", ANNA))
    h.clock.advance(dt.timedelta(hours=2))
    assert await h.service.escalate_due() == 0
    assert (await h.flag(flags[0].id)).escalated_at is None


async def test_escalation_delay_is_configurable(nurse_harness: NurseHarness) -> None:
    h = nurse_harness
    settings = h.settings.model_copy(update={"escalate_after_minutes": 5})
    service = NurseService(h.sessions, h.survey, settings, h.clock, TelegramTransport(h.bot),
                           TelegramNurseDirectory(h.bot))  # fmt: skip
    await _carded_red_flag(h)
    h.clock.advance(dt.timedelta(minutes=4))
    assert await service.escalate_due() == 0
    h.clock.advance(dt.timedelta(minutes=1))
    assert await service.escalate_due() == 1
    again = await h.next_message(GROUP)
    assert again.text is not None
    assert again.text.startswith("🔔 @anna_rn: red flag not acknowledged for 5 minutes.")


async def test_a_failed_escalation_is_tried_again(nurse_harness: NurseHarness) -> None:
    h = nurse_harness
    await _carded_red_flag(h)
    h.clock.advance(dt.timedelta(minutes=20))
    h.sandbox.faults.add("sendMessage", "500", chat_id=GROUP, times=1)
    assert await h.service.escalate_due() == 0
    assert (await h.flag(1)).escalated_at is None
    assert await h.service.escalate_due() == 1
    assert await h.service.escalate_due() == 0


async def _digest_flags(h: NurseHarness) -> None:
    await h.raise_flags({"red_flags": ["fever"], "leg_pain": 8, "note": "Can I shower?"})
    h.clock.advance(dt.timedelta(hours=3))
    await h.raise_flags({"numbness": "worse"}, ref="P-002")


async def test_two_red_items_in_one_check_in_escalate_once(nurse_harness: NurseHarness) -> None:
    h = nurse_harness
    flags = await h.raise_flags({"red_flags": ["fever", "wound"]})
    await h.service.notify_new_flags([f.id for f in flags])
    card = await h.next_message(GROUP)
    assert card.text is not None and card.text.split("\n")[1:3] == [
        "🔴 Red flag: fever of 38 °C or more, or chills",
        "🔴 Red flag: wound red, hot, swollen, leaking or opening",
    ]
    h.clock.advance(dt.timedelta(minutes=15))
    assert await h.service.escalate_due() == 1
    assert await h.service.escalate_due() == 0
    assert len(h.sandbox.transcript(GROUP).messages) == 2
    assert [(f.escalated_at is not None) for f in [await h.flag(1), await h.flag(2)]] == [
        True, True,
    ]  # fmt: skip


async def test_digest_goes_out_once_per_ward_day_from_digest_at(
    nurse_harness: NurseHarness,
) -> None:
    h = nurse_harness
    await _digest_flags(h)
    h.clock.set(dt.datetime(2026, 3, 3, 8, 29, tzinfo=dt.UTC))  # London is on GMT
    assert await h.service.digest_due() is False
    h.clock.set(dt.datetime(2026, 3, 3, 8, 30, tzinfo=dt.UTC))
    assert await h.service.digest_due() is True
    digest = await h.next_message(GROUP)
    assert digest.text == (
        "Daily digest, 03 Mar 2026: 2 patients · 🔴 1 · 🟠 2 · 🔵 1 unresolved flags\n"
        "🔴 P-001 day 1: Red flag: fever of 38 °C or more, or chills; Leg pain 7 or more "
        "(+1 more) — open, 23 h\n"
        "🟠 P-002 day 1: Numbness or tingling worse than before the operation — open, 20 h"
    )
    assert digest.button_labels == ("🔴 P-001", "🟠 P-002")

    for later in (dt.timedelta(minutes=1), dt.timedelta(hours=15)):  # 08:31, 23:31
        h.clock.advance(later)
        assert await h.service.digest_due() is False
    h.clock.set(dt.datetime(2026, 3, 4, 8, 29, tzinfo=dt.UTC))
    assert await h.service.digest_due() is False
    h.clock.set(dt.datetime(2026, 3, 4, 11, 0, tzinfo=dt.UTC))  # late start: still that day
    assert await h.service.digest_due() is True
    assert await h.service.digest_due() is False
    assert [e.entity_id for e in await h.audit("digest.sent")] == ["2026-03-03", "2026-03-04"]
    info = await h.flag(3)
    assert info.notified_at == dt.datetime(2026, 3, 3, 8, 30, tzinfo=dt.UTC)


async def test_a_digest_orders_patients_by_urgency_and_agrees_with_itself(
    nurse_harness: NurseHarness,
) -> None:
    h = nurse_harness
    await h.raise_flags({"note": "Can I shower?"}, ref="P-003")
    await h.raise_flags({"leg_pain": 9}, ref="P-004")
    h.clock.advance(dt.timedelta(hours=1))
    await h.raise_flags({"red_flags": ["calf"]}, ref="P-005")
    await h.raise_flags({"leg_pain": 8}, ref="P-006")
    await h.service.flags.acknowledge(2, Nurse("Anna Lee", ANNA))  # P-004's amber flag
    h.clock.set(dt.datetime(2026, 3, 3, 9, 0, tzinfo=dt.UTC))
    assert await h.service.digest_due() is True
    digest = await h.next_message(GROUP, "Daily digest")
    assert digest.text is not None
    lines = digest.text.split("\n")
    assert lines[0] == "Daily digest, 03 Mar 2026: 4 patients · 🔴 1 · 🟠 2 · 🔵 1 unresolved flags"
    assert [line.split(":")[0] for line in lines[1:]] == [
        "🔴 P-005 day 1", "🟠 P-006 day 1", "🟠 P-004 day 1", "🔵 P-003 day 1",
    ]  # fmt: skip
    assert lines[3].endswith("— acknowledged, 24 h")


async def test_no_digest_when_nothing_is_unresolved(nurse_harness: NurseHarness) -> None:
    h = nurse_harness
    flags = await h.raise_flags({"leg_pain": 9})
    await h.service.flags.resolve(flags[0].id, Nurse("Anna Lee", ANNA), outcome="fine")
    await h.service.notify_pending()
    posted = len(h.sandbox.transcript(GROUP).messages)
    h.clock.set(dt.datetime(2026, 3, 3, 9, 0, tzinfo=dt.UTC))
    assert await h.service.digest_due() is False
    assert await h.service.digest_due() is False
    assert len(h.sandbox.transcript(GROUP).messages) == posted
    assert [e.detail["patients"] for e in await h.audit("digest.sent")] == [0]


async def test_digest_time_is_ward_time(nurse_harness: NurseHarness) -> None:
    h = nurse_harness
    await h.raise_flags({"note": "Can I shower?"})
    settings = h.settings.model_copy(update={"default_timezone": "Asia/Shanghai"})
    service = NurseService(h.sessions, h.survey, settings, h.clock, TelegramTransport(h.bot))
    h.clock.set(dt.datetime(2026, 3, 3, 0, 29, tzinfo=dt.UTC))  # 08:29 in Shanghai
    assert await service.digest_due() is False
    h.clock.set(dt.datetime(2026, 3, 3, 0, 30, tzinfo=dt.UTC))
    assert await service.digest_due() is True
    digest = await h.next_message(GROUP)
    assert digest.text == (
        "Daily digest, 03 Mar 2026: 1 patient · 🔴 0 · 🟠 0 · 🔵 1 unresolved flags\n"
        "🔵 P-001 day 1: Note for the nurse — open, 15 h"
    )
    assert digest.buttons == ()  # an info note alone has no card


async def test_a_digest_button_opens_the_card(nurse_harness: NurseHarness) -> None:
    h = nurse_harness
    await _digest_flags(h)
    h.clock.set(dt.datetime(2026, 3, 3, 9, 0, tzinfo=dt.UTC))
    await h.service.digest_due()
    await h.next_message(GROUP, "Daily digest")
    await h.sandbox.press_button(GROUP, "🔴 P-001", user_id=ANNA)
    card = await h.next_message(GROUP)
    assert card.text == (
        "🔴 RED · card #1 · patient P-001 · day 1 post-op\n"
        "🔴 Red flag: fever of 38 °C or more, or chills\n"
        "🟠 Leg pain 7 or more\n"
        "🔵 Note for the nurse\n"
        "\n"
        "Answers:\n"
        "• Leg pain 8\n"
        "• Red-flag symptoms: Fever of 38 °C or more, or chills\n"
        "• Note from the patient: “Can I shower?”\n"
        "\n"
        "Raised 02 Mar 09:00"
    )
    assert card.button_labels == ("Acknowledge", "Resolve")


async def test_a_failed_digest_is_sent_at_the_next_sweep(nurse_harness: NurseHarness) -> None:
    h = nurse_harness
    await h.raise_flags({"note": "Can I shower?"})
    h.clock.set(dt.datetime(2026, 3, 3, 9, 0, tzinfo=dt.UTC))
    h.sandbox.faults.add("sendMessage", "500", chat_id=GROUP, times=1)
    await h.service.sweep()
    assert await h.audit("digest.sent") == []
    await h.service.sweep()
    assert len(await h.audit("digest.sent")) == 1


async def test_an_escalation_a_killed_process_was_sending_is_sent_a_few_beats_later(
    nurse_harness: NurseHarness,
) -> None:
    h = nurse_harness
    await _carded_red_flag(h)
    h.clock.advance(dt.timedelta(minutes=20))
    killed = Heartbeat(h.sessions, h.clock, "ward-b:9", host="ward-b", running=lambda *_: True)
    await killed.start()
    async with h.sessions.begin() as session:  # it claimed the escalation, then was killed
        await session.execute(
            update(NurseCard).values(claimed_by="ward-b:9", claimed_at=h.clock.now())
        )
    assert await h.service.escalate_due() == 0  # its heartbeat is still fresh

    h.clock.advance(STALE_AFTER + dt.timedelta(seconds=1))
    assert await h.service.escalate_due() == 1
    again = await h.next_message(GROUP)
    assert again.text is not None and again.text.startswith("🔔")
    [recovered] = await h.audit("claim.recovered")
    assert recovered.detail == {"from": "ward-b:9", "escalate": True}
    assert await h.service.escalate_due() == 0
