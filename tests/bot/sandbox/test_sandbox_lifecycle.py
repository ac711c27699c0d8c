"""Starting, stopping and addressing the sandbox."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from sandbox_support import TOKEN, make_bot

from bot.sandbox import BotApiSandbox, SandboxError


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "example.org"])
async def test_binds_only_to_loopback(host: str) -> None:
    with pytest.raises(ValueError, match="binds only to loopback"):
        await BotApiSandbox(token=TOKEN).start(host=host)


@pytest.mark.parametrize("token", ["no-colon", "abc:def", "123:"])
def test_token_must_look_like_a_bot_token(token: str) -> None:
    with pytest.raises(ValueError, match="a bot token looks like"):
        BotApiSandbox(token=token)


async def test_urls_follow_the_bound_port() -> None:
    sandbox = BotApiSandbox(token=TOKEN)
    with pytest.raises(SandboxError, match="not running"):
        _ = sandbox.base_url
    await sandbox.start()
    try:
        origin = f"http://127.0.0.1:{sandbox.port}"
        assert sandbox.base_url == f"{origin}/bot"
        assert sandbox.base_file_url == f"{origin}/file/bot"
        assert sandbox.control_url == f"{origin}/_control"
        with pytest.raises(SandboxError, match="already running"):
            await sandbox.start()
    finally:
        await sandbox.stop()


async def test_stop_answers_a_waiting_long_poll_and_restart_works() -> None:
    sandbox = BotApiSandbox(token=TOKEN)
    await sandbox.start()
    async with make_bot(sandbox) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=30))
        await sandbox.wait_until_polling()
        await sandbox.stop()
        assert await asyncio.wait_for(poll, 5) == ()

    await sandbox.start()
    try:
        sandbox.create_private_chat(1, "Mei")
        async with make_bot(sandbox) as bot:
            poll = asyncio.create_task(bot.get_updates(timeout=30))
            await sandbox.wait_until_polling()
            assert not poll.done()
            await sandbox.send_text(1, "hi")
            assert len(await asyncio.wait_for(poll, 5)) == 1
    finally:
        await sandbox.stop()


async def test_file_downloads_need_the_token(sandbox: BotApiSandbox) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{sandbox.base_file_url}123456:wrong/photos/file_1.png") as reply,
    ):
        assert reply.status == 401
        assert await reply.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


async def test_wait_until_polling_times_out_when_nobody_polls(sandbox: BotApiSandbox) -> None:
    with pytest.raises(TimeoutError, match=r"did not long-poll getUpdates within 0\.05s"):
        await sandbox.wait_until_polling(timeout=0.05)
