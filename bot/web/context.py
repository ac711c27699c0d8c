"""What every route reaches through ``request.app.state.web``, and the page helpers."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bot.clock import Clock
from bot.nurse.access import Nurse
from bot.nurse.service import NurseService
from bot.settings import Settings
from bot.web.accounts import Accounts, SignedIn
from bot.web.dashboard import Dashboard
from bot.web.i18n import translator
from bot.web.ratelimit import SignInLimiter
from bot.web.security import check_csrf, csrf_token, current_nurse
from surveys.model import Survey

__all__ = ["Handler", "WebContext", "page", "protected", "web_of"]

TEMPLATES = Path(__file__).with_name("templates")


@dataclass
class WebContext:
    """The services the dashboard uses: the same nurse service as the Telegram side."""

    sessions: async_sessionmaker[AsyncSession]
    survey: Survey
    settings: Settings
    clock: Clock
    nurse: NurseService
    accounts: Accounts
    dashboard: Dashboard
    limiter: SignInLimiter
    refresh_seconds: int = 30
    templates: Environment | None = None

    def environment(self) -> Environment:
        if self.templates is None:
            self.templates = Environment(
                loader=FileSystemLoader(TEMPLATES),
                autoescape=select_autoescape(("html",)),
                enable_async=False,
                trim_blocks=True,
                lstrip_blocks=True,
            )
        return self.templates


def web_of(request: Request) -> WebContext:
    web = request.app.state.web
    assert isinstance(web, WebContext)
    return web


def as_nurse(who: SignedIn) -> Nurse:
    """The nurse service's view of a signed-in nurse: trusted, audited as ``web:<name>``."""
    return Nurse(who.name, language=who.language, via="web")


def page(
    request: Request, template: str, who: SignedIn | None, status_code: int = 200, **values: Any
) -> HTMLResponse:
    web = web_of(request)
    language = who.language if who else _browser_language(request)
    html = (
        web.environment()
        .get_template(template)
        .render(
            t=translator(language),
            lang=language,
            who=who,
            csrf=csrf_token(request),
            path=request.url.path,
            **values,
        )
    )
    return HTMLResponse(html, status_code=status_code, headers=_NO_STORE)


_NO_STORE = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'",
}


def _browser_language(request: Request) -> str:
    return "zh" if request.headers.get("accept-language", "").startswith("zh") else "en"


Handler = Callable[[Request, SignedIn], Awaitable[Response]]


def protected(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Signed-in nurses only; a form post also needs the session's CSRF token."""

    @functools.wraps(handler)
    async def guarded(request: Request) -> Response:
        web = web_of(request)
        who = current_nurse(request, web.clock, web.settings.web_session_hours)
        if who is not None and not await web.accounts.still_active(who):
            request.session.clear()
            who = None
        if who is None:
            if request.method == "GET":
                return RedirectResponse(f"/signin?next={request.url.path}", status_code=303)
            return page(request, "refused.html", None, 401, reason="sign_in_first")
        if request.method == "POST":
            form = await request.form()
            if not await check_csrf(request, form):
                return page(request, "refused.html", who, 403, reason="csrf")
        return await handler(request, who)

    return guarded
