"""``followup run``: the bot itself, by long polling or behind an HTTPS webhook.

In webhook mode our own route (:mod:`bot.telegram.webhook`) stores each update before
answering Telegram, instead of python-telegram-bot's server, which answers first.

Before python-telegram-bot takes over the event loop: the settings' warnings (first lines
of the output), the schema check, and waiting for the Bot API (one line per failed try, no
traceback) while ``/healthz`` and ``/metrics`` already answer.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any
from urllib.parse import urlsplit

import click
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import ALLOWED_UPDATES, AnyApplication, BotApp, Services, build_bot, build_services
from bot.cli.root import CliApp, CliError, open_database, pass_app
from bot.cli.root import run as run_async
from bot.ops import BotApiRefused, startup_warnings, wait_for_bot_api
from bot.ops.http import OpsServer, ops_app
from bot.settings import Settings
from bot.telegram.webhook import serve_webhook

__all__ = ["configure_logging", "run_bot"]

log = logging.getLogger("followup.run")


def configure_logging() -> None:
    """INFO for our own lines; the libraries' chatter (and lines with the token) quiet."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for chatty in ("httpx", "httpcore"):  # their lines carry the bot token
        logging.getLogger(chatty).setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # "Adding job tentatively"…
    logging.getLogger("alembic").setLevel(logging.WARNING)


async def _check_schema(app: CliApp) -> None:
    async with open_database(app.settings):
        pass


def _ops_server(settings: Settings, bot: BotApp) -> OpsServer | None:
    if not settings.metrics_address:
        return None
    app = ops_app(bot.metrics, stale_after=3 * settings.tick_seconds + 60)
    try:
        return OpsServer(app, settings.metrics_address)
    except ValueError as exc:
        raise CliError(f"FOLLOWUP_METRICS_ADDRESS: {exc}") from None


async def _wait_for_telegram(
    settings: Settings, engine: AsyncEngine, server: OpsServer | None
) -> None:
    """Wait for the Bot API with the health endpoints up; leave the loop clean behind."""
    try:
        if server is not None:
            await server.start()
        username = await wait_for_bot_api(settings)
        log.info("the Bot API at %s answers: @%s", settings.telegram_api_url, username)
    finally:
        if server is not None:
            await server.stop()
        await engine.dispose()  # its connections belong to this loop


def _serve_alongside(application: AnyApplication, server: OpsServer | None) -> None:
    """Run the health server inside python-telegram-bot's loop, started and stopped with it."""
    if server is None:
        return
    started, stopped = application.post_init, application.post_shutdown

    async def post_init(app: Any) -> None:
        if started is not None:
            await started(app)
        await server.start()

    async def post_shutdown(app: Any) -> None:
        await server.stop()
        if stopped is not None:
            await stopped(app)

    application.post_init = post_init
    application.post_shutdown = post_shutdown


def _serve_dashboard(
    application: AnyApplication, services: Services, settings: Settings, bot: BotApp
) -> None:
    """The nurses' dashboard in the bot's own loop, on the bot's services."""
    from bot.web import build_web_context, create_web_app  # only when served
    from bot.web.attach import serve_with_application

    context = build_web_context(
        services.sessions, services.survey, settings, services.clock, bot.nurse
    )
    serve_with_application(
        application, create_web_app(context), settings.web_host, settings.web_port
    )
    log.info("the dashboard at %s/", settings.web_address())


@click.command("run")
@click.option("--webhook", "webhook_url", metavar="URL", help="Public HTTPS URL for a webhook.")
@click.option("--listen", default="127.0.0.1", show_default=True, help="Webhook listen address.")
@click.option("--port", default=8443, show_default=True, help="Webhook listen port.")
@click.option("--no-web", is_flag=True, help="Do not serve the nurses' dashboard.")
@pass_app
def run_bot(app: CliApp, webhook_url: str | None, listen: str, port: int, no_web: bool) -> None:
    """Run the bot (needs FOLLOWUP_BOT_TOKEN; without one, try `followup demo`)."""
    settings = app.settings
    if settings.bot_token is None:
        raise CliError("FOLLOWUP_BOT_TOKEN is not set (for the offline demo run `followup demo`)")
    if webhook_url is not None and settings.webhook_secret is None:
        raise CliError("FOLLOWUP_WEBHOOK_SECRET is required with --webhook")
    for warning in startup_warnings(settings):
        click.secho(f"WARNING: {warning}", err=True, fg="red", bold=True)
    configure_logging()
    run_async(_check_schema(app))
    services = build_services(settings, app.clock)
    bot = build_bot(services)
    server = _ops_server(settings, bot)
    try:
        asyncio.run(_wait_for_telegram(settings, services.engine, server))
    except BotApiRefused as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(str(exc)) from None
    except KeyboardInterrupt:
        return
    application = bot.application
    _serve_alongside(application, _ops_server(settings, bot))
    if settings.web_enabled and not no_web:
        _serve_dashboard(application, services, settings, bot)
    if webhook_url is None:
        application.run_polling(allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False)
        return
    assert settings.webhook_secret is not None
    secret = settings.webhook_secret.get_secret_value()

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await serve_webhook(
            application, bot.inbox, listen=listen, port=port,
            url_path=urlsplit(webhook_url).path, webhook_url=webhook_url, secret=secret,
            allowed_updates=ALLOWED_UPDATES, stop=stop,
        )  # fmt: skip

    try:
        asyncio.run(serve())
    except OSError as exc:
        raise CliError(str(exc)) from None
