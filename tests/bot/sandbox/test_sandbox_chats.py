"""Command menus, chat lookups, group members and simulated users' other messages."""

from __future__ import annotations

import datetime as dtm

import pytest
from sandbox_support import NURSE, NURSE_GROUP, PATIENT
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
)
from telegram.error import BadRequest

from bot.sandbox import BotApiSandbox, ChatMemberStatus, SandboxError

EN = [BotCommand("start", "Start"), BotCommand("checkin", "Answer today's check-in")]
ZH = [BotCommand("start", "开始"), BotCommand("checkin", "回答今天的随访")]


async def test_commands_are_kept_per_scope_and_language(bot: Bot, sandbox: BotApiSandbox) -> None:
    assert await bot.set_my_commands(EN)
    assert await bot.set_my_commands(ZH, language_code="zh")
    assert await bot.set_my_commands(EN[:1], scope=BotCommandScopeChat(PATIENT))

    assert await bot.get_my_commands() == tuple(EN)
    assert await bot.get_my_commands(language_code="zh") == tuple(ZH)
    assert await bot.get_my_commands(scope=BotCommandScopeChat(PATIENT)) == tuple(EN[:1])
    assert await bot.get_my_commands(scope=BotCommandScopeAllGroupChats()) == ()
    assert sandbox.my_commands(language_code="zh") == [
        {"command": "start", "description": "开始"},
        {"command": "checkin", "description": "回答今天的随访"},
    ]
    assert sandbox.my_commands({"type": "chat", "chat_id": PATIENT}) == [
        {"command": "start", "description": "Start"}
    ]

    assert await bot.delete_my_commands(language_code="zh")
    assert await bot.get_my_commands(language_code="zh") == ()
    assert await bot.get_my_commands(scope=BotCommandScopeDefault()) == tuple(EN)


@pytest.mark.parametrize(
    ("commands", "language_code", "description"),
    [
        ([BotCommand("Start", "Start")], None, "Bad Request: BOT_COMMAND_INVALID"),
        ([BotCommand("check-in", "Check in")], None, "Bad Request: BOT_COMMAND_INVALID"),
        ([BotCommand("c" * 33, "Too long")], None, "Bad Request: BOT_COMMAND_INVALID"),
        ([BotCommand("start", "")], None, "Bad Request: command description is empty"),
        (EN, "zh-Hans", "Bad Request: invalid language code specified"),
    ],
)
async def test_invalid_commands_are_refused(
    bot: Bot,
    sandbox: BotApiSandbox,
    commands: list[BotCommand],
    language_code: str | None,
    description: str,
) -> None:
    with pytest.raises(BadRequest):
        await bot.set_my_commands(commands, language_code=language_code)
    assert [violation.description for violation in sandbox.violations] == [description]


async def test_get_chat_describes_private_chats_and_groups(
    bot: Bot, sandbox: BotApiSandbox
) -> None:
    sandbox.add_user(NURSE, "Nurse Chen")
    sandbox.create_group(NURSE_GROUP, "Ward 3 nurses", {NURSE: "administrator"}, supergroup=True)
    patient_chat = await bot.get_chat(PATIENT)
    group_chat = await bot.get_chat(NURSE_GROUP)
    assert (patient_chat.type, patient_chat.first_name) == ("private", "Mei")
    assert (group_chat.type, group_chat.title) == ("supergroup", "Ward 3 nurses")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.get_chat(-1)


@pytest.mark.parametrize(
    "status", ["creator", "administrator", "member", "restricted", "left", "kicked"]
)
async def test_get_chat_member_reports_each_status(
    bot: Bot, sandbox: BotApiSandbox, status: ChatMemberStatus
) -> None:
    sandbox.add_user(NURSE, "Nurse Chen")
    sandbox.create_group(NURSE_GROUP, "Ward 3 nurses", {NURSE: status})
    member = await bot.get_chat_member(NURSE_GROUP, NURSE)
    assert member.status == status
    assert member.user.id == NURSE
    assert member.api_kwargs == {}


