"""The one assembly point: settings → database → services → handlers → jobs.

``build_services`` makes everything that does not need Telegram; ``build_application``
wraps it in a python-telegram-bot :class:`~telegram.ext.Application` pointed at any Bot API
server (``FOLLOWUP_TELEGRAM_API_URL``: Telegram, a self-hosted server, or the sandbox).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram import BotCommand, BotCommandScopeAllPrivateChats, Update
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder

from bot.clock import Clock, SystemClock
from bot.services.conversation import ConversationService
from bot.settings import Settings
from bot.telegram.handlers import PatientHandlers, error_handler
from bot.telegram.transport import TelegramTransport
from storage.db import create_engine, ensure_schema_current, session_factory
from surveys.loader import load_default_survey, load_survey
from surveys.model import Survey

__all__ = [
    "ALLOWED_UPDATES",
    "PATIENT_COMMANDS",
    "Services",
    "build_application",
    "build_services",
    "running",
]

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
    Update.MY_CHAT_MEMBER,
]

PATIENT_COMMANDS = {
    "en": [
        ("help", "What this bot does"),
        ("stop", "Pause the check-ins"),
        ("resume", "Start the check-ins again"),
        ("language", "English / 中文"),
    ],
    "zh": [
        ("help", "使用说明"),
        ("stop", "暂停随访"),
        ("resume", "恢复随访"),
        ("language", "English / 中文"),
    ],
}


@dataclass
class Services:
    settings: Settings
    clock: Clock
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    survey: Survey
    conversation: ConversationService

    async def close(self) -> None:
        await self.engine.dispose()


def build_services(settings: Settings, clock: Clock | None = None) -> Services:
    clock = clock or SystemClock()
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    survey = load_survey(settings.survey_path) if settings.survey_path else load_default_survey()
    conversation = ConversationService(sessions, survey, settings, clock)
    return Services(settings, clock, engine, sessions, survey, conversation)


def build_application(services: Services, *, jobs: bool = True) -> AnyApplication:
    """Build the bot. ``jobs=False`` leaves out the periodic jobs (tests drive them)."""
    settings = services.settings
    if settings.bot_token is None:
        raise ValueError("FOLLOWUP_BOT_TOKEN is not set")
    application = (
        ApplicationBuilder()
        .token(settings.bot_token.get_secret_value())
        .base_url(settings.telegram_api_url)
        .base_file_url(settings.telegram_api_url.replace("/bot", "/file/bot"))
        .rate_limiter(AIORateLimiter(overall_max_rate=settings.send_rate, max_retries=3))
        .post_init(_on_start(services))
        .post_shutdown(_on_stop(services))
        .build()
    )
    transport = TelegramTransport(application.bot)
    patient = PatientHandlers(services.conversation, transport)
    application.add_handlers(patient.handlers())
    application.add_error_handler(error_handler)
    return application


def _on_start(services: Services) -> Any:
    async def on_start(application: AnyApplication) -> None:
        await ensure_schema_current(services.engine)
        bot = application.bot
        for language, commands in PATIENT_COMMANDS.items():
            await bot.set_my_commands(
                [BotCommand(name, description) for name, description in commands],
                scope=BotCommandScopeAllPrivateChats(),
                language_code=None if language == "en" else language,
            )
        log.info("bot started as @%s", bot.username)

    return on_start


def _on_stop(services: Services) -> Any:
    async def on_stop(_: AnyApplication) -> None:
        await services.close()

    return on_stop


@asynccontextmanager
async def running(
    application: AnyApplication, *, poll_interval: float = 0.0, poll_timeout: int = 10
) -> AsyncIterator[AnyApplication]:
    """Run the application by long polling inside an existing event loop (demo, tests).

    ``run_polling`` owns its loop; this does the same steps, hooks included, and undoes
    them in reverse on the way out.
    """
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    assert application.updater is not None
    await application.updater.start_polling(
        poll_interval=poll_interval, timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES
    )
    await application.start()
    try:
        yield application
    finally:
        await application.updater.stop()
        await application.stop()
        if application.post_stop is not None:
            await application.post_stop(application)
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)
