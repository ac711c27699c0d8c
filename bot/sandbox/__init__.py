"""A loopback Telegram Bot API server for the offline demo, end-to-end tests and benchmarks.

python-telegram-bot talks to it unchanged (``Bot(token, base_url=sandbox.base_url,
base_file_url=sandbox.base_file_url)``); tests play the users through :class:`BotApiSandbox`
and read back what the bot did.
"""

from __future__ import annotations

from bot.sandbox.client import ControlClient
from bot.sandbox.errors import ApiError, ButtonNotFoundError, SandboxError
from bot.sandbox.faults import Fault, FaultKind, FaultPlan
from bot.sandbox.ratelimit import RateLimits, RateStats, SecondCounts
from bot.sandbox.sandbox import DEFAULT_TOKEN, BotApiSandbox
from bot.sandbox.types import (
    Button,
    CallbackAnswer,
    ChatMemberStatus,
    MessageVersion,
    SentFile,
    SentMessage,
    SimUser,
    Transcript,
    UserMessage,
    UserUpdate,
    Violation,
)
from bot.sandbox.webhook import SECRET_HEADER

__all__ = [
    "DEFAULT_TOKEN",
    "SECRET_HEADER",
    "ApiError",
    "BotApiSandbox",
    "Button",
    "ButtonNotFoundError",
    "CallbackAnswer",
    "ChatMemberStatus",
    "ControlClient",
    "Fault",
    "FaultKind",
    "FaultPlan",
    "MessageVersion",
    "RateLimits",
    "RateStats",
    "SandboxError",
    "SecondCounts",
    "SentFile",
    "SentMessage",
    "SimUser",
    "Transcript",
    "UserMessage",
    "UserUpdate",
    "Violation",
]
