"""The same bot behind a webhook: updates pushed by the Bot API server, checked by secret."""

from __future__ import annotations

import asyncio
import socket

from bot.app import ALLOWED_UPDATES, build_bot, build_services
from bot.clock import FakeClock
from bot.sandbox import DEFAULT_TOKEN, BotApiSandbox
from bot.settings import load_settings
from bot.telegram.webhook import serve_webhook
from tests.bot.e2e.conftest import START


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_webhook_mode_receives_updates_with_the_secret(db_url: str) -> None:
    async with BotApiSandbox(token=DEFAULT_TOKEN) as sandbox:
        settings = load_settings(
            bot_token=DEFAULT_TOKEN, telegram_api_url=sandbox.base_url, database_url=db_url,
            webhook_secret="s3cret-token",
        )  # fmt: skip
        bot = build_bot(build_services(settings, FakeClock(START)), jobs=False)
        port = free_port()
        url = f"http://127.0.0.1:{port}/hook"
        stop = asyncio.Event()
        serve = serve_webhook(
            bot.application, bot.inbox, listen="127.0.0.1", port=port, url_path="hook",
            webhook_url=url, secret="s3cret-token", allowed_updates=ALLOWED_UPDATES, stop=stop,
        )  # fmt: skip
        serving = asyncio.create_task(serve)
        try:
            sandbox.create_private_chat(4242, "Wei", language_code="zh-hans")
            await sandbox.send_command(4242, "start")
            reply = await sandbox.wait_for_message(4242, timeout=10)
            assert reply.text is not None and reply.text.startswith("您好")
            assert sandbox.webhook_info["url"] == url
        finally:
            stop.set()
            await serving
