"""``/healthz`` and ``/metrics`` as Starlette routes, and a small server for ``followup run``.

:func:`ops_routes` returns plain Starlette routes, so a larger app (the nurses' dashboard)
can mount the same ones. :class:`OpsServer` runs them with uvicorn inside the bot's own
event loop, leaving signal handling to python-telegram-bot.
"""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.loop_server import LoopServer
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


class OpsServer(LoopServer):
    """``/healthz`` and ``/metrics`` on ``host:port``."""

    def __init__(self, app: Starlette, address: str) -> None:
        host, port = parse_address(address)
        super().__init__(app, host, port, what="/healthz and /metrics")
