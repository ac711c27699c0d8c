"""Serve the dashboard from the bot's own process and event loop (``followup run``)."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette

from bot.web.serve import WebServer

__all__ = ["serve_with_application"]


def serve_with_application(application: Any, app: Starlette, host: str, port: int) -> WebServer:
    """Start the dashboard after the bot's start-up hook and stop it before its shut-down.

    python-telegram-bot runs ``post_init`` inside the loop that then polls (or serves the
    webhook), so the dashboard shares that loop and the bot's services.
    """
    server = WebServer(app, host, port)
    started, stopped = application.post_init, application.post_shutdown

    async def post_init(application: Any) -> None:
        if started is not None:
            await started(application)
        await server.start()

    async def post_shutdown(application: Any) -> None:
        await server.stop()
        if stopped is not None:
            await stopped(application)

    application.post_init = post_init
    application.post_shutdown = post_shutdown
    return server
