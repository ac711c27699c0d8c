"""``/healthz`` and ``/metrics`` as Starlette routes, and a small server for ``followup run``.

:func:`ops_routes` returns plain Starlette routes, so a larger app (the nurses' dashboard)
can mount the same ones. :class:`OpsServer` runs them with uvicorn inside the bot's own
event loop, leaving signal handling to python-telegram-bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.ops.metrics import CONTENT_TYPE, Metrics
from storage.health import database_answers

__all__ = ["OpsServer", "ops_app", "ops_routes", "parse_address"]

log = logging.getLogger(__name__)


def ops_routes(metrics: Metrics, *, stale_after: float) -> list[Route]:
    """``GET /healthz`` (200 when the database answers and the scheduler ran within
    ``stale_after`` seconds, else 503, with the reasons) and ``GET /metrics``."""

    async def healthz(_: Request) -> Response:
        problems = []
        try:
            async with metrics.sessions() as session:
                if not await database_answers(session):
                    problems.append("database")
        except Exception as exc:  # the check's whole point: say so, do not crash
            log.warning("health check: database unreachable (%s)", type(exc).__name__)
            problems.append("database")
        age = metrics.tick_age()
        if age is not None and age > stale_after:
            problems.append("scheduler")
        body = {
            "status": "ok" if not problems else "failing",
            "problems": problems,
            "last_tick_age_seconds": None if age is None else round(age, 1),
        }
        return JSONResponse(body, status_code=200 if not problems else 503)

    async def metrics_endpoint(_: Request) -> Response:
        try:
            return Response(await metrics.render(), media_type=CONTENT_TYPE)
        except Exception as exc:
            log.warning("metrics: database unreachable (%s)", type(exc).__name__)
            return Response("database unreachable\n", status_code=503)

    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
    ]


def ops_app(metrics: Metrics, *, stale_after: float) -> Starlette:
    return Starlette(routes=ops_routes(metrics, stale_after=stale_after))


def parse_address(address: str) -> tuple[str, int]:
    """``host:port`` (``[::1]:9464`` for IPv6); ValueError with the reason otherwise."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise ValueError(f"expected host:port, got {address!r}")
    return host.strip("[]"), int(port)


class _Server(uvicorn.Server):
    """uvicorn without its signal handlers: the bot's own shutdown stops it."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class OpsServer:
    def __init__(self, app: Starlette, address: str) -> None:
        host, port = parse_address(address)
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off")
        self._server = _Server(config)
        self._task: asyncio.Task[None] | None = None
        self.address = address

    async def start(self) -> None:
        self._task = asyncio.create_task(self._serve())
        while not self._server.started and not self._task.done():  # noqa: ASYNC110 (a flag only)
            await asyncio.sleep(0.01)
        if self._task.done():  # e.g. the port is taken: uvicorn logged why
            self._task.result()
            raise OSError(f"cannot serve /healthz and /metrics on {self.address}")
        log.info("health and metrics on http://%s/healthz and /metrics", self.address)

    async def _serve(self) -> None:
        try:
            await self._server.serve()
        except SystemExit:  # uvicorn exits when it cannot bind; the bot must not
            raise OSError(f"cannot serve /healthz and /metrics on {self.address}") from None

    async def stop(self) -> None:
        if self._task is None:
            return
        self._server.should_exit = True
        await self._task
        self._task = None
