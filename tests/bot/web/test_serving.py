"""``followup run`` serves the dashboard from the bot's own process and event loop."""

from __future__ import annotations

import asyncio

import httpx

from bot.app import build_bot, build_services, running
from bot.clock import FakeClock
from bot.sandbox import DEFAULT_TOKEN, BotApiSandbox
from bot.settings import load_settings
from bot.web import build_web_context, create_web_app
from bot.web.attach import serve_with_application
from tests.bot.nurse.nurse_world import START


async def test_the_dashboard_starts_and_stops_with_the_bot(db_url: str) -> None:
    async with BotApiSandbox(token=DEFAULT_TOKEN) as sandbox:
        settings = load_settings(
            _env_file=None, bot_token=DEFAULT_TOKEN, telegram_api_url=sandbox.base_url,
            database_url=db_url, bot_username=sandbox.bot_username, web_port=0,
        )  # fmt: skip
        services = build_services(settings, FakeClock(START))
        bot = build_bot(services, jobs=False, throttle=False)
        context = build_web_context(
            services.sessions, services.survey, settings, services.clock, bot.nurse
        )
        server = serve_with_application(bot.application, create_web_app(context), "127.0.0.1", 0)
        async with running(bot.application, poll_timeout=1):
            # the worklist's shared figures are computed at start, before anyone asks
            computed = await asyncio.wait_for(context.dashboard.shared.ready(), timeout=60)
            assert computed.as_of == START
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as client:
                signin = await client.get("/signin")
                home = await client.get("/")
            assert signin.status_code == 200
            assert "<h1>Sign in</h1>" in signin.text
            assert (home.status_code, home.headers["location"]) == (303, "/signin?next=/")
        port = server.port
        async with httpx.AsyncClient() as client:
            try:
                await client.get(f"http://127.0.0.1:{port}/signin")
            except httpx.ConnectError:
                pass
            else:
                raise AssertionError("the dashboard still answers after the bot stopped")
