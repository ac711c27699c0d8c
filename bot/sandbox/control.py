"""JSON routes under ``/_control/`` mirroring the in-process control API.

They let a terminal demo in another process play the users: create chats, send text and
commands, press buttons, read transcripts and wait for the bot's next message. Every
answer is ``{"ok": true, "result": ...}`` or ``{"ok": false, "error": "..."}``.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, ValidationError

from bot.sandbox.errors import SandboxError
from bot.sandbox.faults import DEFAULT_TIMEOUT_DELAY, FaultKind
from bot.sandbox.types import ChatMemberStatus, SentFile, SentMessage, UserUpdate

if TYPE_CHECKING:
    from bot.sandbox.sandbox import BotApiSandbox

__all__ = ["control_routes", "sent_message_json"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _User(_Body):
    user_id: int
    first_name: str
    language_code: str | None = "en"
    last_name: str | None = None
    username: str | None = None


class _Group(_Body):
    chat_id: int
    title: str
    members: dict[int, ChatMemberStatus] = {}
    supergroup: bool = False
    bot_status: ChatMemberStatus = "member"


class _Member(_Body):
    user_id: int
    status: ChatMemberStatus


class _Actor(_Body):
    user_id: int | None = None


class _Text(_Actor):
    text: str
    reply_to: int | None = None


class _Command(_Actor):
    command: str
    args: str = ""


class _Press(_Actor):
    label: str
    message_id: int | None = None


class _CallbackData(_Actor):
    message_id: int
    data: str


class _Sticker(_Actor):
    emoji: str = "👍"


class _Photo(_Actor):
    content_base64: str | None = None
    caption: str | None = None


class _Voice(_Actor):
    duration: int = 3


class _Location(_Actor):
    latitude: float
    longitude: float


class _Contact(_Actor):
    phone_number: str
    first_name: str | None = None


class _Edit(_Body):
    message_id: int
    text: str


class _Fault(_Body):
    method: str = "sendMessage"
    kind: FaultKind = "429"
    times: int | None = None
    rate: float | None = None
    retry_after: int = 2
    chat_id: int | str | None = None
    delay: float = DEFAULT_TIMEOUT_DELAY
    deliver_then_timeout: bool = False


def _ok(result: object) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _fail(status: int, error: str) -> web.Response:
    return web.json_response({"ok": False, "error": error}, status=status)


def _update_json(update: UserUpdate) -> dict[str, Any]:
    return {
        "update_id": update.update_id,
        "type": update.type,
        "queued": update.queued,
        "message_id": update.message_id,
        "callback_query_id": update.callback_query_id,
    }


def _file_json(sent: SentFile | None, files_url: str) -> dict[str, Any] | None:
    if sent is None:
        return None
    return {
        "file_id": sent.file_id,
        "filename": sent.filename,
        "mime_type": sent.mime_type,
        "size": len(sent.content) if sent.content is not None else None,
        "url": sent.url or f"{files_url}/{sent.file_id}",
    }


def sent_message_json(message: SentMessage, files_url: str) -> dict[str, Any]:
    """A bot message as JSON; file contents are replaced by a download URL."""
    data = {
        field.name: getattr(message, field.name)
        for field in dataclasses.fields(message)
        if field.name not in ("photo", "document", "history", "links")
    }
    data["links"] = dict(message.links)
    data["history"] = [dataclasses.asdict(version) for version in message.history]
    data["photo"] = _file_json(message.photo, files_url)
    data["document"] = _file_json(message.document, files_url)
    return data


def _guarded(handler: Handler) -> Handler:
    async def guarded(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except ValidationError as error:
            return _fail(400, str(error))
        except SandboxError as error:
            return _fail(400, str(error))
        except TimeoutError as error:
            return _fail(408, str(error))

    return guarded


async def _body(request: web.Request) -> bytes:
    raw = await request.read()
    return raw or b"{}"


def control_routes(sandbox: BotApiSandbox) -> list[web.RouteDef]:
    """The ``/_control/`` routes driving ``sandbox``."""

    def files_url(request: web.Request) -> str:
        return f"{request.url.origin()}/_control/files"

    def chat_id(request: web.Request) -> int:
        try:
            return int(request.match_info["chat_id"])
        except ValueError:
            raise SandboxError("chat id must be an integer") from None

    async def info(request: web.Request) -> web.StreamResponse:
        return _ok(
            {
                "bot_user_id": sandbox.bot_user_id,
                "bot_username": sandbox.bot_username,
                "base_url": sandbox.base_url,
                "base_file_url": sandbox.base_file_url,
                "webhook": sandbox.webhook_info,
            }
        )

    async def add_user(request: web.Request) -> web.StreamResponse:
        body = _User.model_validate_json(await _body(request))
        user = sandbox.add_user(
            body.user_id,
            body.first_name,
            language_code=body.language_code,
            last_name=body.last_name,
            username=body.username,
        )
        return _ok(user.to_api())

    async def private_chat(request: web.Request) -> web.StreamResponse:
        body = _User.model_validate_json(await _body(request))
        user = sandbox.create_private_chat(
            body.user_id,
            body.first_name,
            language_code=body.language_code,
            last_name=body.last_name,
            username=body.username,
        )
        return _ok({"chat_id": user.user_id, "user": user.to_api()})

    async def group(request: web.Request) -> web.StreamResponse:
        body = _Group.model_validate_json(await _body(request))
        created = sandbox.create_group(
            body.chat_id,
            body.title,
            body.members,
            supergroup=body.supergroup,
            bot_status=body.bot_status,
        )
        return _ok({"chat_id": created})

    async def member(request: web.Request) -> web.StreamResponse:
        body = _Member.model_validate_json(await _body(request))
        update = await sandbox.set_member_status(chat_id(request), body.user_id, body.status)
        return _ok(_update_json(update))

    async def text(request: web.Request) -> web.StreamResponse:
        body = _Text.model_validate_json(await _body(request))
        update = await sandbox.send_text(
            chat_id(request), body.text, user_id=body.user_id, reply_to=body.reply_to
        )
        return _ok(_update_json(update))

    async def command(request: web.Request) -> web.StreamResponse:
        body = _Command.model_validate_json(await _body(request))
        update = await sandbox.send_command(
            chat_id(request), body.command, body.args, user_id=body.user_id
        )
        return _ok(_update_json(update))

    async def press(request: web.Request) -> web.StreamResponse:
        body = _Press.model_validate_json(await _body(request))
        update = await sandbox.press_button(
            chat_id(request), body.label, user_id=body.user_id, message_id=body.message_id
        )
        return _ok(_update_json(update))

    async def callback_data(request: web.Request) -> web.StreamResponse:
        body = _CallbackData.model_validate_json(await _body(request))
        update = await sandbox.press_callback_data(
            chat_id(request), body.message_id, body.data, user_id=body.user_id
        )
        return _ok(_update_json(update))

    async def sticker(request: web.Request) -> web.StreamResponse:
        body = _Sticker.model_validate_json(await _body(request))
        update = await sandbox.send_sticker(chat_id(request), body.emoji, user_id=body.user_id)
        return _ok(_update_json(update))

    async def photo(request: web.Request) -> web.StreamResponse:
        body = _Photo.model_validate_json(await _body(request))
        if body.content_base64 is None:
            update = await sandbox.send_photo(
                chat_id(request), caption=body.caption, user_id=body.user_id
            )
        else:
            try:
                content = base64.b64decode(body.content_base64, validate=True)
            except binascii.Error:
                raise SandboxError("content_base64 is not valid base64") from None
            update = await sandbox.send_photo(
                chat_id(request), content, caption=body.caption, user_id=body.user_id
            )
        return _ok(_update_json(update))

    async def voice(request: web.Request) -> web.StreamResponse:
        body = _Voice.model_validate_json(await _body(request))
        update = await sandbox.send_voice(
            chat_id(request), duration=body.duration, user_id=body.user_id
        )
        return _ok(_update_json(update))

    async def location(request: web.Request) -> web.StreamResponse:
        body = _Location.model_validate_json(await _body(request))
        update = await sandbox.send_location(
            chat_id(request), body.latitude, body.longitude, user_id=body.user_id
        )
        return _ok(_update_json(update))

    async def contact(request: web.Request) -> web.StreamResponse:
        body = _Contact.model_validate_json(await _body(request))
        update = await sandbox.send_contact(
            chat_id(request), body.phone_number, first_name=body.first_name, user_id=body.user_id
        )
        return _ok(_update_json(update))

    async def edit(request: web.Request) -> web.StreamResponse:
        body = _Edit.model_validate_json(await _body(request))
        update = await sandbox.edit_text(chat_id(request), body.message_id, body.text)
        return _ok(_update_json(update))

    async def block(request: web.Request) -> web.StreamResponse:
        body = _Actor.model_validate_json(await _body(request))
        return _ok(_update_json(await sandbox.block_bot(chat_id(request), user_id=body.user_id)))

    async def unblock(request: web.Request) -> web.StreamResponse:
        body = _Actor.model_validate_json(await _body(request))
        update = await sandbox.unblock_bot(chat_id(request), user_id=body.user_id)
        return _ok(_update_json(update))

    async def transcript(request: web.Request) -> web.StreamResponse:
        found = sandbox.transcript(chat_id(request))
        return _ok(
            {
                "chat_id": found.chat_id,
                "messages": [sent_message_json(m, files_url(request)) for m in found.messages],
                "user_messages": [dataclasses.asdict(m) for m in found.user_messages],
                "callback_answers": [dataclasses.asdict(a) for a in found.callback_answers],
                "chat_actions": list(found.chat_actions),
            }
        )

    async def next_message(request: web.Request) -> web.StreamResponse:
        try:
            timeout = float(request.query.get("timeout", "5"))
        except ValueError:
            raise SandboxError("timeout must be a number of seconds") from None
        message = await sandbox.wait_for_message(chat_id(request), timeout=timeout)
        return _ok(sent_message_json(message, files_url(request)))

    async def violations(request: web.Request) -> web.StreamResponse:
        return _ok([dataclasses.asdict(violation) for violation in sandbox.violations])

    async def stats(request: web.Request) -> web.StreamResponse:
        return _ok(dataclasses.asdict(sandbox.rate_stats))

    async def add_fault(request: web.Request) -> web.StreamResponse:
        body = _Fault.model_validate_json(await _body(request))
        try:
            fault = sandbox.faults.add(**body.model_dump())
        except ValueError as error:
            raise SandboxError(str(error)) from None
        return _ok(dataclasses.asdict(fault))

    async def clear_faults(request: web.Request) -> web.StreamResponse:
        sandbox.faults.clear()
        return _ok(True)

    async def redeliver(request: web.Request) -> web.StreamResponse:
        try:
            update_id = int(request.match_info["update_id"])
        except ValueError:
            raise SandboxError("update id must be an integer") from None
        await sandbox.redeliver(update_id)
        return _ok(True)

    async def file(request: web.Request) -> web.StreamResponse:
        found = sandbox.file(request.match_info["file_id"])
        if found is None or found.content is None:
            return _fail(404, "no such file")
        content_type = found.mime_type or "application/octet-stream"
        return web.Response(body=found.content, content_type=content_type)

    chat = "/_control/chats/{chat_id}"
    table: list[tuple[str, str, Handler]] = [
        ("GET", "/_control", info),
        ("POST", "/_control/users", add_user),
        ("POST", "/_control/chats/private", private_chat),
        ("POST", "/_control/chats/group", group),
        ("POST", f"{chat}/members", member),
        ("POST", f"{chat}/text", text),
        ("POST", f"{chat}/command", command),
        ("POST", f"{chat}/press", press),
        ("POST", f"{chat}/callback", callback_data),
        ("POST", f"{chat}/sticker", sticker),
        ("POST", f"{chat}/photo", photo),
        ("POST", f"{chat}/voice", voice),
        ("POST", f"{chat}/location", location),
        ("POST", f"{chat}/contact", contact),
        ("POST", f"{chat}/edit", edit),
        ("POST", f"{chat}/block", block),
        ("POST", f"{chat}/unblock", unblock),
        ("GET", f"{chat}/transcript", transcript),
        ("GET", f"{chat}/next", next_message),
        ("GET", "/_control/violations", violations),
        ("GET", "/_control/stats", stats),
        ("POST", "/_control/faults", add_fault),
        ("DELETE", "/_control/faults", clear_faults),
        ("POST", "/_control/updates/{update_id}/redeliver", redeliver),
        ("GET", "/_control/files/{file_id}", file),
    ]
    return [web.route(method, path, _guarded(handler)) for method, path, handler in table]
