"""The dashboard's ASGI application (Starlette), built from the running services.

``create_web_app`` takes the same nurse service the Telegram side uses plus any extra
routes (for example operational endpoints) and returns a Starlette app; serving it is
:mod:`bot.web.serve`'s job.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from bot.clock import Clock
from bot.nurse.service import NurseService
from bot.settings import Settings
from bot.web import routes_actions, routes_pages, routes_signin
from bot.web.accounts import Accounts
from bot.web.context import WebContext, page
from bot.web.dashboard import Dashboard
from bot.web.ratelimit import SignInLimiter
from surveys.model import Survey

__all__ = ["build_web_context", "create_web_app"]

STATIC = Path(__file__).with_name("static")
COOKIE = "followup_session"


def build_web_context(
    sessions: async_sessionmaker[AsyncSession],
    survey: Survey,
    settings: Settings,
    clock: Clock,
    nurse: NurseService,
    *,
    refresh_seconds: int = 30,
) -> WebContext:
    return WebContext(
        sessions=sessions,
        survey=survey,
        settings=settings,
        clock=clock,
        nurse=nurse,
        accounts=Accounts(sessions, settings, clock),
        dashboard=Dashboard(sessions, survey, clock),
        limiter=SignInLimiter(sessions, clock),
        refresh_seconds=refresh_seconds,
    )


async def _not_found(request: Request, exc: Exception) -> Response:
    return page(request, "refused.html", None, 404, reason="not_found")


def create_web_app(web: WebContext, extra_routes: Sequence[BaseRoute] = ()) -> Starlette:
    """The dashboard; ``extra_routes`` are served beside it (before its own routes).

    While it is served, the worklist's shared figures are computed at start and refreshed
    in the background, so no nurse waits for them.
    """
    settings = web.settings

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(web.dashboard.shared.keep_fresh(), name="dashboard-figures")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = Starlette(
        lifespan=lifespan,
        routes=[
            *extra_routes,
            *routes_signin.routes,
            *routes_pages.routes,
            *routes_actions.routes,
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        middleware=[
            Middleware(
                SessionMiddleware,
                secret_key=settings.web_key(),
                session_cookie=COOKIE,
                max_age=int(settings.web_session_hours * 3600),
                same_site="lax",
                https_only=settings.web_address().startswith("https://"),
            )
        ],
        exception_handlers={404: _not_found},
    )
    app.state.web = web
    return app
