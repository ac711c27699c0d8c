"""The same bot behind a webhook: updates pushed by the Bot API server, checked by secret."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys

import httpx
from sqlalchemy import select

from bot.app import ALLOWED_UPDATES, build_bot, build_services
from bot.clock import FakeClock
from bot.sandbox import DEFAULT_TOKEN, BotApiSandbox
from bot.settings import load_settings
from bot.telegram.webhook import serve_webhook
from storage.db import create_engine, session_factory
from storage.models import InboxUpdate, Instance
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


async def test_followup_run_behind_a_webhook_answers_and_stops_cleanly(db_url: str) -> None:
    async with BotApiSandbox(token=DEFAULT_TOKEN) as sandbox:
        port = free_port()
        env = {
            **os.environ, "FOLLOWUP_BOT_TOKEN": DEFAULT_TOKEN,
            "FOLLOWUP_TELEGRAM_API_URL": sandbox.base_url, "FOLLOWUP_DATABASE_URL": db_url,
            "FOLLOWUP_WEBHOOK_SECRET": "s3cret-token", "FOLLOWUP_METRICS_ADDRESS": "",
        }  # fmt: skip
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "from bot.cli import main; main()", "run", "--no-web",
            "--webhook", f"http://127.0.0.1:{port}/hook", "--port", str(port), env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        try:
            sandbox.create_private_chat(4242, "Wei", language_code="en")
            await sandbox.send_command(4242, "start")  # queued until the webhook is set
            reply = await sandbox.wait_for_message(4242, timeout=30)
            assert reply.text is not None and reply.text.startswith("Hello")
        finally:
            process.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(process.wait(), timeout=30) == 0

    engine = create_engine(db_url)
    try:
        async with session_factory(engine)() as session:
            gone = (await session.execute(select(Instance.stopped_at))).scalars().all()
            handled = (await session.execute(select(InboxUpdate.processed_at))).scalars().all()
    finally:
        await engine.dispose()
    assert len(gone) == 1 and gone[0] is not None, "marked gone on its way out"
    assert len(handled) == 1 and handled[0] is not None, "stored, then handled"


async def test_followup_run_serves_the_dashboard_beside_the_bot(db_url: str) -> None:
    """One process, one loop: the bot answers in Telegram and the dashboard in the browser."""
    async with BotApiSandbox(token=DEFAULT_TOKEN) as sandbox:
        web_port = free_port()
        env = {
            **os.environ, "FOLLOWUP_BOT_TOKEN": DEFAULT_TOKEN,
            "FOLLOWUP_TELEGRAM_API_URL": sandbox.base_url, "FOLLOWUP_DATABASE_URL": db_url,
            "FOLLOWUP_METRICS_ADDRESS": "", "FOLLOWUP_WEB_PORT": str(web_port),
        }  # fmt: skip
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "from bot.cli import main; main()", "run", env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        try:
            sandbox.create_private_chat(4242, "Wei", language_code="en")
            await sandbox.send_command(4242, "start")
            reply = await sandbox.wait_for_message(4242, timeout=30)
            assert reply.text is not None and reply.text.startswith("Hello")
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{web_port}") as client:
                page = await client.get("/", follow_redirects=True)
            assert page.status_code == 200
            assert "Sign in" in page.text
        finally:
            process.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(process.wait(), timeout=30) == 0
