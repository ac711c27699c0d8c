"""The dashboard served by uvicorn beside the bot, both against the loopback Bot API sandbox,
and a real Chromium (Debian's ``chromium``) driven by Playwright.

The bot runs the real handlers (nurse, ``/web``, patient) with a fake clock; the dashboard
shares its nurse service, so what a nurse does on a page reaches the Telegram card. Without
``/usr/bin/chromium`` the browser tests are skipped locally and fail in CI (``CI=true``).
Screenshots go to ``tests/artifacts/`` (git-ignored).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect
from telegram.ext import ApplicationBuilder

from bot.app import running
from bot.clock import FakeClock
from bot.nurse.service import NurseService
from bot.sandbox import DEFAULT_TOKEN, BotApiSandbox, SentMessage
from bot.scheduling import Dispatcher, Pacer
from bot.services.conversation import ConversationService
from bot.settings import load_settings
from bot.telegram.handlers import PatientHandlers
from bot.telegram.nurse_handlers import NurseHandlers, TelegramNurseDirectory
from bot.telegram.transport import TelegramTransport
from bot.telegram.web_link_handlers import WebLinkHandlers
from bot.web import WebContext, build_web_context, create_web_app, serving
from storage.db import create_engine, session_factory
from surveys.loader import load_default_survey
from tests.bot.nurse.nurse_world import START, NurseWorld

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

GROUP, ANNA, SAM, PATIENT = -100, 101, 104, 5001
expect.set_options(timeout=20_000)  # waits end as soon as the page is right
NURSE, PASSWORD = "Mei Lin", "correct horse battery"


@dataclass
class Ward(NurseWorld):
    sandbox: BotApiSandbox
    service: NurseService
    web: WebContext
    url: str
    dispatcher: Dispatcher
    """Sends what is due when a test runs it (the bot here runs no periodic jobs)."""

    async def next_message(self, chat_id: int, contains: str | None = None) -> SentMessage:
        def match(message: SentMessage) -> bool:
            shown = (message.text or message.caption or "") + "\n" + " ".join(message.button_labels)
            return contains is None or contains in shown

        return await self.sandbox.wait_for_message(chat_id, match, timeout=10)


@pytest.fixture
async def ward(db_url: str) -> AsyncIterator[Ward]:
    async with BotApiSandbox(token=DEFAULT_TOKEN) as sandbox:
        sandbox.create_private_chat(ANNA, "Anna", last_name="Lee", username="anna_rn")
        sandbox.create_private_chat(SAM, "Sam")
        sandbox.create_group(GROUP, "Spine ward nurses", {ANNA: "member"})
        settings = load_settings(
            _env_file=None, bot_token=DEFAULT_TOKEN, telegram_api_url=sandbox.base_url,
            database_url=db_url, default_timezone="Europe/London",
            bot_username=sandbox.bot_username, nurse_chat_id=GROUP,
            nurse_user_ids=frozenset({ANNA, SAM}), web_port=0, web_session_hours=48,
        )  # fmt: skip
        clock = FakeClock(START)
        engine = create_engine(db_url)
        sessions = session_factory(engine)
        survey = load_default_survey()
        application = (
            ApplicationBuilder()
            .token(DEFAULT_TOKEN)
            .base_url(sandbox.base_url)
            .base_file_url(sandbox.base_file_url)
            .build()
        )
        bot = application.bot
        service = NurseService(sessions, survey, settings, clock, TelegramTransport(bot),
                               TelegramNurseDirectory(bot))  # fmt: skip
        web = build_web_context(sessions, survey, settings, clock, service, refresh_seconds=1)
        application.add_handlers(NurseHandlers(service, settings).handlers())
        application.add_handlers(WebLinkHandlers(service, web.accounts, 5).handlers())
        conversation = ConversationService(sessions, survey, settings, clock)
        application.add_handlers(
            PatientHandlers(conversation, TelegramTransport(bot), notifier=service).handlers()
        )
        dispatcher = Dispatcher(sessions, survey, settings, clock, TelegramTransport(bot),
                                conversation, instance="test", pacer=Pacer.unlimited())  # fmt: skip
        await web.accounts.add(NURSE, PASSWORD)
        try:
            async with (
                running(application, poll_timeout=1),
                serving(create_web_app(web), "127.0.0.1", 0) as server,
            ):
                url = f"http://127.0.0.1:{server.port}"
                yield Ward(sessions, survey, settings, clock, sandbox, service, web, url,
                           dispatcher)  # fmt: skip
        finally:
            await engine.dispose()


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture
async def browser(chromium_path: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(chromium_path), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)  # a shared CI machine can be slow
    try:
        yield await context.new_page()
    finally:
        await context.close()


async def screenshot(page: Page, name: str, **options: Any) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True, **options)
    return path


async def sign_in(page: Page, ward: Ward, name: str = NURSE, password: str = PASSWORD) -> None:
    await page.goto(ward.url + "/")
    await page.get_by_label("Name").fill(name)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
