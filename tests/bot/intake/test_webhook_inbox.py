"""Webhook mode: Telegram hears 200 only once the update is stored, so a crash right after
loses nothing; a wrong secret token is refused."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import ALLOWED_UPDATES, build_bot, build_services
from bot.telegram.webhook import SECRET_HEADER, WebhookServer, serve_webhook, webhook_app
from tests.bot.e2e.conftest import Harness
from tests.bot.intake.test_inbox import CHAT, inbox_rows, onboard, shown, stored_answers

SECRET = "webhook-secret-0123456789"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_tap_acknowledged_by_the_webhook_survives_a_crash_right_after(
    harness: Harness, engine: AsyncEngine
) -> None:
    h = harness
    await onboard(h)
    await h.stop_bot()
    # A webhook process that stores and acknowledges updates, then dies unhandled.
    services = build_services(h.settings, h.clock)
    bot = build_bot(services, jobs=False)
    await bot.application.initialize()
    port = free_port()
    server = WebhookServer(webhook_app(bot.application, bot.inbox, path="hook", secret=SECRET),
                           "127.0.0.1", port)  # fmt: skip
    await server.start()
    await bot.application.bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token=SECRET)

    await h.sandbox.press_button(CHAT, "8")
    tap = await asyncio.wait_for(bot.application.update_queue.get(), timeout=10)
    await server.stop()  # the crash: the update was never handled
    await bot.application.shutdown()
    await services.close()

    assert h.sandbox.pending_update_count == 0, "Telegram had its 200: it will not resend"
    assert (tap.update_id, False) in await inbox_rows(engine)
    assert await stored_answers(engine, "leg_pain") == []

    await h.restart_bot()  # replayed from the inbox
    await h.next_message(CHAT, "2/")
    await h.stop_bot()
    assert await stored_answers(engine, "leg_pain") == [8]
    assert shown(h, "2/") == 1
    assert all(handled for _, handled in await inbox_rows(engine))


async def test_the_webhook_refuses_a_wrong_secret_and_stores_nothing(
    harness: Harness, engine: AsyncEngine
) -> None:
    h = harness
    app = webhook_app(h.bot.application, h.bot.inbox, path="hook", secret=SECRET)
    update = {"update_id": 77, "message": {"message_id": 1, "date": 0,
                                           "chat": {"id": CHAT, "type": "private"}}}  # fmt: skip
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
        wrong = await client.post("/hook", json=update, headers={SECRET_HEADER: "guess"})
        missing = await client.post("/hook", json=update)
        garbled = await client.post("/hook", content=b"{", headers={SECRET_HEADER: SECRET})
    assert (wrong.status_code, missing.status_code, garbled.status_code) == (403, 403, 400)
    assert await inbox_rows(engine) == []


async def test_a_bot_behind_the_webhook_answers_taps_and_marks_them_handled(
    harness: Harness, engine: AsyncEngine
) -> None:
    h = harness
    await onboard(h)
    await h.stop_bot()
    polled = await inbox_rows(engine)
    services = build_services(h.settings, h.clock)
    bot = build_bot(services, jobs=False)
    port = free_port()
    stop = asyncio.Event()
    serve = serve_webhook(
        bot.application, bot.inbox, listen="127.0.0.1", port=port, url_path="/hook",
        webhook_url=f"http://127.0.0.1:{port}/hook", secret=SECRET,
        allowed_updates=ALLOWED_UPDATES, stop=stop,
    )  # fmt: skip
    serving = asyncio.create_task(serve)
    try:
        await h.sandbox.press_button(CHAT, "8")
        await h.next_message(CHAT, "2/")
    finally:
        stop.set()
        await serving
    assert h.sandbox.webhook_info["url"] == f"http://127.0.0.1:{port}/hook"
    assert await stored_answers(engine, "leg_pain") == [8]
    rows = await inbox_rows(engine)
    assert len(rows) == len(polled) + 1 and all(handled for _, handled in rows)


async def test_an_update_the_database_could_not_store_is_refused_and_delivered_again(
    harness: Harness, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = harness
    await onboard(h)
    await h.stop_bot()
    services = build_services(h.settings, h.clock)
    bot = build_bot(services, jobs=False)
    keep, refused = bot.inbox.keep, []

    async def database_away_once(payload: dict[str, Any]) -> None:
        if not refused:
            refused.append(payload["update_id"])
            raise ConnectionError("the database does not answer")
        await keep(payload)

    monkeypatch.setattr(bot.inbox, "keep", database_away_once)
    port, stop = free_port(), asyncio.Event()
    serve = serve_webhook(
        bot.application, bot.inbox, listen="127.0.0.1", port=port, url_path="/hook",
        webhook_url=f"http://127.0.0.1:{port}/hook", secret=SECRET,
        allowed_updates=ALLOWED_UPDATES, stop=stop,
    )  # fmt: skip
    serving = asyncio.create_task(serve)
    try:
        await h.sandbox.press_button(CHAT, "8")
        await h.next_message(CHAT, "2/")  # Telegram tried again after the 503
    finally:
        stop.set()
        await serving
    assert len(refused) == 1
    assert "503" in (h.sandbox.webhook_info.get("last_error_message") or "")
    assert await stored_answers(engine, "leg_pain") == [8]
    assert shown(h, "2/") == 1
