"""Operations: start-up checks, health and metrics endpoints, backup and erasure.

The health and metrics server (uvicorn, Starlette) is in :mod:`bot.ops.http`, imported
only where it is served, so the bot process loads it only when it serves it.
"""

from bot.ops.metrics import CountingTransport, Metrics
from bot.ops.startup import BotApiRefused, startup_warnings, wait_for_bot_api

__all__ = [
    "BotApiRefused",
    "CountingTransport",
    "Metrics",
    "startup_warnings",
    "wait_for_bot_api",
]
