"""Operations: start-up checks, health and metrics endpoints, backup and erasure."""

from bot.ops.http import OpsServer, ops_app, ops_routes, parse_address
from bot.ops.metrics import CountingTransport, Metrics
from bot.ops.startup import BotApiRefused, startup_warnings, wait_for_bot_api

__all__ = [
    "BotApiRefused",
    "CountingTransport",
    "Metrics",
    "OpsServer",
    "ops_app",
    "ops_routes",
    "parse_address",
    "startup_warnings",
    "wait_for_bot_api",
]
