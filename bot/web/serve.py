"""Serve the dashboard with uvicorn inside an event loop that is already running.

``followup web`` serves it alone; ``followup run`` and the demo start it beside the bot in
the same loop (:func:`serving`), so the dashboard and the bot share one nurse service.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette

from bot.loop_server import LoopServer

__all__ = ["WebServer", "serving"]

log = logging.getLogger(__name__)


class WebServer(LoopServer):
    """The dashboard (its lifespan starts and stops the background figures)."""

    def __init__(self, app: Starlette, host: str, port: int) -> None:
        super().__init__(app, host, port, what="the dashboard", lifespan="on")


@contextlib.asynccontextmanager
async def serving(app: Starlette, host: str, port: int) -> AsyncIterator[WebServer]:
    server = WebServer(app, host, port)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
