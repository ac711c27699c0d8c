"""Serve the dashboard with uvicorn inside an event loop that is already running.

``followup web`` serves it alone; ``followup run`` and the demo start it beside the bot in
the same loop (:func:`serving`), so the dashboard and the bot share one nurse service.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator

import uvicorn
from starlette.applications import Starlette

__all__ = ["WebServer", "serving"]

log = logging.getLogger(__name__)


class _QuietServer(uvicorn.Server):
    """Leaves signals to the host program (the bot or the command), which stops it."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class WebServer:
    def __init__(self, app: Starlette, host: str, port: int) -> None:
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="warning",
            log_config=None,
            access_log=False,
            lifespan="on",
            server_header=False,
        )
        self._server = _QuietServer(config)
        self._task: asyncio.Task[None] | None = None

    @property
    def port(self) -> int:
        """The port listened on (the one chosen by the system when asked for 0)."""
        for server in self._server.servers:
            for sock in server.sockets:
                return int(sock.getsockname()[1])
        return self._server.config.port

    async def start(self) -> None:
        self._task = asyncio.create_task(self._server.serve(), name="web-dashboard")
        while not self._server.started:
            if self._task.done():
                self._task.result()  # raises why it stopped (e.g. the port is taken)
                raise OSError("the dashboard stopped at start")
            await asyncio.sleep(0.01)
        log.info("dashboard listening on port %s", self.port)

    async def stop(self) -> None:
        if self._task is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def wait(self) -> None:
        """Until the server stops (Ctrl-C)."""
        if self._task is not None:
            await self._task


@contextlib.asynccontextmanager
async def serving(app: Starlette, host: str, port: int) -> AsyncIterator[WebServer]:
    server = WebServer(app, host, port)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
