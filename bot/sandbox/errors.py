"""Errors raised by the sandbox.

Exception tree::

    Exception
    ├── ApiError            a Bot API error reply (sent to the bot as Telegram's error envelope)
    └── SandboxError        misuse of the control side (unknown chat, user, update ...)
        └── ButtonNotFoundError   no button with that label is shown in the chat
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ApiError",
    "ButtonNotFoundError",
    "SandboxError",
    "bad_request",
    "forbidden",
    "not_found",
]


class ApiError(Exception):
    """A Bot API failure, rendered exactly like Telegram's ``{"ok": false, ...}`` envelope."""

    def __init__(self, error_code: int, description: str, *, retry_after: int | None = None):
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def envelope(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


def forbidden(detail: str) -> ApiError:
    return ApiError(403, f"Forbidden: {detail}")


def not_found(detail: str) -> ApiError:
    return ApiError(404, f"Not Found: {detail}")


class SandboxError(Exception):
    """The control side was asked for something the sandbox cannot do."""


class ButtonNotFoundError(SandboxError):
    """No message in the chat shows an inline button with the requested label."""
