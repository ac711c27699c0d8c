"""The one assembly point: settings → database → services → handlers → jobs.

``build_services`` makes everything that does not need Telegram; ``build_application``
wraps it in a python-telegram-bot :class:`~telegram.ext.Application` pointed at any Bot API
server (``FOLLOWUP_TELEGRAM_API_URL``: Telegram, a self-hosted server, or the sandbox).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram import BotCommand, BotCommandScopeAllPrivateChats
from telegram.ext import Application, ApplicationBuilder

from bot.clock import Clock, SystemClock
from bot.nurse import NurseService
from bot.ops import CountingTransport, Metrics, startup_warnings
from bot.ops.heartbeat import Heartbeat, instance_name
from bot.ops.housekeeping import Housekeeping
from bot.scheduling import (
    Dispatcher,
    OutboxSender,
    Pacer,
    run_jobs_now,
    schedule_jobs,
    schedule_outbox,
)
from bot.services.conversation import ConversationService
from bot.settings import Settings
from bot.telegram.handlers import PatientHandlers, error_handler
from bot.telegram.inbox import InboxProcessor, InboxRequest, UpdateInbox
from bot.telegram.nurse_handlers import (
    NurseHandlers,
    TelegramNurseDirectory,
    register_nurse_commands,
    schedule_nurse_jobs,
)
from bot.telegram.plain_request import bot_requests
from bot.telegram.polling import ALLOWED_UPDATES, running
from bot.telegram.rate_limiter import ReplyFirstLimiter
from bot.telegram.transport import TelegramTransport
from storage.db import create_engine, ensure_schema_current, session_factory
from storage.instances import BEAT
from storage.locks import leadership
from surveys.loader import load_default_survey, load_survey
from surveys.model import Survey

__all__ = [
    "ALLOWED_UPDATES",
    "PATIENT_COMMANDS",
    "BotApp",
    "Services",
    "build_application",
    "build_bot",
    "build_services",
    "running",
]

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]
OUTBOX_SWEEP_SECONDS = 5.0
"""How often every process looks for urgent messages a failed send or a crash left behind."""

PATIENT_COMMANDS = {
    "en": [
        ("help", "What this bot does"),
        ("stop", "Pause the check-ins"),
        ("resume", "Start the check-ins again"),
        ("language", "English / 中文"),
        ("progress", "See how you are doing"),
    ],
    "zh": [
        ("help", "使用说明"),
        ("stop", "暂停随访"),
        ("resume", "恢复随访"),
        ("language", "English / 中文"),
        ("progress", "查看恢复情况"),
    ],
}


DISPATCH_CONNECTIONS = 1
"""Database connections the dispatcher's waves use, from a pool of their own: a wave of
check-ins (40 deliveries at once) queues for this one and never takes the connections that
answers to patients need, nor makes new ones."""


@dataclass
class Services:
    settings: Settings
    clock: Clock
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    survey: Survey
    conversation: ConversationService
    dispatch_engine: AsyncEngine
    """The dispatcher's own small pool (:data:`DISPATCH_CONNECTIONS`) on the same database."""

    async def close(self) -> None:
        await self.engine.dispose()
        await self.dispatch_engine.dispose()


def build_services(settings: Settings, clock: Clock | None = None) -> Services:
    clock = clock or SystemClock()
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    survey = load_survey(settings.survey_path) if settings.survey_path else load_default_survey()
    conversation = ConversationService(sessions, survey, settings, clock)
    in_memory = engine.url.database in (None, "", ":memory:")  # one connection is the database
    dispatch_engine = engine if in_memory else create_engine(
        settings.database_url, pool_size=DISPATCH_CONNECTIONS, max_overflow=0
    )  # fmt: skip
    return Services(settings, clock, engine, sessions, survey, conversation, dispatch_engine)


@dataclass
class BotApp:
    """The running parts that need Telegram: the application, the scheduler, the nurse side."""

    application: AnyApplication
    dispatcher: Dispatcher
    nurse: NurseService
    outbox: OutboxSender
    metrics: Metrics
    heartbeat: Heartbeat
    inbox: UpdateInbox


