"""What one answer costs the database: the statements each tap or typed answer runs.

A year of check-ins for a cohort is thousands of answers, so each statement counts; these
are the round trips the conversation needs, read from the engine while the real bot
handles each update from the sandbox.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event

from bot.demo.session import DemoSession
from bot.settings import Settings

CHAT = 5001
SEEN_ONCE = "INSERT INTO processed_update"
PATIENT = "SELECT patient.id"  # with the active enrolment
OPEN = "SELECT checkin.id"  # the open check-in, for a typed answer
HELD = "SELECT checkin.id"  # the check-in, locked
ANSWERS = "SELECT answer.question_id, answer.value FROM answer"
STORE = "INSERT INTO answer"
MOVE_ON = "UPDATE checkin SET status=?, position=?"
HISTORY = "SELECT answer.checkin_id = (SELECT checkin.id"  # previous and baseline values
SHOWN = "UPDATE checkin SET message_id"
AUDIT = "INSERT INTO audit_event"
FLAGS = "SELECT flag.id"
NEXT_DUE = "SELECT min(checkin.due_at)"
CARD = "UPDATE nurse_card SET version"  # a completed check-in's card shows the final answers
DIALOGUE = "SELECT nurse_dialogue"  # typed text may answer a nurse's /enroll dialogue
INBOX = "INSERT INTO inbox_update"  # the intake stores each polled update before handling it
INTAKE = ("INSERT INTO inbox_update", "UPDATE inbox_update")  # counted apart: the mark
# "handled" runs after the reply, so it may fall into the next step

Step = Callable[[DemoSession], Awaitable[None]]


def tap(label: str) -> Step:
    return lambda demo: demo.press(CHAT, label)


def type_(text: str) -> Step:
    return lambda demo: demo.say(CHAT, text)


# A tap's next question is shown in the tapped message, whose id is already stored: no
# SHOWN (and no second transaction); a typed answer's next question is a new message.
BASELINE = [
    (tap("7"), [SEEN_ONCE, PATIENT, HELD, ANSWERS, STORE, MOVE_ON]),
    (type_("5"), [DIALOGUE, SEEN_ONCE, PATIENT, OPEN, HELD, ANSWERS, STORE, MOVE_ON, SHOWN]),
    (tap("No"), [SEEN_ONCE, PATIENT, HELD, ANSWERS, STORE, MOVE_ON]),
    (
        tap("Less than 50 m"),
        [
            SEEN_ONCE,
            PATIENT,
            HELD,
            ANSWERS,
            STORE,
            MOVE_ON,
            MOVE_ON,
            AUDIT,
            CARD,
            FLAGS,
            NEXT_DUE,
        ],
    ),
]
DAY_ONE = [
    (tap("3"), [SEEN_ONCE, PATIENT, HELD, ANSWERS, STORE, MOVE_ON, HISTORY]),
    (tap("2"), [SEEN_ONCE, PATIENT, HELD, ANSWERS, STORE, MOVE_ON, HISTORY]),
]


async def test_each_answer_runs_only_the_statements_it_needs(
    tmp_path: Path, base_settings: Settings
) -> None:
    async with DemoSession(tmp_path / "demo", base_settings=base_settings) as demo:
        await demo.enrol_patient("RT-001", chat_id=CHAT, name="Li")
        await demo.press(CHAT, "OK, I agree")
        await demo.press(CHAT, "English")
        seen: list[str] = []
        stored: list[str] = []

        def record(*args: Any) -> None:
            statement = " ".join(args[2].split())
            (stored if statement.startswith(INTAKE) else seen).append(statement)

        event.listen(demo.services.engine.sync_engine, "before_cursor_execute", record)
        ran = []
        for step, _ in BASELINE:
            seen.clear()
            await step(demo)
            ran.append(list(seen))
        await demo.advance(dt.timedelta(days=1, hours=2))
        for step, _ in DAY_ONE:
            seen.clear()
            await step(demo)
            ran.append(list(seen))

    assert sum(s.startswith(INBOX) for s in stored) == len(BASELINE + DAY_ONE)
    expected = [statements for _, statements in BASELINE + DAY_ONE]
    assert [len(statements) for statements in ran] == [len(e) for e in expected]
    for statements, prefixes in zip(ran, expected, strict=True):
        assert [s for s, p in zip(statements, prefixes, strict=True) if not s.startswith(p)] == []
