"""Bot API requests over httpcore, the connection pool under python-telegram-bot's httpx.

python-telegram-bot sends every call through ``HTTPXRequest``, an httpx client: per call it
builds a request object, parses the URL, runs the auth, redirect and cookie layers and then
hands the bytes to httpcore. The bot makes two calls per tap (answer the button, edit the
message) and the client layers cost more CPU than the rest of the call (about 0.6 ms of
1.4 ms against a loopback server). :class:`PlainRequest` is python-telegram-bot's
``BaseRequest`` over httpcore's pool directly: the same connections, timeouts, TLS (httpcore's
default context, certifi's roots) and error classes (``TimedOut``, ``NetworkError``), with
the form encoded by the standard library. Calls carrying files (charts, exports) are rare and
keep httpx's multipart encoder. With a proxy configured the bot uses ``HTTPXRequest`` as
before (see :func:`bot_requests`).
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import httpcore
import httpx
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

__all__ = ["PlainRequest", "bot_requests"]

BOT_POOL = 256
"""Connections for the bot's calls, as python-telegram-bot's default request has."""
_FORM = b"application/x-www-form-urlencoded"
_NETWORK = (
    httpcore.NetworkError, httpcore.ProtocolError, httpcore.ProxyError,
    httpcore.UnsupportedProtocol,
)  # fmt: skip


class PlainRequest(BaseRequest):
    """``BaseRequest`` over an ``httpcore.AsyncConnectionPool``."""

    def __init__(
        self,
        connection_pool_size: int = 1,
        *,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._size = connection_pool_size
        self._timeouts = {"read": read_timeout, "write": write_timeout,
                          "connect": connect_timeout, "pool": pool_timeout}  # fmt: skip
        self._media_write_timeout = media_write_timeout
        self._pool: httpcore.AsyncConnectionPool | None = None
        self._hosts: dict[str, bytes] = {}  # Host header by URL (one per Bot API method)

    @property
    def read_timeout(self) -> float | None:
        return self._timeouts["read"]

    async def initialize(self) -> None:
        if self._pool is None:
            self._pool = httpcore.AsyncConnectionPool(
                max_connections=self._size, max_keepalive_connections=self._size,
                keepalive_expiry=5.0,
            )  # fmt: skip

    async def shutdown(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.aclose()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._pool is None:
            raise RuntimeError("This PlainRequest is not initialized!")
        headers, body = self._encode(url, request_data)
        files = request_data is not None and request_data.contains_files
        given = {"read": read_timeout, "write": write_timeout,
                 "connect": connect_timeout, "pool": pool_timeout}  # fmt: skip
        timeouts = {
            name: (self._default(name, files) if isinstance(value, DefaultValue) else value)
            for name, value in given.items()
        }
        try:
            response = await self._pool.request(
                method, url, headers=headers, content=body, extensions={"timeout": timeouts}
            )
        except httpcore.PoolTimeout as err:
            raise TimedOut(
                "Pool timeout: all connections in the pool are busy; the request was not sent"
            ) from err
        except httpcore.TimeoutException as err:
            raise TimedOut from err
        except _NETWORK as err:
            raise NetworkError(f"httpcore.{err.__class__.__name__}: {err}") from err
        return response.status, response.content

    def _default(self, name: str, files: bool) -> float | None:
        if name == "write" and files:
            return self._media_write_timeout
        return self._timeouts[name]

    def _encode(
        self, url: str, request_data: RequestData | None
    ) -> tuple[list[tuple[bytes, bytes]], bytes]:
        host = self._hosts.get(url)
        if host is None:
            host = self._hosts.setdefault(url, urlsplit(url).netloc.encode("ascii"))
        headers = [(b"Host", host), (b"User-Agent", self.USER_AGENT.encode("ascii"))]
        if request_data is None:
            headers.append((b"Content-Length", b"0"))
            return headers, b""
        if request_data.contains_files:  # multipart, as python-telegram-bot's httpx builds it
            built = httpx.Request(
                "POST", url, data=request_data.json_parameters, files=request_data.multipart_data
            )
            body = built.read()
            headers.append((b"Content-Type", built.headers["Content-Type"].encode("ascii")))
        else:
            body = urlencode(request_data.json_parameters).encode("ascii")
            headers.append((b"Content-Type", _FORM))
        headers.append((b"Content-Length", str(len(body)).encode("ascii")))
        return headers, body


def bot_requests(read_timeout: float | None, proxy: str | None) -> tuple[BaseRequest, BaseRequest]:
    """The bot's request objects: for its calls, and for ``getUpdates`` (one connection).

    Behind a proxy (HTTP or SOCKS5) python-telegram-bot's own httpx request, which speaks
    both; otherwise :class:`PlainRequest`.
    """
    if proxy is not None:
        return (
            HTTPXRequest(BOT_POOL, read_timeout=read_timeout, proxy=proxy),
            HTTPXRequest(1, proxy=proxy),
        )
    return PlainRequest(BOT_POOL, read_timeout=read_timeout), PlainRequest(1)
