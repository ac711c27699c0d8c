"""Webhook mode: POST each queued update to the bot's URL, in order, until it answers 2xx."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp

from bot.sandbox.errors import bad_request
from bot.sandbox.types import JsonDict
from bot.sandbox.updates import PendingUpdate, UpdateQueue

__all__ = ["SECRET_HEADER", "WebhookConfig", "WebhookDeliverer", "check_webhook_url"]

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None


def check_webhook_url(url: str) -> None:
    """The sandbox never leaves the machine: webhooks must point at a loopback address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad_request("bad webhook: Failed to resolve host: Name or service not known")
    host = parts.hostname
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise bad_request("bad webhook: the sandbox delivers webhooks only to loopback addresses")


class WebhookDeliverer:
    def __init__(
        self,
        queue: UpdateQueue,
        clock: Callable[[], float],
        *,
        retry_delay: float = 1.0,
        request_timeout: float = 10.0,
    ) -> None:
        self._queue = queue
        self._clock = clock
        self._retry_delay = retry_delay
        self._request_timeout = request_timeout
        self._task: asyncio.Task[None] | None = None
        self.config: WebhookConfig | None = None
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self.delivered = 0

    @property
    def active(self) -> bool:
        return self.config is not None

    async def set(self, config: WebhookConfig) -> None:
        await self.delete()
        self.config = config
        self.last_error_date = self.last_error_message = None
        self._task = asyncio.create_task(self._run(config), name="sandbox-webhook")

    async def delete(self) -> None:
        self.config = None
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def info(self) -> JsonDict:
        """``getWebhookInfo`` result."""
        data: JsonDict = {
            "url": self.config.url if self.config else "",
            "has_custom_certificate": False,
            "pending_update_count": self._queue.pending_count(),
        }
        if self.config is not None:
            data["max_connections"] = self.config.max_connections
            data["allowed_updates"] = sorted(self._queue.allowed_updates)
            if self.config.ip_address:
                data["ip_address"] = self.config.ip_address
        if self.last_error_date is not None:
            data["last_error_date"] = self.last_error_date
            data["last_error_message"] = self.last_error_message
        return data

    async def _run(self, config: WebhookConfig) -> None:
        headers = {SECRET_HEADER: config.secret_token} if config.secret_token else {}
        timeout = aiohttp.ClientTimeout(total=self._request_timeout)
        async with aiohttp.ClientSession(timeout=timeout, headers=headers) as session:
            while True:
                entry = await self._queue.next_pending()
                if await self._post(session, config.url, entry):
                    self._queue.ack(entry)
                    self.delivered += 1
                else:
                    await asyncio.sleep(self._retry_delay)

    async def _post(self, session: aiohttp.ClientSession, url: str, entry: PendingUpdate) -> bool:
        try:
            async with session.post(url, json=entry.payload) as response:
                if 200 <= response.status < 300:
                    return True
                error = f"Wrong response from the webhook: {response.status} {response.reason}"
        except TimeoutError:
            error = "Read timeout expired"
        except aiohttp.ClientConnectionError:
            error = "Connection refused"
        self.last_error_date = int(self._clock())
        self.last_error_message = error
        return False
