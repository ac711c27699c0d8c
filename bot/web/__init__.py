"""The nurses' web dashboard: worklist, patient pages, ward figures, enrolment and invite
cards, served by Starlette with server-rendered Jinja2 pages (no JavaScript build step;
every script and style is shipped in ``bot/web/static``)."""

from __future__ import annotations

from bot.web.accounts import AccountError, Accounts, SignedIn
from bot.web.app import build_web_context, create_web_app
from bot.web.context import WebContext
from bot.web.serve import WebServer, serving

__all__ = [
    "AccountError",
    "Accounts",
    "SignedIn",
    "WebContext",
    "WebServer",
    "build_web_context",
    "create_web_app",
    "serving",
]
