"""The sign-in limit holds across processes: two dashboard apps on one database count the
same refused sign-ins, per account name and per client address."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import httpx
import pytest

from bot.clock import FakeClock
from bot.nurse.service import NurseService
from bot.services.replies import Edit, Keyboard, Outgoing
from bot.settings import load_settings
from bot.web import WebContext, build_web_context, create_web_app
from storage.audit import list_audit
from storage.db import create_engine, session_factory
from surveys.loader import load_default_survey

START = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
PASSWORD = "correct horse battery"


class _Quiet:
    async def send(self, chat_id: int, message: Outgoing) -> int:
        return 1

    async def edit(self, chat_id: int, edit: Edit) -> None:
        return None

    async def send_photo(
        self, chat_id: int, png: bytes, caption: str, keyboard: Keyboard = ()
    ) -> int:
        return 1


class Process:
    """One dashboard process: its own engine and app on the shared database."""

    def __init__(self, web: WebContext) -> None:
        self.web = web
        self.app = create_web_app(web)

    async def sign_in(self, address: str, name: str, password: str) -> int:
        transport = httpx.ASGITransport(app=self.app, client=(address, 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://ward") as client:
            form = (await client.get("/signin")).text
            token = form.split('name="csrf" value="', 1)[1].split('"', 1)[0]
            response = await client.post(
                "/signin", data={"csrf": token, "name": name, "password": password}
            )
        return response.status_code


@pytest.fixture
async def processes(db_url: str) -> AsyncIterator[tuple[Process, Process, FakeClock]]:
    clock = FakeClock(START)
    settings = load_settings(_env_file=None, database_url=db_url, web_secret="shared secret")
    survey = load_default_survey()
    async with AsyncExitStack() as stack:
        made = []
        for _ in range(2):
            engine = create_engine(db_url)
            stack.push_async_callback(engine.dispose)
            sessions = session_factory(engine)
            service = NurseService(sessions, survey, settings, clock, _Quiet())
            made.append(Process(build_web_context(sessions, survey, settings, clock, service)))
        await made[0].web.accounts.add("Ana", PASSWORD)
        yield made[0], made[1], clock


async def test_failures_in_two_processes_add_up_per_name(
    processes: tuple[Process, Process, FakeClock],
) -> None:
    one, two, clock = processes
    for _ in range(3):
        assert await one.sign_in("10.0.0.1", "Ana", "wrong password") == 401
    for _ in range(2):
        assert await two.sign_in("10.0.0.2", " ana ", "wrong password") == 401

    # the name has had five failures, whichever process saw them: even the right password waits
    assert await two.sign_in("10.0.0.3", "Ana", PASSWORD) == 429
    assert await one.sign_in("10.0.0.3", "Ana", PASSWORD) == 429
    async with one.web.sessions() as session:
        limited = await list_audit(session, action="web.signin_limited")
    assert [(a.actor, a.detail) for a in limited] == [
        ("web:Ana", {"name": "ana", "address": "10.0.0.3"}),
    ] * 2

    clock.advance(dt.timedelta(minutes=15))  # the oldest failures leave the window
    assert await one.sign_in("10.0.0.3", "Ana", PASSWORD) == 303


async def test_failures_in_two_processes_add_up_per_address(
    processes: tuple[Process, Process, FakeClock],
) -> None:
    one, two, _ = processes
    for name in ("Bob", "Carl", "Dee"):
        assert await one.sign_in("10.0.0.9", name, "wrong password") == 401
    for name in ("Eve", "Fay"):
        assert await two.sign_in("10.0.0.9", name, "wrong password") == 401

    assert await one.sign_in("10.0.0.9", "Ana", PASSWORD) == 429  # the address, any name
    assert await two.sign_in("10.0.0.10", "Ana", PASSWORD) == 303  # elsewhere: fine


async def test_a_successful_sign_in_forgets_the_names_failures(
    processes: tuple[Process, Process, FakeClock],
) -> None:
    one, two, clock = processes
    for _ in range(4):
        assert await one.sign_in("10.0.0.1", "Ana", "wrong password") == 401
    clock.advance(dt.timedelta(minutes=1))
    assert await two.sign_in("10.0.0.2", "Ana", PASSWORD) == 303
    clock.advance(dt.timedelta(minutes=1))
    assert await two.sign_in("10.0.0.3", "Ana", "wrong password") == 401
    assert await one.sign_in("10.0.0.4", "Ana", PASSWORD) == 303  # 1 since the success, not 5
