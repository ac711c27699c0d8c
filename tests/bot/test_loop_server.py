"""One way to serve an app inside the running loop: started, answering, stopped, and a
taken port refused with what was to be served."""

from __future__ import annotations

import socket

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from bot.loop_server import LoopServer


def _app() -> Starlette:
    return Starlette(routes=[Route("/", lambda _: PlainTextResponse("here"))])


async def test_serves_until_stopped_on_the_port_it_was_given() -> None:
    server = LoopServer(_app(), "127.0.0.1", 0, what="the test page")
    await server.start()
    try:
        async with httpx.AsyncClient() as client:
            answer = await client.get(f"http://127.0.0.1:{server.port}/")
        assert answer.text == "here"
    finally:
        await server.stop()
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient() as client:
            await client.get(f"http://127.0.0.1:{server.port}/")


async def test_a_taken_port_is_refused_naming_what_was_to_be_served() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = LoopServer(_app(), "127.0.0.1", port, what="the test page")
        with pytest.raises(OSError, match=rf"cannot serve the test page on 127.0.0.1:{port}"):
            await server.start()
