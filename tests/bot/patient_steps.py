"""A patient's steps through the loopback Bot API, shared by the end-to-end, nurse and
dashboard tests: each of their worlds has a sandbox, a fake clock, ``enrol`` and
``next_message``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from bot.clock import FakeClock
from bot.sandbox import BotApiSandbox, SentMessage
from bot.services.enrolment import Enrolment


class World(Protocol):
    sandbox: BotApiSandbox
    clock: FakeClock

    async def enrol(self, ref: str, **options: Any) -> Enrolment: ...

    async def next_message(self, chat_id: int, contains: str | None = None) -> SentMessage: ...


@dataclass
class PatientSteps:
    """One patient's chat: taps, typed words, joining, and a check-in coming due."""

    world: World
    chat_id: int

    async def tap(self, label: str, then: str) -> SentMessage:
        """Press a button; wait for the message (new or edited) that shows ``then``."""
        await self.world.sandbox.press_button(self.chat_id, label)
        return await self.world.next_message(self.chat_id, then)

    async def say(self, text: str, then: str) -> SentMessage:
        """Type ``text``; wait for the message that shows ``then``."""
        await self.world.sandbox.send_text(self.chat_id, text)
        return await self.world.next_message(self.chat_id, then)

    async def open_invite(
        self,
        ref: str,
        *,
        name: str = "Ann",
        language: str = "English",
        language_code: str | None = None,
        **enrolment: Any,
    ) -> Enrolment:
        """Enrolled as ``ref``, the patient opens the invite, agrees and chooses a language:
        the baseline's first question is shown."""
        enrolled = await self.world.enrol(ref, **enrolment)
        self.world.sandbox.create_private_chat(self.chat_id, name, language_code=language_code)
        await self.world.sandbox.send_command(self.chat_id, "start", enrolled.token)
        await self.world.next_message(self.chat_id, "Welcome")
        await self.tap("OK, I agree", "Which language")
        await self.tap(language, "1/")
        return enrolled

    async def join(
        self, ref: str, *, leg: str = "8", back: str = "5", walking: str = "40 m", **invite: Any
    ) -> Enrolment:
        """The invite opened in English and the baseline answered (leg and back pain, no
        numbness, walking distance)."""
        enrolled = await self.open_invite(ref, **invite)
        await self.tap(leg, "2/")
        await self.tap(back, "3/")
        await self.tap("No", "4/")
        await self.say(walking, "Thank you")
        return enrolled

    async def check_in_due(self, days: int = 1) -> None:
        """``days`` later the patient writes; the due check-in opens at its first question."""
        self.world.clock.advance(dt.timedelta(days=days))
        await self.say("hello", "1/")
