"""A transcript read between changes shows each change: snapshots are reused, never stale."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sandbox_support import PATIENT
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot.sandbox import BotApiSandbox, SentMessage

KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="y")]])
OTHER_KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("No", callback_data="n")]])

Change = Callable[[Bot, int], Awaitable[object]]


def _shown(message: SentMessage) -> tuple[str | None, tuple[str, ...], int, bool]:
    return message.text, message.button_labels, len(message.history), message.deleted


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda bot, mid: bot.edit_message_text("Edited", chat_id=PATIENT, message_id=mid),
            ("Edited", (), 2, False),
        ),
        (
            lambda bot, mid: bot.edit_message_text(
                "Edited", chat_id=PATIENT, message_id=mid, reply_markup=KEYBOARD
            ),
            ("Edited", ("Yes",), 2, False),
        ),
        (
            lambda bot, mid: bot.edit_message_reply_markup(
                chat_id=PATIENT, message_id=mid, reply_markup=OTHER_KEYBOARD
            ),
            ("Question", ("No",), 2, False),
        ),
        (
            lambda bot, mid: bot.delete_message(PATIENT, mid),
            ("Question", ("Yes",), 1, True),
        ),
    ],
)
async def test_a_transcript_read_before_a_change_does_not_hide_it(
    bot: Bot,
    sandbox: BotApiSandbox,
    change: Change,
    expected: tuple[str | None, tuple[str, ...], int, bool],
) -> None:
    sent = await bot.send_message(PATIENT, "Question", reply_markup=KEYBOARD)
    before = sandbox.transcript(PATIENT).last
    assert sandbox.transcript(PATIENT).last is before  # unchanged: the same snapshot

    await change(bot, sent.message_id)

    assert _shown(before) == ("Question", ("Yes",), 1, False)
    assert _shown(sandbox.transcript(PATIENT).messages[-1]) == expected


async def test_a_transcript_read_before_a_user_edit_does_not_hide_it(
    sandbox: BotApiSandbox,
) -> None:
    await sandbox.send_text(PATIENT, "300 m")
    before = sandbox.transcript(PATIENT).user_messages[-1]
    assert sandbox.transcript(PATIENT).user_messages[-1] is before

    await sandbox.edit_text(PATIENT, before.message_id, "3 km")

    after = sandbox.transcript(PATIENT).user_messages[-1]
    assert [(m.message_id, m.text, m.edited) for m in (before, after)] == [
        (before.message_id, "300 m", False),
        (before.message_id, "3 km", True),
    ]
