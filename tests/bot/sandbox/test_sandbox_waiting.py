"""wait_for_message: each call returns the next matching bot message or edit in the chat."""

from __future__ import annotations

import asyncio

import pytest
from sandbox_support import PATIENT
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot.sandbox import BotApiSandbox, SentMessage


async def test_waiter_resolves_when_the_bot_sends(bot: Bot, sandbox: BotApiSandbox) -> None:
    waiting = asyncio.create_task(sandbox.wait_for_message(PATIENT))
    await bot.send_message(PATIENT, "Good morning")
    message = await waiting
    assert (message.text, message.edited) == ("Good morning", False)


async def test_successive_waits_walk_through_messages_and_edits(
    bot: Bot, sandbox: BotApiSandbox
) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="y")]])
    sent = await bot.send_message(PATIENT, "Any fever?", reply_markup=keyboard)
    await bot.edit_message_text("Any fever? Yes", chat_id=PATIENT, message_id=sent.message_id)
    await bot.send_message(PATIENT, "Thank you")

    first = await sandbox.wait_for_message(PATIENT)
    second = await sandbox.wait_for_message(PATIENT)
    third = await sandbox.wait_for_message(PATIENT)
    assert [(m.text, m.buttons, m.edited) for m in (first, second, third)] == [
        ("Any fever?", ((("Yes", "y"),),), False),
        ("Any fever? Yes", (), True),
        ("Thank you", (), False),
    ]


async def test_predicate_skips_non_matching_messages(bot: Bot, sandbox: BotApiSandbox) -> None:
    await bot.send_message(PATIENT, "Saved")

    def asks_walking(message: SentMessage) -> bool:
        return message.text is not None and "walk" in message.text

    waiting = asyncio.create_task(sandbox.wait_for_message(PATIENT, asks_walking))
    await bot.send_message(PATIENT, "How far can you walk?")
    assert (await waiting).text == "How far can you walk?"


async def test_messages_in_other_chats_do_not_count(bot: Bot, sandbox: BotApiSandbox) -> None:
    sandbox.create_private_chat(7, "Li")
    await bot.send_message(7, "Hello Li")
    await bot.send_message(PATIENT, "Hello Mei")
    assert (await sandbox.wait_for_message(PATIENT)).text == "Hello Mei"
    assert (await sandbox.wait_for_message(7)).text == "Hello Li"


async def test_timeout_names_the_chat_and_what_was_seen(bot: Bot, sandbox: BotApiSandbox) -> None:
    await bot.send_message(PATIENT, "Saved")
    await sandbox.wait_for_message(PATIENT)
    with pytest.raises(TimeoutError, match=r"no matching bot message in chat 4242 within 0\.05s"):
        await sandbox.wait_for_message(PATIENT, timeout=0.05)