async def test_get_chat_member_for_strangers_and_the_bot(bot: Bot, sandbox: BotApiSandbox) -> None:
    sandbox.add_user(NURSE, "Nurse Chen")
    sandbox.create_group(NURSE_GROUP, "Ward 3 nurses", {}, bot_status="administrator")
    assert (await bot.get_chat_member(NURSE_GROUP, PATIENT)).status == "left"
    assert (await bot.get_chat_member(NURSE_GROUP, bot.id)).status == "administrator"
    assert (await bot.get_chat_member(PATIENT, PATIENT)).status == "member"
    with pytest.raises(BadRequest, match="User not found"):
        await bot.get_chat_member(NURSE_GROUP, 31337)


async def test_group_messages_name_their_sender_and_address_commands(
    bot: Bot, sandbox: BotApiSandbox
) -> None:
    sandbox.add_user(NURSE, "Nurse Chen", language_code="en")
    sandbox.create_group(NURSE_GROUP, "Ward 3 nurses", {NURSE: "member"})
    await sandbox.send_text(NURSE_GROUP, "ack", user_id=NURSE)
    await sandbox.send_command(NURSE_GROUP, "queue", user_id=NURSE)
    text, command = await bot.get_updates()
    assert text.message is not None and command.message is not None
    assert text.message.from_user is not None and text.message.from_user.id == NURSE
    assert text.message.chat.title == "Ward 3 nurses"
    assert command.message.text == "/queue@followup_demo_bot"
    assert command.message.parse_entities(["bot_command"]).popitem()[1] == command.message.text


async def test_group_actions_need_a_member(sandbox: BotApiSandbox) -> None:
    sandbox.add_user(NURSE, "Nurse Chen")
    sandbox.create_group(NURSE_GROUP, "Ward 3 nurses", {NURSE: "left"})
    with pytest.raises(SandboxError, match="is a group: say which user acts"):
        await sandbox.send_text(NURSE_GROUP, "hi")
    with pytest.raises(SandboxError, match="user 5151 is not a member of group -100777"):
        await sandbox.send_text(NURSE_GROUP, "hi", user_id=NURSE)


async def test_media_location_contact_and_edits_reach_the_bot(
    bot: Bot, sandbox: BotApiSandbox, png: bytes
) -> None:
    await sandbox.send_photo(PATIENT, png, caption="wound")
    await sandbox.send_voice(PATIENT, duration=4)
    await sandbox.send_location(PATIENT, 31.23, 121.47)
    await sandbox.send_contact(PATIENT, "+8613800000000")
    await sandbox.send_sticker(PATIENT, "🙂")
    original = await sandbox.send_text(PATIENT, "300 m")
    assert original.message_id is not None
    await sandbox.edit_text(PATIENT, original.message_id, "500 m")

    photo, voice, location, contact, sticker, _, edited = await bot.get_updates()
    assert photo.message is not None and photo.message.caption == "wound"
    downloaded = await (await bot.get_file(photo.message.photo[-1].file_id)).download_as_bytearray()
    assert bytes(downloaded) == png
    assert voice.message is not None and voice.message.voice is not None
    assert voice.message.voice.duration == dtm.timedelta(seconds=4)
    assert location.message is not None and location.message.location is not None
    assert location.message.location.latitude == 31.23
    assert contact.message is not None and contact.message.contact is not None
    assert contact.message.contact.user_id == PATIENT
    assert sticker.message is not None and sticker.message.sticker is not None
    assert sticker.message.sticker.emoji == "🙂"
    assert edited.edited_message is not None
    assert edited.edited_message.text == "500 m"
    assert edited.edited_message.message_id == original.message_id
    for update in (photo, voice, location, contact, sticker, edited):
        assert update.api_kwargs == {}


@pytest.mark.parametrize(
    ("action", "problem"),
    [
        (lambda s: s.create_private_chat(PATIENT, "Again"), "chat 4242 already exists"),
        (lambda s: s.create_group(5, "Bad", {}), "group chat ids are negative"),
        (lambda s: s.create_group(-5, "Bad", {77: "member"}), "user 77 does not exist"),
        (lambda s: s.add_user(123456, "Bot twin"), "that id belongs to the bot"),
        (lambda s: s.transcript(999), "chat 999 does not exist"),
    ],
)
def test_control_mistakes_raise_clear_errors(
    sandbox: BotApiSandbox, action: object, problem: str
) -> None:
    with pytest.raises(SandboxError, match=problem):
        action(sandbox)  # type: ignore[operator]
