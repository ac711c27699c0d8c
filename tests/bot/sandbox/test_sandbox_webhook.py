"""Webhook mode: updates are POSTed to the bot's loopback URL with the secret header."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from sandbox_support import PATIENT, TOKEN, SteppedClock, make_bot
from telegram import Bot
from telegram.error import BadRequest, Conflict

from bot.sandbox import SECRET_HEADER, BotApiSandbox


class WebhookReceiver:
    """A tiny web server standing in for the bot's webhook endpoint."""

    def __init__(self) -> None:
        self.received: list[tuple[str | None, dict[str, Any]]] = []
        self.statuses: list[int] = []  # replies to give, in order; then 200
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/hook"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        async with self._changed:
            self.received.append((request.headers.get(SECRET_HEADER), body))
            self._changed.notify_all()
        return web.Response(status=self.statuses.pop(0) if self.statuses else 200)

    async def wait_for(self, count: int) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(self.received) >= count), 5)


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    hook = WebhookReceiver()
    await hook.start()
    yield hook
    await hook.stop()


@pytest.fixture
async def quick_retry_sandbox(clock: SteppedClock) -> AsyncIterator[BotApiSandbox]:
    async with BotApiSandbox(token=TOKEN, clock=clock, webhook_retry_delay=0.01) as running:
        running.create_private_chat(PATIENT, "Mei")
        yield running


async def test_updates_are_posted_with_the_secret_header(
    bot: Bot, sandbox: BotApiSandbox, receiver: WebhookReceiver
) -> None:
    assert await bot.set_webhook(receiver.url, secret_token="ward-3_secret")
    info = await bot.get_webhook_info()
    assert (info.url, info.pending_update_count) == (receiver.url, 0)

    sent = await sandbox.send_text(PATIENT, "300 m")
    await receiver.wait_for(1)
    ((secret, body),) = receiver.received
    assert secret == "ward-3_secret"
    assert body == dict(sent.payload)
    assert sandbox.violations == ()


async def test_get_updates_conflicts_while_a_webhook_is_set(
    bot: Bot, sandbox: BotApiSandbox, receiver: WebhookReceiver
) -> None:
    await bot.set_webhook(receiver.url)
    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook()
    sent = await sandbox.send_text(PATIENT, "back to polling")
    assert [update.update_id for update in await bot.get_updates()] == [sent.update_id]
    assert (await bot.get_webhook_info()).url == ""


async def test_failed_delivery_is_retried_and_reported(
    quick_retry_sandbox: BotApiSandbox, receiver: WebhookReceiver
) -> None:
    receiver.statuses = [500]
    async with make_bot(quick_retry_sandbox) as bot:
        await bot.set_webhook(receiver.url)
        sent = await quick_retry_sandbox.send_text(PATIENT, "300 m")
        await receiver.wait_for(2)
        assert [body["update_id"] for _, body in receiver.received] == [sent.update_id] * 2
        info = await bot.get_webhook_info()
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"


async def test_redelivery_posts_the_update_again(
    bot: Bot, sandbox: BotApiSandbox, receiver: WebhookReceiver
) -> None:
    await bot.set_webhook(receiver.url)
    sent = await sandbox.send_text(PATIENT, "300 m")
    await receiver.wait_for(1)
    await sandbox.redeliver(sent.update_id)
    await receiver.wait_for(2)
    assert receiver.received[0] == receiver.received[1]


@pytest.mark.parametrize(
    ("url", "secret", "description"),
    [
        (
            "https://example.org/hook",
            None,
            "Bad Request: bad webhook: the sandbox delivers webhooks only to loopback addresses",
        ),
        (
            "ftp://127.0.0.1/hook",
            None,
            "Bad Request: bad webhook: Failed to resolve host: Name or service not known",
        ),
        (
            "http://127.0.0.1:9/hook",
            "not allowed!",
            "Bad Request: secret token contains unallowed characters",
        ),
    ],
)
async def test_bad_webhooks_are_refused(
    bot: Bot, sandbox: BotApiSandbox, url: str, secret: str | None, description: str
) -> None:
    with pytest.raises(BadRequest):
        await bot.set_webhook(url, secret_token=secret)
    assert [violation.description for violation in sandbox.violations] == [description]
    assert sandbox.webhook_info["url"] == ""
