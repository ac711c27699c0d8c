"""Kill -9 mid-send: what a dead process had claimed (urgent advice, a due check-in) goes
out exactly once as soon as the bot is back, not after a lease."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import sys
from pathlib import Path

from sqlalchemy import select

from storage.models import Checkin, OutboxMessage
from tests.bot.e2e.conftest import Harness
from tests.bot.e2e.test_patient_conversation import CHAT
from tests.bot.e2e.test_urgent_advice import FEVER, advice_count, reach_red_flag_question

ROOT = Path(__file__).resolve().parents[3]
DAY_3_OPENING = "Time for your check-in (day 3"


def environment(h: Harness) -> dict[str, str]:
    s = h.settings
    assert s.bot_token is not None and s.nurse_chat_id is not None
    return {
        **os.environ,
        "FOLLOWUP_BOT_TOKEN": s.bot_token.get_secret_value(),
        "FOLLOWUP_TELEGRAM_API_URL": s.telegram_api_url,
        "FOLLOWUP_DATABASE_URL": s.database_url,
        "FOLLOWUP_NURSE_CHAT_ID": str(s.nurse_chat_id),
        "FOLLOWUP_WARD_PHONE": s.ward_phone or "",
        "FOLLOWUP_DEFAULT_TIMEZONE": s.default_timezone,
        "FOLLOWUP_BOT_USERNAME": s.bot_username,
        "FOLLOWUP_INSTANCE_NAME": "doomed",
    }


async def claims(h: Harness) -> tuple[list[str | None], list[str | None]]:
    """Who holds the outbox rows and the ``sending`` check-ins."""
    async with h.services.sessions() as session:
        outbox = await session.scalars(
            select(OutboxMessage.claimed_by).where(OutboxMessage.status == "sending")
        )
        checkins = await session.scalars(
            select(Checkin.claimed_by).where(Checkin.status == "sending")
        )
        return list(outbox), list(checkins)


async def test_advice_and_a_check_in_claimed_by_a_killed_process_go_out_once_at_restart(
    harness: Harness,
) -> None:
    h = harness
    await reach_red_flag_question(h)
    failed = h.sandbox.faults.add("sendMessage", "500", times=1, chat_id=CHAT)
    await h.sandbox.press_button(CHAT, FEVER)  # stored with its advice; the send fails
    await h.next_message(CHAT, "6/")
    assert (failed.fired, advice_count(h)) == (1, 0)
    h.clock.advance(dt.timedelta(days=2))  # the advice is due again, and so is day 3

    hang = h.sandbox.faults.add("sendMessage", "timeout", rate=1.0, chat_id=CHAT, delay=8)
    doomed = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.bot.e2e.dying_process", h.clock.now().isoformat(),
        cwd=ROOT, env=environment(h),
    )  # fmt: skip
    try:
        for _ in range(300):  # it claims both, then its sends hang
            outbox, checkins = await claims(h)
            if outbox and checkins and hang.fired:
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError(f"not both claimed: {await claims(h)}, {doomed.returncode}")
    finally:
        doomed.send_signal(signal.SIGKILL)  # kill -9, mid-send
        await doomed.wait()
    h.sandbox.faults.remove(hang)
    assert all((owner or "").startswith("doomed:") for owner in outbox + checkins)
    assert advice_count(h) == 0

    await h.restart_bot()  # the clock has not moved: no lease has run out
    assert await h.bot.outbox.sweep() == 1
    counts = await h.bot.dispatcher.dispatch_due()
    assert (counts.recovered_retry, counts.sent) == (1, 1)
    await h.next_message(CHAT, DAY_3_OPENING)

    assert advice_count(h) == 1
    openings = [m for m in h.sandbox.transcript(CHAT).messages if DAY_3_OPENING in (m.text or "")]
    assert len(openings) == 1
    async with h.services.sessions() as session:
        [advice] = (await session.scalars(select(OutboxMessage))).all()
    assert (advice.status, advice.uncertain) == ("sent", 2)  # the 500, and the killed send
