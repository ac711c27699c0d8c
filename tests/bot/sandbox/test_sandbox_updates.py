"""getUpdates as python-telegram-bot uses it: offsets, long polling, allowed_updates, redelivery."""

from __future__ import annotations

import asyncio

import pytest
from sandbox_support import NURSE, NURSE_GROUP, PATIENT, TOKEN, make_bot
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import Conflict
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.sandbox import BotApiSandbox, SandboxError


async def test_update_ids_increase_and_offsets_confirm(bot: Bot, sandbox: BotApiSandbox) -> None:
    first = await sandbox.send_text(PATIENT, "7")
    second = await sandbox.send_command(PATIENT, "start")
    assert second.update_id == first.update_id + 1

    updates = await bot.get_updates()
    assert [update.update_id for update in updates] == [first.update_id, second.update_id]
    assert await bot.get_updates() == updates  # not confirmed yet: delivered again

    assert await bot.get_updates(offset=second.update_id + 1) == ()
    assert sandbox.pending_update_count == 0


async def test_command_carries_a_bot_command_entity(bot: Bot, sandbox: BotApiSandbox) -> None:
    await sandbox.send_command(PATIENT, "start", "enrol-123")
    (update,) = await bot.get_updates()
    assert update.message is not None
    assert update.message.text == "/start enrol-123"
    assert update.message.parse_entities(["bot_command"]).popitem()[1] == "/start"


async def test_limit_and_negative_offset(bot: Bot, sandbox: BotApiSandbox) -> None:
    sent = [await sandbox.send_text(PATIENT, str(n)) for n in range(4)]
    assert [u.update_id for u in await bot.get_updates(limit=2)] == [
        sent[0].update_id,
        sent[1].update_id,
    ]
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == [sent[3].update_id]
    assert [u.update_id for u in await bot.get_updates()] == [sent[3].update_id]  # rest forgotten


async def test_long_poll_waits_until_a_user_acts(bot: Bot, sandbox: BotApiSandbox) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await sandbox.wait_until_polling()
    assert not poll.done()
    sent = await sandbox.send_text(PATIENT, "hello")
    (update,) = await asyncio.wait_for(poll, 5)
    assert update.update_id == sent.update_id


async def test_a_second_poll_terminates_the_first(bot: Bot, sandbox: BotApiSandbox) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=10))
    await sandbox.wait_until_polling()
    async with make_bot(sandbox) as second_instance:
        assert await second_instance.get_updates() == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await asyncio.wait_for(first, 5)


async def test_allowed_updates_filters_later_updates(bot: Bot, sandbox: BotApiSandbox) -> None:
    await bot.get_updates(allowed_updates=["callback_query"])
    ignored = await sandbox.send_text(PATIENT, "hello")
    assert not ignored.queued
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]])
    await bot.send_message(PATIENT, "Q", reply_markup=keyboard)
    pressed = await sandbox.press_button(PATIENT, "A")
    assert [u.update_id for u in await bot.get_updates()] == [pressed.update_id]


async def test_member_updates_need_to_be_asked_for(bot: Bot, sandbox: BotApiSandbox) -> None:
    sandbox.add_user(NURSE, "Nurse Chen")
    sandbox.create_group(NURSE_GROUP, "Ward 3 nurses", {NURSE: "member"})
    assert not (await sandbox.set_member_status(NURSE_GROUP, NURSE, "left")).queued
    await bot.get_updates(allowed_updates=["chat_member"])
    joined = await sandbox.set_member_status(NURSE_GROUP, NURSE, "member")
    (update,) = await bot.get_updates()
    assert update.update_id == joined.update_id
    assert update.chat_member is not None
    assert update.chat_member.new_chat_member.status == "member"


async def test_redelivery_hands_a_confirmed_update_over_again(
    bot: Bot, sandbox: BotApiSandbox
) -> None:
    answer = await sandbox.send_text(PATIENT, "300 m")
    later = await sandbox.send_text(PATIENT, "done")
    assert len(await bot.get_updates()) == 2
    assert await bot.get_updates(offset=later.update_id + 1) == ()

    await sandbox.redeliver(answer.update_id)
    (again,) = await bot.get_updates(offset=later.update_id + 1)
    assert again.update_id == answer.update_id
    assert again.message is not None and again.message.text == "300 m"
    assert again.message.api_kwargs == {}  # every field is one python-telegram-bot knows
    assert await bot.get_updates(offset=later.update_id + 1) == ()


async def test_redeliver_unknown_update_raises(sandbox: BotApiSandbox) -> None:
    with pytest.raises(SandboxError, match="update 99 was never created"):
        await sandbox.redeliver(99)


async def test_application_polling_echoes_each_message_once(sandbox: BotApiSandbox) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text)

    application = (
        Application.builder()
        .token(TOKEN)
        .base_url(sandbox.base_url)
        .base_file_url(sandbox.base_file_url)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    async with application:
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=10)
        await application.start()
        await sandbox.wait_until_polling()
        await sandbox.send_text(PATIENT, "300 m")
        assert (await sandbox.wait_for_message(PATIENT)).text == "300 m"
        await sandbox.send_text(PATIENT, "两公里")
        assert (await sandbox.wait_for_message(PATIENT)).text == "两公里"
        await application.updater.stop()
        await application.stop()
    assert sandbox.transcript(PATIENT).texts == ("300 m", "两公里")
    assert sandbox.pending_update_count == 0
    assert sandbox.violations == ()
