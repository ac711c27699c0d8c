"""The nurses' dashboard beside the demo: same database, same nurse service, same clock.

A demo nurse account is made with a fresh random password, and both it and a one-time
sign-in link are printed, so a newcomer can open the dashboard at once.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.demo.session import DemoSession
from bot.demo.terminal import Writer
from bot.web import Accounts, WebServer, build_web_context, create_web_app, serving

__all__ = ["DEMO_NURSE", "demo_dashboard"]

DEMO_NURSE = "Nurse Chen"
DEMO_NURSE_TELEGRAM_ID = 4_200_001


@asynccontextmanager
async def demo_dashboard(demo: DemoSession, write: Writer) -> AsyncIterator[WebServer]:
    """Serve the dashboard while the demo runs and print how to sign in."""
    services, settings = demo.services, demo.settings
    context = build_web_context(services.sessions, services.survey, settings, services.clock,
                                demo.bot.nurse, refresh_seconds=10)  # fmt: skip
    password = secrets.token_urlsafe(9)
    accounts = Accounts(services.sessions, settings, services.clock)
    await accounts.add(DEMO_NURSE, password)
    app = create_web_app(context)
    try:
        server_context = serving(app, settings.web_host, settings.web_port)
        server = await server_context.__aenter__()
    except OSError:  # the usual port is taken: let the system choose one
        server_context = serving(app, settings.web_host, 0)
        server = await server_context.__aenter__()
    try:
        address = f"http://{settings.web_host}:{server.port}"
        link = await accounts.new_link(DEMO_NURSE_TELEGRAM_ID, DEMO_NURSE, "en")
        link = address + link[link.index("/signin/") :]
        write(f"Nurses' dashboard: {address}/  (name {DEMO_NURSE!r}, password {password})")
        write(f"  or sign in once with {link}")
        yield server
    finally:
        await server_context.__aexit__(None, None, None)
