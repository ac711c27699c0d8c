"""Webhook mode: each update stored in the inbox before Telegram is told it arrived.

python-telegram-bot's own webhook server answers Telegram's POST as soon as the update is in
its in-memory queue, so an update in flight when the process dies is lost (Telegram does not
send it again). Here one Starlette route (served by uvicorn in the bot's event loop) checks
the secret token, writes the update into ``inbox_update`` in one transaction, and only then
answers 200 and hands the update to the application. If the database does not answer,
Telegram gets a 503 and delivers the update again later. Rows left unhandled by a crash are
replayed at start-up, as for polling (:mod:`bot.telegram.inbox`).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Update

from bot.loop_server import LoopServer
from bot.telegram.inbox import UpdateInbox

__all__ = ["SECRET_HEADER", "WebhookServer", "serve_webhook", "webhook_app"]

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
AnyApplication = Any  # python-telegram-bot's Application, whatever its generic types


def webhook_app(
    application: AnyApplication, inbox: UpdateInbox, *, path: str, secret: str
) -> Starlette:
    """The route Telegram POSTs updates to (``/path``)."""
    expected = secret.encode()

    async def receive(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            return Response(status_code=403)
        try:
            payload = json.loads(await request.body())
        except ValueError:
            return Response(status_code=400)
        if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
            return Response(status_code=400)
        try:
            await inbox.keep(payload)
        except Exception:  # Telegram delivers it again; nothing is lost
            log.warning("update %s not stored: Telegram will retry", payload["update_id"],
                        exc_info=True)  # fmt: skip
            return Response(status_code=503)
        await application.update_queue.put(Update.de_json(payload, application.bot))
        return Response(status_code=200)

    return Starlette(routes=[Route(f"/{path.strip('/')}", receive, methods=["POST"])])


class WebhookServer(LoopServer):
    """uvicorn serving :func:`webhook_app` inside the running event loop."""

    def __init__(self, app: Starlette, host: str, port: int) -> None:
        super().__init__(app, host, port, what="the webhook")


async def serve_webhook(
    application: AnyApplication,
    inbox: UpdateInbox,
    *,
    listen: str,
    port: int,
    url_path: str,
    webhook_url: str,
    secret: str,
    allowed_updates: list[str],
    stop: asyncio.Event,
) -> None:
    """Run the bot behind the webhook until ``stop`` is set, hooks included (as
    ``run_webhook`` does, with our route in place of python-telegram-bot's server)."""
    server = WebhookServer(webhook_app(application, inbox, path=url_path, secret=secret),
                           listen, port)  # fmt: skip
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    try:
        await server.start()
        await application.bot.set_webhook(
            url=webhook_url, secret_token=secret, allowed_updates=allowed_updates
        )
        await application.start()
        try:
            await stop.wait()
        finally:
            await server.stop()  # no update accepted that nobody would handle
            await application.stop()
            if application.post_stop is not None:
                await application.post_stop(application)
    finally:
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)
