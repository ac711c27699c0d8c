"""Sending, editing and button presses through python-telegram-bot's real HTTP stack."""

from __future__ import annotations

import pytest
from sandbox_support import PATIENT
from telegram import (
    Bot,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.error import BadRequest

from bot.sandbox import BotApiSandbox, Button, ButtonNotFoundError, CallbackAnswer, SandboxError

PAIN_KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("0", callback_data="pain:0"),
            InlineKeyboardButton("1", callback_data="pain:1"),
        ],
        [InlineKeyboardButton("Help", url="https://example.org/help")],
    ]
)


async def test_send_edit_and_callback_round_trip(bot: Bot, sandbox: BotApiSandbox) -> None:
    sent = await bot.send_message(PATIENT, "Leg pain today?", reply_markup=PAIN_KEYBOARD)
    assert sent.text == "Leg pain today?"
    assert sent.chat.id == PATIENT
    assert sent.from_user is not None and sent.from_user.username == "followup_demo_bot"

    press = await sandbox.press_button(PATIENT, "1")
    (update,) = await bot.get_updates()
    assert update.update_id == press.update_id
    query = update.callback_query
    assert query is not None and query.data == "pain:1"
    assert query.from_user.id == PATIENT
    assert query.message is not None and query.message.message_id == sent.message_id

    assert await bot.answer_callback_query(query.id, text="Saved")
    edited = await bot.edit_message_text(
        "Leg pain today? 1", chat_id=PATIENT, message_id=sent.message_id
    )
    assert isinstance(edited, Message)
    assert edited.text == "Leg pain today? 1"
    assert edited.reply_markup is None

    message = sandbox.transcript(PATIENT).last
    assert message.text == "Leg pain today? 1"
    assert message.buttons == ()  # editMessageText without reply_markup drops the keyboard
    assert [(version.text, version.buttons) for version in message.history] == [
        ("Leg pain today?", ((("0", "pain:0"), ("1", "pain:1")), (("Help", None),))),
        ("Leg pain today? 1", ()),
    ]
    assert sandbox.transcript(PATIENT).callback_answers == (
        CallbackAnswer(query.id, PATIENT, sent.message_id, PATIENT, "pain:1", "Saved", False, None),
    )
    assert sandbox.violations == ()


async def test_transcript_shows_current_buttons_and_links(bot: Bot, sandbox: BotApiSandbox) -> None:
    await bot.send_message(PATIENT, "Rate it", reply_markup=PAIN_KEYBOARD)
    message = sandbox.transcript(PATIENT).last
    assert message.buttons == (
        (Button("0", "pain:0"), Button("1", "pain:1")),
        (Button("Help", None),),
    )
    assert message.links == {"Help": "https://example.org/help"}
    assert message.button_labels == ("0", "1", "Help")


async def test_press_button_uses_newest_message_showing_the_label(
    bot: Bot, sandbox: BotApiSandbox
) -> None:
    first = await bot.send_message(PATIENT, "First", reply_markup=PAIN_KEYBOARD)
    second = await bot.send_message(PATIENT, "Second", reply_markup=PAIN_KEYBOARD)
    newest = await sandbox.press_button(PATIENT, "0")
    older = await sandbox.press_button(PATIENT, "0", message_id=first.message_id)
    assert newest.payload["callback_query"]["message"]["message_id"] == second.message_id
    assert older.payload["callback_query"]["message"]["message_id"] == first.message_id
    assert newest.callback_query_id != older.callback_query_id


async def test_press_button_after_keyboard_removed_raises(bot: Bot, sandbox: BotApiSandbox) -> None:
    sent = await bot.send_message(PATIENT, "Rate it", reply_markup=PAIN_KEYBOARD)
    await bot.edit_message_reply_markup(PATIENT, sent.message_id, reply_markup=None)
    with pytest.raises(ButtonNotFoundError, match="no inline button labelled '0' in chat 4242"):
        await sandbox.press_button(PATIENT, "0")


async def test_press_url_button_is_refused(bot: Bot, sandbox: BotApiSandbox) -> None:
    await bot.send_message(PATIENT, "Rate it", reply_markup=PAIN_KEYBOARD)
    with pytest.raises(SandboxError, match="button 'Help' is not a callback button"):
        await sandbox.press_button(PATIENT, "Help")


async def test_callback_query_can_be_answered_only_once(bot: Bot, sandbox: BotApiSandbox) -> None:
    await bot.send_message(PATIENT, "Rate it", reply_markup=PAIN_KEYBOARD)
    press = await sandbox.press_button(PATIENT, "0")
    assert press.callback_query_id is not None
    assert await bot.answer_callback_query(press.callback_query_id)
    with pytest.raises(BadRequest, match="Query is too old and response timeout expired"):
        await bot.answer_callback_query(press.callback_query_id)


@pytest.mark.parametrize(
    ("text", "parse_mode", "visible"),
    [
        ("<b>Pain</b> &lt; 5", "HTML", "Pain < 5"),
        ("*Pain* 5\\.0", "MarkdownV2", "Pain 5.0"),
        ("*Pain* 5.0", "Markdown", "Pain 5.0"),
        ("*Pain* 5.0", None, "*Pain* 5.0"),
    ],
)
async def test_transcript_shows_visible_text_of_formatted_messages(
    bot: Bot, sandbox: BotApiSandbox, text: str, parse_mode: str | None, visible: str
) -> None:
    sent = await bot.send_message(PATIENT, text, parse_mode=parse_mode)
    assert sent.text == visible
    message = sandbox.transcript(PATIENT).last
    assert (message.text, message.raw_text, message.parse_mode) == (visible, text, parse_mode)


