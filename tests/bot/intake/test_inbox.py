"""A polled update is stored before Telegram is told it arrived, and handled after a crash."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import ALLOWED_UPDATES, build_bot, build_services
from bot.ops.housekeeping import Housekeeping
from storage.db import session_factory
from storage.models import Answer, InboxUpdate
from tests.bot.e2e.conftest import Harness

CHAT = 5001


async def onboard(h: Harness) -> None:
    enrolment = await h.enrol("P-001")
    h.sandbox.create_private_chat(CHAT, "Ann", language_code="en")
    await h.sandbox.send_command(CHAT, "start", enrolment.token)
    await h.next_message(CHAT, "Welcome")
    await h.sandbox.press_button(CHAT, "OK, I agree")
    await h.next_message(CHAT, "Which language")
    await h.sandbox.press_button(CHAT, "English")
    await h.next_message(CHAT, "1/")


async def inbox_rows(engine: AsyncEngine) -> list[tuple[int, bool]]:
    """(update id, handled) of every inbox row, oldest first."""
    async with session_factory(engine)() as session:
        rows = await session.execute(
            select(InboxUpdate.update_id, InboxUpdate.processed_at).order_by(InboxUpdate.update_id)
        )
        return [(update_id, processed is not None) for update_id, processed in rows]


async def stored_answers(engine: AsyncEngine, item: str) -> list[object]:
    async with session_factory(engine)() as session:
        values = await session.scalars(select(Answer.value).where(Answer.question_id == item))
        return list(values)


def shown(h: Harness, text: str) -> int:
    """How many of the chat's messages showed the text at some point (new or edited)."""
    return sum(
        any(version.text and text in version.text for version in message.history)
        for message in h.sandbox.transcript(CHAT).messages
    )


async def crash_after_fetching_one_update(h: Harness, tap: str) -> int:
    """A bot process that polls, stores and confirms the patient's tap, then dies unhandled."""
    services = build_services(h.settings, h.clock)
    application = build_bot(services, jobs=False).application
    await application.initialize()
    assert application.updater is not None
    # The application itself is never started: fetched updates are not handled.
    await application.updater.start_polling(timeout=1, allowed_updates=ALLOWED_UPDATES)
    await h.sandbox.press_button(CHAT, tap)
    fetched = await asyncio.wait_for(application.update_queue.get(), timeout=10)
    await application.updater.stop()  # its last getUpdates confirms what it fetched
    await application.shutdown()
    await services.close()
    return int(fetched.update_id)


async def test_a_tap_fetched_when_the_process_died_is_answered_once_after_restart(
    harness: Harness, engine: AsyncEngine
) -> None:
    h = harness
    await onboard(h)
    await h.stop_bot()

    tap = await crash_after_fetching_one_update(h, "8")

    assert h.sandbox.pending_update_count == 0, "Telegram will not send the tap again"
    assert (tap, False) in await inbox_rows(engine)
    assert await stored_answers(engine, "leg_pain") == []

    await h.restart_bot()
    await h.next_message(CHAT, "2/")
    await h.sandbox.send_text(CHAT, "6")  # the next answer comes after the replayed one
    await h.next_message(CHAT, "3/")
    await h.stop_bot()

    assert await stored_answers(engine, "leg_pain") == [8]
    assert await stored_answers(engine, "back_pain") == [6]
    assert shown(h, "2/") == 1, "one answer to the replayed tap"
    assert all(handled for _, handled in await inbox_rows(engine))


async def test_an_update_handled_just_before_a_crash_is_not_handled_again(
    harness: Harness, engine: AsyncEngine
) -> None:
    h = harness
    await onboard(h)
    await h.sandbox.press_button(CHAT, "8")
    await h.next_message(CHAT, "2/")
    await h.stop_bot()
    # The process died after handling the tap but before marking it handled.
    async with session_factory(engine).begin() as session:
        await session.execute(update(InboxUpdate).values(processed_at=None))

    await h.restart_bot()
    await h.sandbox.send_text(CHAT, "6")
    await h.next_message(CHAT, "3/")
    await h.stop_bot()

    assert await stored_answers(engine, "leg_pain") == [8]
    assert shown(h, "2/") == 1, "the replayed tap is skipped, not answered twice"
    assert all(handled for _, handled in await inbox_rows(engine))


async def test_a_normal_run_leaves_no_unhandled_rows_and_housekeeping_purges_them(
    harness: Harness, engine: AsyncEngine
) -> None:
    h = harness
    await onboard(h)
    await h.sandbox.press_button(CHAT, "8")
    await h.next_message(CHAT, "2/")
    await h.stop_bot()

    rows = await inbox_rows(engine)
    assert len(rows) == 4  # /start, consent, language, 8
    assert all(handled for _, handled in rows)

    sessions = session_factory(engine)
    await Housekeeping(sessions, h.clock, dt.timedelta(days=14)).sweep()
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(InboxUpdate)) == 0
