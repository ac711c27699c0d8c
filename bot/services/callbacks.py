"""Opaque, signed button payloads bound to one chat (Telegram allows 64 bytes).

Layout: ``kind:checkin:question:value:signature``. The signature is an HMAC over the chat
id and the fields, so a payload forged, altered or replayed from another chat is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

__all__ = ["CallbackCodec", "CallbackData", "InvalidCallback"]

MAX_BYTES = 64


class InvalidCallback(ValueError):
    """The payload is malformed or its signature does not match this chat."""


@dataclass(frozen=True)
class CallbackData:
    kind: str
    checkin_id: int
    question: int
    value: str


class CallbackCodec:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def _sign(self, chat_id: int, body: str) -> str:
        digest = hmac.new(self._key, f"{chat_id}|{body}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:9]).decode()

    def encode(self, chat_id: int, data: CallbackData) -> str:
        if ":" in data.kind or ":" in data.value:
            raise ValueError("callback fields may not contain ':'")
        body = f"{data.kind}:{data.checkin_id}:{data.question}:{data.value}"
        payload = f"{body}:{self._sign(chat_id, body)}"
        if len(payload.encode()) > MAX_BYTES:
            raise ValueError(f"callback payload longer than {MAX_BYTES} bytes")
        return payload

    def decode(self, chat_id: int, payload: str) -> CallbackData:
        parts = payload.split(":")
        if len(parts) != 5:
            raise InvalidCallback("malformed")
        kind, checkin, question, value, signature = parts
        body = ":".join(parts[:4])
        expected = self._sign(chat_id, body).encode()
        # compared as bytes: compare_digest refuses str with non-ASCII characters
        if not hmac.compare_digest(signature.encode(), expected):
            raise InvalidCallback("bad signature")
        try:
            return CallbackData(kind, int(checkin), int(question), value)
        except ValueError:
            raise InvalidCallback("malformed") from None