async def test_non_inline_markups_are_recorded(bot: Bot, sandbox: BotApiSandbox) -> None:
    await bot.send_message(
        PATIENT, "How far?", reply_markup=ReplyKeyboardMarkup([["< 50 m", "50–100 m"]])
    )
    await bot.send_message(PATIENT, "Tell us more", reply_markup=ForceReply())
    await bot.send_message(PATIENT, "Thanks", reply_markup=ReplyKeyboardRemove())
    keyboard, force, remove = sandbox.transcript(PATIENT).messages
    assert keyboard.reply_keyboard == (("< 50 m", "50–100 m"),)
    assert (force.force_reply, remove.remove_keyboard) == (True, True)


async def test_photo_and_document_bytes_can_be_read_back(
    bot: Bot, sandbox: BotApiSandbox, png: bytes
) -> None:
    photo = await bot.send_photo(PATIENT, png, caption="Your pain chart")
    document = await bot.send_document(PATIENT, b"day,pain\n1,4\n", filename="pain.csv")
    assert photo.caption == "Your pain chart"
    assert (photo.photo[-1].width, photo.photo[-1].height) == (3, 2)
    assert document.document is not None and document.document.file_name == "pain.csv"

    shown_photo, shown_document = sandbox.transcript(PATIENT).messages
    assert shown_photo.photo is not None and shown_photo.photo.content == png
    assert shown_photo.photo.mime_type == "image/png"
    assert shown_document.document is not None
    assert shown_document.document.content == b"day,pain\n1,4\n"
    assert shown_document.document.filename == "pain.csv"

    downloaded = await (await bot.get_file(photo.photo[-1].file_id)).download_as_bytearray()
    assert bytes(downloaded) == png


async def test_photo_that_is_not_an_image_is_refused(bot: Bot, sandbox: BotApiSandbox) -> None:
    with pytest.raises(BadRequest, match="Image_process_failed"):
        await bot.send_photo(PATIENT, b"not an image")
    assert sandbox.transcript(PATIENT).messages == ()


async def test_chat_action_and_delete_are_recorded(bot: Bot, sandbox: BotApiSandbox) -> None:
    assert await bot.send_chat_action(PATIENT, "typing")
    sent = await bot.send_message(PATIENT, "Oops")
    assert await bot.delete_message(PATIENT, sent.message_id)
    transcript = sandbox.transcript(PATIENT)
    assert transcript.chat_actions == ("typing",)
    assert transcript.messages[0].deleted
    assert transcript.texts == ()
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(PATIENT, sent.message_id)


async def test_user_messages_appear_in_transcript(sandbox: BotApiSandbox) -> None:
    await sandbox.send_text(PATIENT, "300 m")
    await sandbox.send_command(PATIENT, "start", "token123")
    await sandbox.send_sticker(PATIENT)
    user_messages = sandbox.transcript(PATIENT).user_messages
    assert [(m.message_id, m.kind, m.text) for m in user_messages] == [
        (1, "text", "300 m"),
        (2, "command", "/start token123"),
        (3, "sticker", None),
    ]


async def test_get_me_and_close_are_harmless(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "followup_demo_bot", True)
    assert await bot.log_out()
    assert await bot.close()


async def test_double_tap_presses_a_button_the_edit_already_removed(
    bot: Bot, sandbox: BotApiSandbox
) -> None:
    sent = await bot.send_message(PATIENT, "Leg pain today?", reply_markup=PAIN_KEYBOARD)
    await bot.edit_message_text("Leg pain today? ✔ 1", chat_id=PATIENT, message_id=sent.message_id)
    with pytest.raises(ButtonNotFoundError):
        await sandbox.press_button(PATIENT, "1")  # nothing shows it any more
    tap = await sandbox.press_button(PATIENT, "1", message_id=sent.message_id)
    query = tap.payload["callback_query"]
    assert query["data"] == "pain:1"
    assert query["message"]["text"] == "Leg pain today? ✔ 1"  # the message as it is now


async def test_forged_callback_data_reaches_the_bot(bot: Bot, sandbox: BotApiSandbox) -> None:
    sent = await bot.send_message(PATIENT, "Leg pain today?", reply_markup=PAIN_KEYBOARD)
    forged = await sandbox.press_callback_data(PATIENT, sent.message_id, "pain:99")
    (update,) = await bot.get_updates()
    assert update.update_id == forged.update_id
    assert update.callback_query is not None and update.callback_query.data == "pain:99"


@pytest.mark.parametrize(
    ("message_id", "data", "problem"),
    [
        (99, "x", "chat 4242 has no bot message 99"),
        (1, "", "callback data must be 1-64 bytes"),
        (1, "d" * 65, "callback data must be 1-64 bytes"),
    ],
)
async def test_forged_callback_data_must_be_sendable(
    bot: Bot, sandbox: BotApiSandbox, message_id: int, data: str, problem: str
) -> None:
    await bot.send_message(PATIENT, "Leg pain today?", reply_markup=PAIN_KEYBOARD)
    with pytest.raises(SandboxError, match=problem):
        await sandbox.press_callback_data(PATIENT, message_id, data)
