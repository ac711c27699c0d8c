"""Bot API request parameters as Telegram receives them.

python-telegram-bot posts every parameter as a form field (or multipart part when a file is
attached): strings as they are, everything else JSON-encoded, so ``chat_id`` arrives as
``"42"`` and ``reply_markup`` as a JSON string. JSON bodies and query strings work too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from aiohttp import web
from aiohttp.web_request import FileField

from bot.sandbox.errors import bad_request

__all__ = ["Params", "Upload", "read_params"]


@dataclass(frozen=True, slots=True)
class Upload:
    """A file part of a multipart request."""

    filename: str | None
    content_type: str | None
    content: bytes


class Params:
    """Typed access to one request's parameters; bad values raise Telegram's 400 errors."""

    def __init__(self, values: Mapping[str, object], uploads: Mapping[str, Upload]) -> None:
        self._values = dict(values)
        self._uploads = dict(uploads)

    def has(self, name: str) -> bool:
        return self._values.get(name) not in (None, "")

    def raw_chat_id(self) -> str | None:
        value = self._values.get("chat_id")
        return None if value in (None, "") else str(value)

    def optional_str(self, name: str) -> str | None:
        value = self._values.get(name)
        if value is None:
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def require_str(self, name: str, missing: str | None = None) -> str:
        value = self.optional_str(name)
        if not value:
            raise bad_request(missing or f"{name} is empty")
        return value

    def optional_int(self, name: str) -> int | None:
        value = self._values.get(name)
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            raise bad_request(f'field "{name}" must be of type Integer')
        if isinstance(value, int):
            return value
        try:
            return int(str(value))
        except ValueError:
            raise bad_request(f'field "{name}" must be of type Integer') from None

    def require_int(self, name: str, missing: str | None = None) -> int:
        value = self.optional_int(name)
        if value is None:
            raise bad_request(missing or f"{name} is empty")
        return value

    def flag(self, name: str) -> bool:
        value = self._values.get(name)
        if isinstance(value, bool):
            return value
        return str(value).lower() in ("true", "1")

    def optional_json(self, name: str, error: str) -> object:
        """The decoded JSON value, or None when absent; ``error`` is the 400 detail."""
        value = self._values.get(name)
        if value in (None, ""):
            return None
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(error) from None

    def input_file(self, name: str) -> Upload | str | None:
        """An uploaded file, or the file_id / URL string sent instead; None when absent."""
        if name in self._uploads:
            return self._uploads[name]
        value = self.optional_str(name)
        if value and value.startswith("attach://"):
            attached = self._uploads.get(value.removeprefix("attach://"))
            if attached is None:
                raise bad_request(f"file {value} not found in the request")
            return attached
        return value or None

    def summary(self) -> dict[str, str]:
        """Parameters as strings (uploads by filename), for violation reports."""
        shown = {key: self.optional_str(key) or "" for key in self._values}
        shown.update({key: f"<file {upload.filename}>" for key, upload in self._uploads.items()})
        return shown


async def read_params(request: web.Request) -> Params:
    """Merge query string and body (form, multipart or JSON) like the Bot API does."""
    values: dict[str, object] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON request body") from None
        if not isinstance(body, dict):
            raise bad_request("JSON request body must be an object")
        values.update(body)
    elif request.can_read_body:
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, FileField):
                content = value.file.read()
                uploads[key] = Upload(value.filename, value.content_type, content)
            elif isinstance(value, bytes):
                values[key] = value.decode()
            else:
                values[key] = value
    return Params(values, uploads)
