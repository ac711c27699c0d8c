"""The Bot API request over httpcore: what reaches the server, and failures as
python-telegram-bot's errors (the patient handlers retry on those)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import parse_qs

import pytest
from telegram import InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import HTTPXRequest, RequestData
from telegram.request._requestparameter import RequestParameter

from bot.telegram.plain_request import PlainRequest, bot_requests

ANSWER = b'{"ok":true,"result":true}'


class Server:
    """A loopback HTTP/1.1 server that records each request and answers ``ANSWER`` (or
    nothing, when ``silent``)."""

    def __init__(self) -> None:
        self.requests: list[tuple[bytes, dict[bytes, bytes], bytes]] = []
        self.silent = False
        self.port = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                line, *fields = head.rstrip(b"\r\n").split(b"\r\n")
                headers = {k.lower(): v.strip() for k, v in (f.split(b":", 1) for f in fields)}
                body = await reader.readexactly(int(headers.get(b"content-length", b"0")))
                self.requests.append((line, headers, body))
                if self.silent:
                    continue
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (len(ANSWER), ANSWER))  # fmt: skip
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    state = Server()
    listening = await asyncio.start_server(state.handle, "127.0.0.1", 0)
    state.port = listening.sockets[0].getsockname()[1]
    async with listening:
        yield state


@pytest.fixture
async def request_() -> AsyncIterator[PlainRequest]:
    plain = PlainRequest(4, read_timeout=0.05)
    await plain.initialize()
    yield plain
    await plain.shutdown()


def data(**params: object) -> RequestData:
    return RequestData([RequestParameter.from_input(k, v) for k, v in params.items()])


async def test_a_call_is_a_form_post_with_the_host_and_python_telegram_bots_agent(
    server: Server, request_: PlainRequest
) -> None:
    url = f"http://127.0.0.1:{server.port}/bot1:t/editMessageText"
    status, body = await request_.do_request(
        url, "POST", data(chat_id=7, text="Leg pain\n✔ 8", reply_markup={"a": [1]})
    )
    again = await request_.do_request(url, "POST", data(chat_id=7, text="again"))

    assert (status, body, again) == (200, ANSWER, (200, ANSWER))
    (line, headers, sent), _ = server.requests
    assert line == b"POST /bot1:t/editMessageText HTTP/1.1"
    assert headers[b"host"] == f"127.0.0.1:{server.port}".encode()
    assert headers[b"user-agent"] == PlainRequest.USER_AGENT.encode()
    assert headers[b"content-type"] == b"application/x-www-form-urlencoded"
    assert parse_qs(sent.decode()) == {
        "chat_id": ["7"], "text": ["Leg pain\n✔ 8"], "reply_markup": ['{"a": [1]}'],
    }  # fmt: skip


async def test_a_file_goes_as_multipart_with_the_other_fields(
    server: Server, request_: PlainRequest
) -> None:
    url = f"http://127.0.0.1:{server.port}/bot1:t/sendPhoto"
    photo = InputFile(b"\x89PNG chart", filename="chart.png", attach=True)

    await request_.do_request(url, "POST", data(chat_id=7, caption="Your recovery", photo=photo))

    [(_, headers, sent)] = server.requests
    assert headers[b"content-type"].startswith(b"multipart/form-data; boundary=")
    assert int(headers[b"content-length"]) == len(sent)
    assert b"\x89PNG chart" in sent and b'filename="chart.png"' in sent
    assert b'name="caption"\r\n\r\nYour recovery' in sent


async def test_a_call_without_parameters_says_its_body_is_empty(
    server: Server, request_: PlainRequest
) -> None:
    await request_.do_request(f"http://127.0.0.1:{server.port}/bot1:t/getMe", "POST")

    [(line, headers, sent)] = server.requests
    assert (line, headers[b"content-length"], sent) == (b"POST /bot1:t/getMe HTTP/1.1", b"0", b"")


async def test_no_answer_in_time_is_timed_out(server: Server, request_: PlainRequest) -> None:
    server.silent = True
    with pytest.raises(TimedOut):
        await request_.do_request(f"http://127.0.0.1:{server.port}/bot1:t/sendMessage", "POST")


async def test_nobody_listening_is_a_network_error(request_: PlainRequest) -> None:
    closed = await asyncio.start_server(lambda *_: None, "127.0.0.1", 0)
    port = closed.sockets[0].getsockname()[1]
    closed.close()
    await closed.wait_closed()

    with pytest.raises(NetworkError, match=r"httpcore\.ConnectError"):
        await request_.do_request(f"http://127.0.0.1:{port}/bot1:t/getMe", "POST")


async def test_a_request_not_initialized_refuses_to_send() -> None:
    with pytest.raises(RuntimeError, match="not initialized"):
        await PlainRequest().do_request("http://127.0.0.1:1/bot1:t/getMe", "POST")


def test_behind_a_proxy_the_bot_keeps_python_telegram_bots_httpx_request() -> None:
    calls, polling = bot_requests(7.0, "socks5://proxy.ward.example:1080")
    direct_calls, direct_polling = bot_requests(7.0, None)

    assert isinstance(calls, HTTPXRequest) and isinstance(polling, HTTPXRequest)
    assert calls.read_timeout == 7.0
    assert isinstance(direct_calls, PlainRequest) and isinstance(direct_polling, PlainRequest)
    assert direct_calls.read_timeout == 7.0
