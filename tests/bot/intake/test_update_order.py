"""Updates of different chats run at once; one chat's updates run in the order received."""

from __future__ import annotations

import asyncio
import datetime as dt

from telegram import Chat, Message, Update

from bot.telegram.rate_limiter import REPLYING
from bot.telegram.update_order import ChatOrderedProcessor


def _update(update_id: int, chat_id: int) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE)
    message = Message(update_id, dt.datetime(2026, 3, 2, tzinfo=dt.UTC), chat, text="5")
    return Update(update_id, message=message)


async def test_one_chat_in_order_other_chats_meanwhile() -> None:
    processor = ChatOrderedProcessor()
    log: list[str] = []
    release_first = asyncio.Event()

    async def handle(name: str, wait: asyncio.Event | None = None) -> None:
        log.append(f"{name} start")
        if wait is not None:
            await wait.wait()
        log.append(f"{name} end")

    first = asyncio.create_task(
        processor.process_update(_update(1, 10), handle("a1", release_first))
    )
    second = asyncio.create_task(processor.process_update(_update(2, 10), handle("a2")))
    other = asyncio.create_task(processor.process_update(_update(3, 20), handle("b1")))
    await other  # chat 20 is not held up by chat 10's unfinished update
    assert log == ["a1 start", "b1 start", "b1 end"]
    assert not second.done()
    release_first.set()
    await asyncio.gather(first, second)
    assert log == ["a1 start", "b1 start", "b1 end", "a1 end", "a2 start", "a2 end"]


async def test_a_failed_update_does_not_hold_up_the_next_of_its_chat() -> None:
    processor = ChatOrderedProcessor()
    done: list[int] = []

    async def fail() -> None:
        raise RuntimeError("handler failed")

    async def succeed() -> None:
        done.append(2)

    failing = asyncio.create_task(processor.process_update(_update(1, 10), fail()))
    following = asyncio.create_task(processor.process_update(_update(2, 10), succeed()))
    results = await asyncio.gather(failing, following, return_exceptions=True)
    assert isinstance(results[0], RuntimeError)
    assert done == [2]


async def test_handling_an_update_marks_its_calls_as_replies() -> None:
    processor = ChatOrderedProcessor()
    seen: list[bool] = []

    async def handle() -> None:
        seen.append(REPLYING.get())

    await asyncio.create_task(processor.process_update(_update(1, 10), handle()))
    assert seen == [True]
    assert REPLYING.get() is False  # outside an update (jobs, dispatch): not a reply