def build_bot(services: Services, *, jobs: bool = True, throttle: bool = True) -> BotApp:
    """Build the bot and its Telegram-bound services.

    ``jobs=False`` leaves out the periodic jobs (tests and the demo drive them with a fake
    clock); ``throttle=False`` drops Telegram's rate limits, for the loopback sandbox only.
    """
    settings = services.settings
    if settings.bot_token is None:
        raise ValueError("FOLLOWUP_BOT_TOKEN is not set")
    # Updates of different chats at once, each chat's in order, each polled update stored
    # before it is confirmed and marked once handled; its generic type changes with the
    # rate limiter.
    inbox = UpdateInbox(services.sessions, services.clock)
    # One name per process start in every claim it takes, renewed by its heartbeat.
    heartbeat = Heartbeat(services.sessions, services.clock, instance_name(settings.instance_name))
    builder: Any = ApplicationBuilder().concurrent_updates(InboxProcessor(inbox))
    if throttle:
        builder = builder.rate_limiter(ReplyFirstLimiter(max(1, math.floor(settings.send_rate))))
    # HTTP(S) or SOCKS5 proxy for every Bot API call, if any
    calls, polling = bot_requests(settings.send_timeout, settings.proxy_url)
    builder = builder.request(calls).get_updates_request(InboxRequest(polling, inbox))
    application: AnyApplication = (
        builder.token(settings.bot_token.get_secret_value())
        .base_url(settings.telegram_api_url)
        .base_file_url(settings.telegram_api_url.replace("/bot", "/file/bot"))
        .build()
    )
    metrics = Metrics(services.sessions, services.clock)
    transport = CountingTransport(TelegramTransport(application.bot), metrics)
    dispatch_sessions = session_factory(services.dispatch_engine)
    dispatcher = Dispatcher(
        dispatch_sessions, services.survey, settings, services.clock, transport,
        ConversationService(dispatch_sessions, services.survey, settings, services.clock),
        instance=heartbeat.name,
        pacer=None if throttle else Pacer.unlimited(),
    )  # fmt: skip
    nurse = NurseService(
        services.sessions, services.survey, settings, services.clock, transport,
        TelegramNurseDirectory(application.bot), dispatch_now=dispatcher.dispatch_due,
        instance=heartbeat.name,
    )  # fmt: skip
    # Nurse handlers first: the patient side's button handler takes every other button.
    application.add_handlers(NurseHandlers(nurse, settings).handlers())
    application.add_handlers(_web_link_handlers(services, nurse))
    outbox = OutboxSender(services.sessions, transport, services.clock, instance=heartbeat.name)
    application.add_handlers(
        PatientHandlers(services.conversation, transport, nurse, outbox).handlers()
    )
    application.add_error_handler(error_handler)
    if jobs:
        assert application.job_queue is not None  # the job-queue extra is a dependency
        schedule_jobs(application.job_queue, dispatcher, settings, after_run=metrics.ticked)
        schedule_outbox(application.job_queue, outbox, OUTBOX_SWEEP_SECONDS)
        schedule_outbox(
            application.job_queue, heartbeat, BEAT.total_seconds(), "followup.heartbeat"
        )
        housekeeping = Housekeeping(
            services.sessions, services.clock, dt.timedelta(days=settings.update_retention_days)
        )
        schedule_outbox(application.job_queue, housekeeping, 3600, "followup.housekeeping")
        schedule_nurse_jobs(
            application.job_queue, _LeaderOnly(services.engine, nurse), settings.tick_seconds
        )
    bot = BotApp(application, dispatcher, nurse, outbox, metrics, heartbeat, inbox)
    application.post_init = _on_start(services, inbox, bot)
    application.post_shutdown = _on_stop(services, inbox, bot)
    return bot


def build_application(services: Services, *, jobs: bool = True) -> AnyApplication:
    """The python-telegram-bot application of :func:`build_bot`."""
    return build_bot(services, jobs=jobs).application


def _web_link_handlers(services: Services, nurse: NurseService) -> list[Any]:
    """``/web``: a nurse's one-time sign-in link to the dashboard."""
    from bot.telegram.web_link_handlers import WebLinkHandlers

    links = _DashboardLinks(services)
    return WebLinkHandlers(nurse, links, services.settings.web_link_minutes).handlers()


class _DashboardLinks:
    """The dashboard's accounts, loaded at the first ``/web``: the web package (Starlette,
    Jinja2, argon2) is not needed to answer patients, and a bot without the dashboard
    beside it never loads it."""

    def __init__(self, services: Services) -> None:
        self._services = services

    async def new_link(self, telegram_user_id: int, name: str, language: str) -> str:
        from bot.web.accounts import Accounts

        services = self._services
        accounts = Accounts(services.sessions, services.settings, services.clock)
        return await accounts.new_link(telegram_user_id, name, language)


class _LeaderOnly:
    """Runs the nurse sweep in one process at a time when several share a database."""

    def __init__(self, engine: AsyncEngine, nurse: NurseService) -> None:
        self._engine = engine
        self._nurse = nurse

    async def sweep(self) -> None:
        async with leadership(self._engine, "followup.nurse_sweep") as leading:
            if leading:
                await self._nurse.sweep()


def _on_start(services: Services, inbox: UpdateInbox, parts: BotApp) -> Any:
    async def on_start(application: AnyApplication) -> None:
        await ensure_schema_current(services.engine)
        await parts.heartbeat.start()  # before any claim, and dead processes of this host gone
        await inbox.replay(application)  # queued ahead of anything polled from now on
        bot = application.bot
        for language, commands in PATIENT_COMMANDS.items():
            await bot.set_my_commands(
                [BotCommand(name, description) for name, description in commands],
                scope=BotCommandScopeAllPrivateChats(),
                language_code=None if language == "en" else language,
            )
        await register_nurse_commands(bot, services.settings)
        for warning in startup_warnings(services.settings):
            log.warning(warning)
        run_jobs_now(application)  # catch up at once, not one tick after a restart
        log.info("bot started as @%s", bot.username)

    return on_start


def _on_stop(services: Services, inbox: UpdateInbox, parts: BotApp) -> Any:
    async def on_stop(_: AnyApplication) -> None:
        await inbox.flush()  # the handled marks not yet written
        await parts.heartbeat.stop()  # gone: other processes take over what it held
        try:
            await parts.dispatcher.recover()  # and its own check-in claims go back now
        except Exception:
            log.warning("claims left to the next process's tick", exc_info=True)
        await services.close()

    return on_stop
