"""uvicorn inside an event loop that is already running.

The dashboard, ``/healthz`` and ``/metrics``, and the webhook route are each served this way,
beside the bot in its own loop. The host program (the bot, or a command) owns the signals and
stops the server; a port that cannot be bound is an ``OSError`` naming what was to be served.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from typing import Literal

import uvicorn
from starlette.applications import Starlette

__all__ = ["LoopServer"]

log = logging.getLogger(__name__)


class _Server(uvicorn.Server):
    """Leaves signals to the host program, which stops it."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class LoopServer:
    def __init__(
        self,
        app: Starlette,
        host: str,
        port: int,
        *,
        what: str,
        lifespan: Literal["on", "off"] = "off",
    ) -> None:
        """``what`` names the service in logs and errors ("the dashboard", "the webhook")."""
        config = uvicorn.Config(
            app, host=host, port=port, log_level="warning", log_config=None, access_log=False,
            lifespan=lifespan, server_header=False,
        )  # fmt: skip
        self._server = _Server(config)
        self._task: asyncio.Task[None] | None = None
        self._what = what
        self.address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    @property
    def port(self) -> int:
        """The port listened on (the one chosen by the system when asked for 0)."""
        for server in self._server.servers:
            for sock in server.sockets:
                return int(sock.getsockname()[1])
        return self._server.config.port

    async def start(self) -> None:
        self._task = asyncio.create_task(self._serve(), name=self._what)
        while not self._server.started and not self._task.done():  # noqa: ASYNC110 (a flag only)
            await asyncio.sleep(0.01)
        if self._task.done():  # e.g. the port is taken: uvicorn logged why
            self._task.result()
            raise OSError(f"cannot serve {self._what} on {self.address}")
        log.info("%s listening on port %s", self._what, self.port)

    async def _serve(self) -> None:
        try:
            await self._server.serve()
        except SystemExit:  # uvicorn exits when it cannot bind; the host program must not
            raise OSError(f"cannot serve {self._what} on {self.address}") from None

    async def stop(self) -> None:
        if self._task is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def wait(self) -> None:
        """Until the server stops."""
        if self._task is not None:
            await self._task
