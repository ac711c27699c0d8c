"""Requests Telegram would refuse get Telegram's 400 reply and are recorded as violations."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aiohttp
import pytest
from sandbox_support import PATIENT, TOKEN, make_bot
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, EndPointNotFound, InvalidToken

from bot.sandbox import BotApiSandbox, Violation

Call = Callable[[Bot], Awaitable[object]]


def keyboard(*buttons: InlineKeyboardButton) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([list(buttons)])


REFUSED_SENDS: list[tuple[str, Call, str]] = [
    (
        "text of 4097 characters",
        lambda bot: bot.send_message(PATIENT, "x" * 4097),
        "Bad Request: message is too long",
    ),
    (
        "4097 visible characters inside markup",
        lambda bot: bot.send_message(PATIENT, "<b>" + "x" * 4097 + "</b>", parse_mode="HTML"),
        "Bad Request: message is too long",
    ),
    (
        "blank text",
        lambda bot: bot.send_message(PATIENT, "  \n "),
        "Bad Request: message text is empty",
    ),
    (
        "callback data of 65 bytes",
        lambda bot: bot.send_message(
            PATIENT, "Q", reply_markup=keyboard(InlineKeyboardButton("A", callback_data="d" * 65))
        ),
        "Bad Request: BUTTON_DATA_INVALID",
    ),
    (
        "callback data of 22 Chinese characters (66 bytes)",
        lambda bot: bot.send_message(
            PATIENT, "Q", reply_markup=keyboard(InlineKeyboardButton("A", callback_data="痛" * 22))
        ),
        "Bad Request: BUTTON_DATA_INVALID",
    ),
    (
        "button with neither callback data nor url",
        lambda bot: bot.send_message(
            PATIENT, "Q", reply_markup=keyboard(InlineKeyboardButton("A"))
        ),
        "Bad Request: can't parse inline keyboard button: "
        "Text buttons are unallowed in the inline keyboard",
    ),
    (
        "button with both callback data and url",
        lambda bot: bot.send_message(
            PATIENT,
            "Q",
            reply_markup=keyboard(
                InlineKeyboardButton("A", callback_data="a", url="https://example.org")
            ),
        ),
        "Bad Request: can't parse inline keyboard button: "
        "exactly one of the optional fields must be used",
    ),
    (
        "101 buttons",
        lambda bot: bot.send_message(
            PATIENT,
            "Q",
            reply_markup=InlineKeyboardMarkup(
                [[InlineKeyboardButton(str(n), callback_data=str(n))] for n in range(101)]
            ),
        ),
        "Bad Request: reply markup is too long",
    ),
    (
        "caption of 1025 characters",
        lambda bot: bot.send_document(PATIENT, b"x", filename="a.txt", caption="c" * 1025),
        "Bad Request: message caption is too long",
    ),
    (
        "unescaped dot in MarkdownV2",
        lambda bot: bot.send_message(PATIENT, "Pain 5.0", parse_mode="MarkdownV2"),
        "Bad Request: can't parse entities: "
        "Character '.' is reserved and must be escaped with the preceding '\\'",
    ),
    (
        "<br> in HTML",
        lambda bot: bot.send_message(PATIENT, "a<br>b", parse_mode="HTML"),
        'Bad Request: can\'t parse entities: Unsupported start tag "br" at byte offset 1',
    ),
    (
        "unknown parse mode",
        lambda bot: bot.send_message(PATIENT, "a", parse_mode="Markdown3"),
        "Bad Request: unsupported parse_mode Markdown3",
    ),
    (
        "unknown chat",
        lambda bot: bot.send_message(999, "Hello"),
        "Bad Request: chat not found",
    ),
    (
        "editing a message that does not exist",
        lambda bot: bot.edit_message_text("New", chat_id=PATIENT, message_id=77),
        "Bad Request: message to edit not found",
    ),
    (
        "reply to a message that does not exist",
        lambda bot: bot.send_message(PATIENT, "Hi", reply_to_message_id=77),
        "Bad Request: message to be replied not found",
    ),
    (
        "unknown chat action",
        lambda bot: bot.send_chat_action(PATIENT, "dancing"),
        "Bad Request: wrong parameter action in request",
    ),
]


@pytest.mark.parametrize(
    ("call", "description"),
    [pytest.param(call, description, id=name) for name, call, description in REFUSED_SENDS],
)
async def test_refused_request_is_recorded_and_not_delivered(
    bot: Bot, sandbox: BotApiSandbox, call: Call, description: str
) -> None:
    with pytest.raises(BadRequest):
        await call(bot)
    (violation,) = sandbox.violations
    assert violation.error_code == 400
    assert violation.description == description
    assert sandbox.transcript(PATIENT).messages == ()


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda bot: bot.send_message(PATIENT, "x" * 4096), id="4096 characters"),
        pytest.param(
            lambda bot: bot.send_message(PATIENT, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML"),
            id="4096 visible characters with markup",
        ),
        pytest.param(
            lambda bot: bot.send_message(
                PATIENT,
                "Q",
                reply_markup=keyboard(InlineKeyboardButton("A", callback_data="d" * 64)),
            ),
            id="callback data of 64 bytes",
        ),
        pytest.param(
            lambda bot: bot.send_message(
                PATIENT,
                "Q",
                reply_markup=InlineKeyboardMarkup(
                    [[InlineKeyboardButton(str(n), callback_data=str(n))] for n in range(100)]
                ),
            ),
            id="100 buttons",
        ),
    ],
)
async def test_requests_at_the_limit_are_accepted(
    bot: Bot, sandbox: BotApiSandbox, call: Call
) -> None:
    await call(bot)
    assert sandbox.violations == ()
    assert len(sandbox.transcript(PATIENT).messages) == 1


async def test_editing_with_identical_content_is_not_modified(
    bot: Bot, sandbox: BotApiSandbox
) -> None:
    markup = keyboard(InlineKeyboardButton("A", callback_data="a"))
    sent = await bot.send_message(PATIENT, "<b>Q</b>", parse_mode="HTML", reply_markup=markup)
    await bot.edit_message_text(
        "Q", chat_id=PATIENT, message_id=sent.message_id, reply_markup=markup
    )
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "Q", chat_id=PATIENT, message_id=sent.message_id, reply_markup=markup
        )
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(PATIENT, sent.message_id, reply_markup=markup)
    assert [violation.method for violation in sandbox.violations] == [
        "editMessageText",
        "editMessageReplyMarkup",
    ]
    assert sandbox.violations[0].description.startswith("Bad Request: message is not modified")
    assert len(sandbox.transcript(PATIENT).last.history) == 2  # bold → plain was a real change


async def test_user_messages_cannot_be_edited_by_the_bot(bot: Bot, sandbox: BotApiSandbox) -> None:
    update = await sandbox.send_text(PATIENT, "300 m")
    assert update.message_id is not None
    with pytest.raises(BadRequest, match="Message can't be edited"):
        await bot.edit_message_text("3 km", chat_id=PATIENT, message_id=update.message_id)


async def test_wrong_token_is_unauthorized(sandbox: BotApiSandbox) -> None:
    stranger = make_bot(sandbox, token="123456:wrong")
    with pytest.raises(InvalidToken):
        await stranger.initialize()
    await stranger.shutdown()
    assert sandbox.violations == (Violation("getMe", 401, "Unauthorized", None, {}),)


async def test_unknown_method_gets_telegrams_404_envelope(sandbox: BotApiSandbox) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{sandbox.base_url}{TOKEN}/sendTelepathy", data={"chat_id": "1"}) as reply,
    ):
        assert reply.status == 404
        assert await reply.json() == {
            "ok": False,
            "error_code": 404,
            "description": "Not Found: method not found",
        }
    assert sandbox.violations[0].method == "sendTelepathy"


async def test_unknown_method_through_ptb_raises_endpoint_not_found(bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": PATIENT})


@pytest.mark.parametrize(
    ("reply_markup", "description"),
    [
        (
            '{"inline_keyboard": [{"text": "A", "callback_data": "a"}]}',
            'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup '
            "must be an Array of Arrays",
        ),
        ("{not json", "Bad Request: can't parse reply keyboard markup JSON object"),
        (
            '{"inline_keyboard": [[{"callback_data": "a"}]]}',
            "Bad Request: can't parse inline keyboard button: Can't find field \"text\"",
        ),
        (
            '{"inline_keyboard": [[{"text": "A", "url": "javascript:x"}]]}',
            "Bad Request: BUTTON_URL_INVALID",
        ),
    ],
)
async def test_malformed_reply_markup_is_refused(
    sandbox: BotApiSandbox, reply_markup: str, description: str
) -> None:
    form = {"chat_id": str(PATIENT), "text": "Q", "reply_markup": reply_markup}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{sandbox.base_url}{TOKEN}/sendMessage", data=form) as reply,
    ):
        assert reply.status == 400
        assert await reply.json() == {"ok": False, "error_code": 400, "description": description}
    assert [violation.description for violation in sandbox.violations] == [description]


async def test_json_body_requests_are_understood(sandbox: BotApiSandbox) -> None:
    body = {"chat_id": PATIENT, "text": "Hi", "reply_markup": {"force_reply": True}}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{sandbox.base_url}{TOKEN}/sendmessage", json=body) as reply,
    ):
        answer = await reply.json()
    assert answer["ok"] is True
    assert answer["result"]["text"] == "Hi"
    assert sandbox.transcript(PATIENT).last.force_reply
