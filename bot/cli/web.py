"""``followup web`` (the nurses' dashboard alone) and ``followup nurse add NAME``."""

from __future__ import annotations

import logging
import sys

import click

from bot.cli.nurse import _service
from bot.cli.root import CliApp, CliError, configured_survey, open_database, pass_app, run
from bot.web import AccountError, Accounts, build_web_context, create_web_app, serving

__all__ = ["nurse", "web"]


@click.command("web")
@click.option("--host", default=None, help="Listen address (default FOLLOWUP_WEB_HOST, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default FOLLOWUP_WEB_PORT, 8080).")
@pass_app
def web(app: CliApp, host: str | None, port: int | None) -> None:
    """Serve the nurses' web dashboard (without the bot; cards are edited when a token is set)."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    settings = app.settings
    host = host or settings.web_host
    port = port if port is not None else settings.web_port

    async def serve() -> None:
        async with _service(app) as service, open_database(settings) as sessions:
            context = build_web_context(
                sessions, configured_survey(settings), settings, app.clock, service
            )
            async with serving(create_web_app(context), host, port) as server:
                click.echo(f"Dashboard: http://{host}:{server.port}/  (Ctrl-C to stop)")
                await server.wait()

    try:
        run(serve())
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        raise CliError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None


@click.group("nurse")
def nurse() -> None:
    """Nurse accounts of the web dashboard."""


@nurse.command("add")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from one line of stdin.")
@click.option("--language", type=click.Choice(["en", "zh"]), default="en", show_default=True)
@pass_app
def nurse_add(app: CliApp, name: str, password_stdin: bool, language: str) -> None:
    """Create a dashboard account for NAME (asks for the password twice)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)

    async def add() -> int:
        async with open_database(app.settings) as sessions:
            return await Accounts(sessions, app.settings, app.clock).add(name, password, language)

    try:
        run(add())
    except AccountError as exc:
        raise CliError(str(exc)) from None
    click.echo(f"Nurse account {' '.join(name.split())!r} created.")
