"""``followup run``: the bot itself, by long polling or behind an HTTPS webhook."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import click

from bot.app import ALLOWED_UPDATES, build_bot, build_services
from bot.cli.root import CliApp, CliError, open_database, pass_app
from bot.cli.root import run as run_async

__all__ = ["run_bot"]


async def _check_schema(app: CliApp) -> None:
    async with open_database(app.settings):
        pass


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
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its lines carry the bot token
    run_async(_check_schema(app))
    services = build_services(settings, app.clock)
    bot = build_bot(services)
    application = bot.application
    if settings.web_enabled and not no_web:
        from bot.web import build_web_context, create_web_app
        from bot.web.attach import serve_with_application

        context = build_web_context(services.sessions, services.survey, settings,
                                    services.clock, bot.nurse)  # fmt: skip
        serve_with_application(application, create_web_app(context), settings.web_host,
                               settings.web_port)  # fmt: skip
        logging.getLogger(__name__).info("dashboard at %s/", settings.web_address())
    if webhook_url is None:
        application.run_polling(allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False)
        return
    if settings.webhook_secret is None:
        raise CliError("FOLLOWUP_WEBHOOK_SECRET is required with --webhook")
    application.run_webhook(
        listen=listen,
        port=port,
        url_path=urlsplit(webhook_url).path.lstrip("/"),
        webhook_url=webhook_url,
        secret_token=settings.webhook_secret.get_secret_value(),
        allowed_updates=ALLOWED_UPDATES,
    )
