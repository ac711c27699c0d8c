"""``/web`` from the running bot: the dashboard's accounts are loaded when first asked for."""

from __future__ import annotations

from tests.bot.e2e.conftest import NURSE, Harness


async def test_a_nurse_gets_a_one_time_sign_in_link(harness: Harness) -> None:
    await harness.sandbox.send_command(NURSE, "web")

    message = await harness.next_message(NURSE, "sign-in link")

    assert "/signin/link/" in (message.text or "")
