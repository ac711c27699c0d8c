"""Start-up checks of ``followup run``: loud warnings about risky settings, and waiting for
the Bot API with one log line per failed try instead of a traceback."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from telegram import Bot
from telegram.error import InvalidToken, TelegramError
from telegram.request import HTTPXRequest

from bot.settings import Settings

__all__ = ["BotApiRefused", "startup_warnings", "wait_for_bot_api"]

log = logging.getLogger("followup.startup")

BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
"""Seconds between tries; the last repeats for as long as it takes."""


class BotApiRefused(RuntimeError):
    """The Bot API answered but refused the token: retrying cannot help."""


def startup_warnings(settings: Settings) -> list[str]:
    """What an operator must hear before anything else (empty when all is well)."""
    warnings = []
    if settings.nurse_chat_id is None:
        warnings.append(
            "FOLLOWUP_NURSE_CHAT_ID is not set: NO NURSE WILL BE ALERTED. Flag cards and "
            "escalations are not posted anywhere, and patients with urgent answers are told "
            "to call the ward themselves. Set it to the nurses' group id."
        )
    if not settings.ward_phone:
        warnings.append(
            "FOLLOWUP_WARD_PHONE is not set: urgent advice points to the discharge letter."
        )
    return warnings


def bot_api_client(settings: Settings) -> Bot:
    """A Bot API client with the configured URL and proxy (token from the settings)."""
    assert settings.bot_token is not None
    request = HTTPXRequest(proxy=settings.proxy_url, connect_timeout=10, read_timeout=20)
    return Bot(
        settings.bot_token.get_secret_value(), base_url=settings.telegram_api_url, request=request
    )


async def wait_for_bot_api(
    settings: Settings,
    *,
    client: Bot | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    max_tries: int | None = None,
) -> str:
    """Ask the Bot API who we are until it answers; the bot's username.

    Each failure is one log line naming the Bot API URL (never the token), the proxy if any
    and the error, then a wait from :data:`BACKOFF`. ``max_tries`` (tests) stops early with
    the last error. A refused token raises :class:`BotApiRefused` at once.
    """
    bot = client or bot_api_client(settings)
    via = f" via proxy {_without_credentials(settings.proxy_url)}" if settings.proxy_url else ""
    tries = 0
    while True:
        tries += 1
        try:
            await bot.initialize()  # calls getMe
            username = bot.username
            await bot.shutdown()
            return username
        except InvalidToken as exc:
            raise BotApiRefused(
                f"the Bot API at {settings.telegram_api_url} refused FOLLOWUP_BOT_TOKEN ({exc})"
            ) from None
        except (TelegramError, OSError) as exc:
            wait = BACKOFF[min(tries - 1, len(BACKOFF) - 1)]
            log.warning(
                "cannot reach the Bot API at %s%s: %s: %s; retrying in %gs",
                settings.telegram_api_url, via, type(exc).__name__, _one_line(exc), wait,
            )  # fmt: skip
            if max_tries is not None and tries >= max_tries:
                raise
            await sleep(wait)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else "no details"


def _without_credentials(url: str | None) -> str:
    """A proxy URL without ``user:password@``."""
    if not url or "@" not in url:
        return url or ""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}"
