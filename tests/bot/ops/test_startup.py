"""Start-up: loud warnings about a missing nurse group, and waiting for the Bot API in one
line per try (naming the URL and the proxy, never the token), with backoff."""

from __future__ import annotations

import logging

import pytest
from telegram.error import NetworkError

from bot.ops import BotApiRefused, startup_warnings, wait_for_bot_api
from bot.sandbox import DEFAULT_TOKEN, BotApiSandbox
from bot.settings import SettingsError, load_settings

CLOSED = "http://127.0.0.1:9/bot"  # nothing listens on the discard port


def test_a_missing_nurse_group_is_the_first_warning() -> None:
    settings = load_settings(_env_file=None, ward_phone="+86 1")
    assert startup_warnings(settings) == [
        "FOLLOWUP_NURSE_CHAT_ID is not set: NO NURSE WILL BE ALERTED. Flag cards and "
        "escalations are not posted anywhere, and patients with urgent answers are told "
        "to call the ward themselves. Set it to the nurses' group id."
    ]
    configured = load_settings(_env_file=None, ward_phone="+86 1", nurse_chat_id=-100)
    assert startup_warnings(configured) == []


async def test_an_unreachable_bot_api_is_one_line_per_try_with_backoff(
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = load_settings(_env_file=None, bot_token="123:SECRET", telegram_api_url=CLOSED)
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    with caplog.at_level(logging.WARNING, "followup.startup"), pytest.raises(NetworkError):
        await wait_for_bot_api(settings, sleep=sleep, max_tries=4)
    assert waits == [1.0, 2.0, 5.0]
    lines = [r.getMessage() for r in caplog.records if r.name == "followup.startup"]
    assert len(lines) == 4
    assert all(line.startswith(f"cannot reach the Bot API at {CLOSED}: ") for line in lines)
    assert all("\n" not in line and "SECRET" not in line for line in lines)
    assert lines[0].endswith("retrying in 1s")


async def test_the_proxy_is_used_and_named_without_its_password(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with BotApiSandbox(token=DEFAULT_TOKEN) as sandbox:
        settings = load_settings(
            _env_file=None, bot_token=DEFAULT_TOKEN, telegram_api_url=sandbox.base_url,
            proxy_url="http://ward:pa55@127.0.0.1:9",
        )  # fmt: skip
        with caplog.at_level(logging.WARNING, "followup.startup"), pytest.raises(NetworkError):
            await wait_for_bot_api(settings, max_tries=1)
        direct = load_settings(
            _env_file=None, bot_token=DEFAULT_TOKEN, telegram_api_url=sandbox.base_url
        )
        assert await wait_for_bot_api(direct, max_tries=1) == sandbox.bot_username
        url = sandbox.base_url
    [line] = [r.getMessage() for r in caplog.records if r.name == "followup.startup"]
    assert f"at {url} via proxy http://127.0.0.1:9: " in line
    assert "pa55" not in line


async def test_a_refused_token_stops_at_once() -> None:
    async with BotApiSandbox(token=DEFAULT_TOKEN) as sandbox:
        bot_id = DEFAULT_TOKEN.partition(":")[0]
        settings = load_settings(
            _env_file=None, bot_token=f"{bot_id}:wrong", telegram_api_url=sandbox.base_url
        )
        with pytest.raises(BotApiRefused, match="refused FOLLOWUP_BOT_TOKEN"):
            await wait_for_bot_api(settings, max_tries=3)


@pytest.mark.parametrize(
    ("proxy", "accepted"),
    [("socks5://127.0.0.1:1080", True), ("http://proxy:3128", True), ("ftp://x", False)],
)
def test_proxy_url_schemes(proxy: str, accepted: bool) -> None:
    if accepted:
        assert load_settings(_env_file=None, proxy_url=proxy).proxy_url == proxy
    else:
        with pytest.raises(SettingsError, match="FOLLOWUP_PROXY_URL: expected http"):
            load_settings(_env_file=None, proxy_url=proxy)
