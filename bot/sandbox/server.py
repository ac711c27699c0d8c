"""The loopback HTTP server: Bot API methods, file downloads and the control routes."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
from collections.abc import Iterable

from aiohttp import web

from bot.sandbox.api import BotApi, Reply
from bot.sandbox.errors import ApiError
from bot.sandbox.files import FileStore
from bot.sandbox.params import Params, read_params

__all__ = ["MAX_UPLOAD_BYTES", "SandboxServer", "check_loopback"]

MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # Telegram's limit for bot uploads


def check_loopback(host: str) -> None:
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(f"the sandbox binds only to loopback addresses, not {host!r}")


class SandboxServer:
    def __init__(
        self, api: BotApi, files: FileStore, token: str, control_routes: Iterable[web.RouteDef]
    ) -> None:
        self._api = api
        self._files = files
        self._token = token
        self._stopping = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.app = web.Application(client_max_size=MAX_UPLOAD_BYTES)
        self.app.add_routes(
            [
                web.route("*", "/bot{token}/{method}", self._method),
                web.get("/file/bot{token}/{path:.+}", self._file),
                *control_routes,
            ]
        )

    async def start(self, host: str, port: int) -> int:
        """Serve on ``host:port`` (0 picks a free port) and return the bound port."""
        check_loopback(host)
        self._stopping.clear()
        runner = web.AppRunner(self.app, handler_cancellation=True, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        bound: int = runner.addresses[0][1]
        return bound

    async def stop(self) -> None:
        self._stopping.set()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _method(self, request: web.Request) -> web.StreamResponse:
        token, method = request.match_info["token"], request.match_info["method"]
        try:
            params = await read_params(request)
        except ApiError as error:
            reply = self._api.refuse(method, Params({}, {}), error)
        else:
            reply = await self._api.call(token, method, params)
        if reply.drop_after is not None:
            await self._hold_then_drop(request, reply)
        return web.json_response(reply.body, status=reply.status)

    async def _hold_then_drop(self, request: web.Request, reply: Reply) -> None:
        """Simulate a request Telegram never answers: wait, then close the connection."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), reply.drop_after)
        if request.transport is not None:
            request.transport.close()

    async def _file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self._token:
            return web.json_response(ApiError(401, "Unauthorized").envelope(), status=401)
        stored = self._files.by_path(request.match_info["path"])
        if stored is None or stored.content is None:
            return web.json_response(ApiError(404, "Not Found").envelope(), status=404)
        return web.Response(
            body=stored.content, content_type=stored.mime_type or "application/octet-stream"
        )
