"""Long polling inside an event loop the caller owns, and the updates the bot asks for.

Kept apart from :mod:`bot.app` so that running an application needs python-telegram-bot
only (the tap benchmark's bare bot uses it without loading this bot's services).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram import Update
from telegram.ext import Application

__all__ = ["ALLOWED_UPDATES", "running"]

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
    Update.MY_CHAT_MEMBER,
]


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
