"""Flags whose answer has since recovered: shown as such in the digest and /flags, and
resolved in one action with the recovery as the reason (a digest button, or the CLI)."""

from __future__ import annotations

import datetime as dt

from tests.bot.nurse.conftest import ANNA, GROUP, SAM, NurseHarness


async def _leg_pain_high_then_recovered(h: NurseHarness) -> None:
    await h.raise_flags({"leg_pain": 8}, day=1)  # amber: leg pain 7 or more
    await h.raise_flags({"leg_pain": 9, "red_flags": ["calf"]}, ref="P-002", day=1)
    h.clock.advance(dt.timedelta(days=2))
    await h.raise_flags({"leg_pain": 3}, day=3)
    h.clock.advance(dt.timedelta(days=4))
    await h.raise_flags({"leg_pain": 2}, day=7)
    await h.raise_flags({"leg_pain": 8}, ref="P-002", day=7)  # still high: not recovered
    await h.service.notify_pending()


async def test_the_digest_says_which_flags_have_recovered_and_resolves_them_at_once(
    nurse_harness: NurseHarness,
) -> None:
    h = nurse_harness
    await _leg_pain_high_then_recovered(h)
    h.clock.set(dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.UTC))
    assert await h.service.digest_due() is True
    digest = await h.next_message(GROUP, "Daily digest")
    assert digest.text == (
        "Daily digest, 09 Mar 2026: 2 patients · 🔴 1 · 🟠 3 · 🔵 0 unresolved flags\n"
        "🔴 P-002 day 1: Red flag: calf pain or swelling (possible DVT); Leg pain 7 or more"
        " — open, 7 d\n"
        "🟠 P-001 day 1: Leg pain 7 or more — open, 7 d · ✔ recovered: Leg pain 2 since day 3"
    )
    assert digest.button_labels == ("🔴 P-002", "🟠 P-001", "☑️ Resolve 1 recovered")

    await h.sandbox.send_command(SAM, "flags")
    listed = await h.next_message(SAM, "Open flags")
    assert listed.text is not None
    assert (
        "🟠 #1 P-001 day 1: Leg pain 7 or more — open, 7 d · ✔ recovered: Leg pain 2 since day 3"
    ) in listed.text
    assert "P-002 day 7: Leg pain 7 or more — open, 24 h\n" in listed.text  # still high

    await h.sandbox.press_button(GROUP, "☑️ Resolve 1 recovered", user_id=ANNA)
    await h.settle()
    answers = [a.text for a in h.sandbox.transcript(GROUP).callback_answers]
    assert answers == ["Resolved 1 flag whose answer has recovered."]
    flag = await h.flag(1)
    assert (flag.status, flag.resolved_by, flag.resolution_note) == (
        "resolved", "Anna Lee", "Answer has recovered: Leg pain 2 since day 3",
    )  # fmt: skip
    assert [(await h.flag(i)).status for i in (2, 3, 4)] == ["open", "open", "open"]
    [event] = await h.audit("flag.resolved")
    assert (event.entity_id, event.detail["outcome"]) == ("1", "recovered")
    card = h.sandbox.transcript(GROUP).messages[0]  # P-001's card, edited
    assert card.text is not None and card.text.endswith(
        "☑️ Resolved by Anna Lee, 09 Mar 09:00: Answer has recovered: Leg pain 2 since day 3"
    )


async def test_a_flag_raised_again_later_is_not_recovered(nurse_harness: NurseHarness) -> None:
    h = nurse_harness
    await h.raise_flags({"leg_pain": 8}, day=1)
    await h.raise_flags({"leg_pain": 2}, day=3)
    await h.raise_flags({"leg_pain": 9}, day=7)  # leg pain 7 or more, and up 3 or more
    assert await h.service.flags.recovered_notes(await h.service.open_flags()) == {}
    await h.raise_flags({"leg_pain": 1}, day=14)
    notes = await h.service.flags.recovered_notes(await h.service.open_flags())
    assert notes == dict.fromkeys((1, 2, 3), "Leg pain 1 since day 14")
