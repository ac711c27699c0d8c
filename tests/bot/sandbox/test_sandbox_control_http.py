"""The /_control/ JSON routes, driven as a terminal demo in another process would."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from sandbox_support import PATIENT, make_png
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, RetryAfter

from bot.sandbox import BotApiSandbox, ControlClient, SandboxError

LI = 7


@pytest.fixture
async def users(sandbox: BotApiSandbox) -> AsyncIterator[ControlClient]:
    async with ControlClient(sandbox.control_url) as client:
        yield client


async def test_info_tells_where_the_bot_api_is(
    users: ControlClient, sandbox: BotApiSandbox
) -> None:
    info = await users.info()
    assert info["base_url"] == sandbox.base_url
    assert info["bot_username"] == "followup_demo_bot"


async def test_conversation_over_http(bot: Bot, users: ControlClient) -> None:
    assert await users.create_private_chat(LI, "Li", language_code="en") == LI
    sent = await users.send_command(LI, "start")
    (update,) = await bot.get_updates()
    assert update.update_id == sent["update_id"]

    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Better", callback_data="pgic:2")]])
    await bot.send_message(LI, "Compared with before the operation?", reply_markup=keyboard)
    reply = await users.next_message(LI, timeout=5)
    assert reply["text"] == "Compared with before the operation?"
    assert reply["buttons"] == [[["Better", "pgic:2"]]]

    pressed = await users.press_button(LI, "Better")
    assert pressed["type"] == "callback_query"
    assert pressed["callback_query_id"] is not None
    await bot.answer_callback_query(pressed["callback_query_id"], text="Saved")

    forged = await users.press_callback_data(LI, reply["message_id"], "pgic:9")
    assert forged["type"] == "callback_query"

    transcript = await users.transcript(LI)
    assert [m["text"] for m in transcript["messages"]] == ["Compared with before the operation?"]
    assert [a["text"] for a in transcript["callback_answers"]] == ["Saved"]
    assert [m["text"] for m in transcript["user_messages"]] == ["/start"]


async def test_photo_bytes_are_downloadable_from_the_transcript(
    bot: Bot, users: ControlClient
) -> None:
    chart = make_png(4, 4)
    await bot.send_photo(PATIENT, chart, caption="Pain over time")
    (message,) = (await users.transcript(PATIENT))["messages"]
    assert message["caption"] == "Pain over time"
    assert message["photo"]["size"] == len(chart)
    assert await users.download(message["photo"]["url"]) == chart


async def test_groups_and_user_media_over_http(bot: Bot, users: ControlClient) -> None:
    await users.add_user(9, "Nurse Chen")
    await users.create_group(-300, "Ward 3 nurses", {9: "administrator"})
    await users.send_text(-300, "ack", user_id=9)
    await users.send_photo(PATIENT, make_png(2, 2), caption="wound")
    await users.send_location(PATIENT, 31.2, 121.5)
    group_text, photo, location = await bot.get_updates()
    assert group_text.message is not None and group_text.message.chat.id == -300
    assert photo.message is not None and photo.message.caption == "wound"
    assert location.message is not None and location.message.location is not None
    assert (await bot.get_chat_member(-300, 9)).status == "administrator"


async def test_faults_stats_violations_and_redelivery_over_http(
    bot: Bot, users: ControlClient
) -> None:
    fault = await users.add_fault("sendMessage", "429", times=1, retry_after=3)
    assert fault["kind"] == "429"
    with pytest.raises(RetryAfter):
        await bot.send_message(PATIENT, "Check-in")
    await bot.send_message(PATIENT, "Check-in")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(999, "Hello")
    assert (await users.stats())["accepted"] == 1
    assert [v["description"] for v in await users.violations()] == ["Bad Request: chat not found"]

    sent = await users.send_text(PATIENT, "300 m")
    await bot.get_updates(offset=sent["update_id"] + 1)
    await users.redeliver(sent["update_id"])
    (again,) = await bot.get_updates()
    assert again.update_id == sent["update_id"]
    await users.clear_faults()


async def test_block_over_http(bot: Bot, users: ControlClient) -> None:
    blocked = await users.block_bot(PATIENT)
    assert blocked["type"] == "my_chat_member"
    with pytest.raises(SandboxError, match="the bot is already blocked"):
        await users.block_bot(PATIENT)
    await users.unblock_bot(PATIENT)


@pytest.mark.parametrize(
    ("path", "body", "status", "error"),
    [
        ("/chats/4242/press", {"label": "Nope"}, 400, "no inline button labelled 'Nope'"),
        ("/chats/4242/callback", {"message_id": 5, "data": "x"}, 400, "has no bot message 5"),
        ("/chats/999/text", {"text": "hi"}, 400, "chat 999 does not exist"),
        ("/chats/abc/text", {"text": "hi"}, 400, "chat id must be an integer"),
        ("/chats/4242/text", {"txt": "hi"}, 400, "text"),
        ("/faults", {"kind": "429", "times": 1, "rate": 0.5}, 400, "give either times or rate"),
    ],
)
async def test_bad_control_requests_get_a_clear_error(
    sandbox: BotApiSandbox, path: str, body: dict[str, object], status: int, error: str
) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{sandbox.control_url}{path}", json=body) as reply,
    ):
        answer = await reply.json()
    assert reply.status == status
    assert answer["ok"] is False
    assert error in answer["error"]


async def test_next_message_times_out_with_408(sandbox: BotApiSandbox) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{sandbox.control_url}/chats/{PATIENT}/next?timeout=0.05") as reply,
    ):
        assert reply.status == 408
        assert "no matching bot message in chat 4242" in (await reply.json())["error"]
