"""``ControlClient``: drive a sandbox running in another process through ``/_control/``.

Usage::

    async with ControlClient("http://127.0.0.1:8081/_control") as users:
        await users.create_private_chat(42, "Mei", language_code="zh-Hans")
        await users.send_command(42, "start")
        print((await users.next_message(42))["text"])
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import aiohttp

from bot.sandbox.errors import SandboxError
from bot.sandbox.faults import DEFAULT_TIMEOUT_DELAY, FaultKind
from bot.sandbox.types import ChatMemberStatus, JsonDict

__all__ = ["ControlClient"]


class ControlClient:
    """Thin async client; results are the routes' JSON, failures raise SandboxError."""

    def __init__(self, control_url: str) -> None:
        self._url = control_url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> ControlClient:
        self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def _call(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        async with self._session.request(
            method, f"{self._url}{path}", json=body, params=params
        ) as response:
            answer = await response.json()
        if not answer.get("ok"):
            raise SandboxError(str(answer.get("error", f"HTTP {response.status}")))
        return answer["result"]

    async def info(self) -> JsonDict:
        result: JsonDict = await self._call("GET", "")
        return result

    async def add_user(
        self, user_id: int, first_name: str, *, language_code: str | None = "en"
    ) -> JsonDict:
        body = {"user_id": user_id, "first_name": first_name, "language_code": language_code}
        result: JsonDict = await self._call("POST", "/users", body)
        return result

    async def create_private_chat(
        self, user_id: int, first_name: str, *, language_code: str | None = "en"
    ) -> int:
        body = {"user_id": user_id, "first_name": first_name, "language_code": language_code}
        result = await self._call("POST", "/chats/private", body)
        return int(result["chat_id"])

    async def create_group(
        self,
        chat_id: int,
        title: str,
        members: Mapping[int, ChatMemberStatus],
        *,
        supergroup: bool = False,
    ) -> int:
        body = {
            "chat_id": chat_id,
            "title": title,
            "members": {str(user_id): status for user_id, status in members.items()},
            "supergroup": supergroup,
        }
        result = await self._call("POST", "/chats/group", body)
        return int(result["chat_id"])

    async def send_text(self, chat_id: int, text: str, *, user_id: int | None = None) -> JsonDict:
        return await self._act(chat_id, "text", {"text": text, "user_id": user_id})

    async def send_command(
        self, chat_id: int, command: str, args: str = "", *, user_id: int | None = None
    ) -> JsonDict:
        body = {"command": command, "args": args, "user_id": user_id}
        return await self._act(chat_id, "command", body)

    async def press_button(
        self, chat_id: int, label: str, *, user_id: int | None = None
    ) -> JsonDict:
        return await self._act(chat_id, "press", {"label": label, "user_id": user_id})

    async def press_callback_data(
        self, chat_id: int, message_id: int, data: str, *, user_id: int | None = None
    ) -> JsonDict:
        body = {"message_id": message_id, "data": data, "user_id": user_id}
        return await self._act(chat_id, "callback", body)

    async def send_photo(
        self, chat_id: int, content: bytes | None = None, *, caption: str | None = None
    ) -> JsonDict:
        encoded = base64.b64encode(content).decode() if content is not None else None
        return await self._act(chat_id, "photo", {"content_base64": encoded, "caption": caption})

    async def send_location(self, chat_id: int, latitude: float, longitude: float) -> JsonDict:
        return await self._act(chat_id, "location", {"latitude": latitude, "longitude": longitude})

    async def block_bot(self, chat_id: int) -> JsonDict:
        return await self._act(chat_id, "block", {})

    async def unblock_bot(self, chat_id: int) -> JsonDict:
        return await self._act(chat_id, "unblock", {})

    async def transcript(self, chat_id: int) -> JsonDict:
        result: JsonDict = await self._call("GET", f"/chats/{chat_id}/transcript")
        return result

    async def next_message(self, chat_id: int, timeout: float = 30.0) -> JsonDict:  # noqa: ASYNC109
        """The bot's next new or edited message in the chat (see ``wait_for_message``)."""
        params = {"timeout": str(timeout)}
        result: JsonDict = await self._call("GET", f"/chats/{chat_id}/next", params=params)
        return result

    async def download(self, url: str) -> bytes:
        """Bytes of a photo or document, from the ``url`` a transcript gives."""
        if self._session is None:
            self._session = aiohttp.ClientSession()
        async with self._session.get(url) as response:
            if response.status != 200:
                raise SandboxError(f"no file at {url}")
            return await response.read()

    async def violations(self) -> list[JsonDict]:
        result: list[JsonDict] = await self._call("GET", "/violations")
        return result

    async def stats(self) -> JsonDict:
        result: JsonDict = await self._call("GET", "/stats")
        return result

    async def add_fault(
        self,
        method: str = "sendMessage",
        kind: FaultKind = "429",
        *,
        times: int | None = None,
        rate: float | None = None,
        retry_after: int = 2,
        chat_id: int | None = None,
        delay: float = DEFAULT_TIMEOUT_DELAY,
        deliver_then_timeout: bool = False,
    ) -> JsonDict:
        body = {
            "method": method,
            "kind": kind,
            "times": times,
            "rate": rate,
            "retry_after": retry_after,
            "chat_id": chat_id,
            "delay": delay,
            "deliver_then_timeout": deliver_then_timeout,
        }
        result: JsonDict = await self._call("POST", "/faults", body)
        return result

    async def clear_faults(self) -> None:
        await self._call("DELETE", "/faults")

    async def redeliver(self, update_id: int) -> None:
        await self._call("POST", f"/updates/{update_id}/redeliver")

    async def _act(self, chat_id: int, action: str, body: Mapping[str, Any]) -> JsonDict:
        result: JsonDict = await self._call("POST", f"/chats/{chat_id}/{action}", body)
        return result
