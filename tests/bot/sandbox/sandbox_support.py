"""Shared helpers for the sandbox tests: ids, a steppable clock, a PTB client, a small PNG."""

from __future__ import annotations

import zlib

from telegram import Bot
from telegram.request import HTTPXRequest

from bot.sandbox import BotApiSandbox

TOKEN = "123456:sandbox-test-token"
PATIENT = 4242
NURSE = 5151
NURSE_GROUP = -100777


class SteppedClock:
    """Epoch seconds that move only when a test says so."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_bot(sandbox: BotApiSandbox, *, token: str = TOKEN, read_timeout: float = 5.0) -> Bot:
    """A python-telegram-bot client speaking HTTP to the sandbox."""
    return Bot(
        token,
        base_url=sandbox.base_url,
        base_file_url=sandbox.base_file_url,
        request=HTTPXRequest(read_timeout=read_timeout),
        get_updates_request=HTTPXRequest(read_timeout=read_timeout),
    )


def make_png(width: int, height: int) -> bytes:
    """A valid RGB PNG of the given size, as a chart renderer would produce."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    pixels = zlib.compress(b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height)))
    signature = b"\x89PNG\r\n\x1a\n"
    return signature + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
