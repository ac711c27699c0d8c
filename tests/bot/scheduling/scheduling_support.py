"""Builders for the dispatcher tests: a recording transport with faults on demand, linked
patients with hand-made plans, a dispatcher without real waits, and a simulated patient."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FakeClock
from bot.scheduling import Dispatcher, DispatchPolicy, Pacer
from bot.services.callbacks import CallbackCodec
from bot.services.conversation import Chat, ConversationService
from bot.services.replies import Edit, Keyboard, Outgoing, Reply
from bot.services.transport import DeliveryError
from bot.settings import Settings
from storage import checkins as checkin_store
from storage import patients as patient_store
from storage.models import Checkin, Flag
from storage.records import CheckinRecord, EnrolmentRecord, PatientRecord
from surveys.model import Survey

Sessions = async_sessionmaker[AsyncSession]

INTRO_EN = "Time for your check-in"
BASELINE_EN = "First, a few questions"
REMINDER_EN = "A gentle reminder: your check-in is waiting. Here is the question again."


def local(zone: str, text: str) -> dt.datetime:
    """``"2026-03-02 09:00"`` on the wall clock of ``zone``, as UTC."""
    naive = dt.datetime.fromisoformat(text)
    return naive.replace(tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)


async def no_sleep(seconds: float) -> None:
    await asyncio.sleep(0)


@dataclass(frozen=True)
class Sent:
    chat_id: int
    message: Outgoing
    message_id: int
    at: dt.datetime

    @property
    def checkin_id(self) -> int | None:
        return self.message.asks.checkin_id if self.message.asks else None


class FakeTransport:
    """Records every message with the (fake) time it was sent; raises queued faults.

    ``fail(chat_id, *errors)`` queues errors for the next sends to that chat (None: any
    chat); ``chaos`` decides per send, for fault storms. A faulted send delivers nothing.
    """

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.sent: list[Sent] = []
        self.edits: list[tuple[int, Edit]] = []
        self.calls = 0
        self._queued: dict[int | None, deque[DeliveryError]] = {}
        self.chaos: Callable[[int, Outgoing], DeliveryError | None] | None = None
        self._next_id = 1000

    def fail(self, chat_id: int | None, *errors: DeliveryError) -> None:
        self._queued.setdefault(chat_id, deque()).extend(errors)

    async def send(self, chat_id: int, message: Outgoing) -> int:
        await asyncio.sleep(0)  # let concurrent dispatchers interleave
        self.calls += 1
        for key in (chat_id, None):
            queue = self._queued.get(key)
            if queue:
                raise queue.popleft()
        if self.chaos is not None and (error := self.chaos(chat_id, message)) is not None:
            raise error
        self._next_id += 1
        self.sent.append(Sent(chat_id, message, self._next_id, self.clock.now()))
        return self._next_id

    async def edit(self, chat_id: int, edit: Edit) -> None:
        self.edits.append((chat_id, edit))

    async def send_photo(
        self, chat_id: int, png: bytes, caption: str, keyboard: Keyboard = ()
    ) -> int:
        return await self.send(chat_id, Outgoing(caption, keyboard))

    def to(self, chat_id: int) -> list[str]:
        return [s.message.text for s in self.sent if s.chat_id == chat_id]

    def questions(self) -> list[Sent]:
        return [s for s in self.sent if s.message.asks is not None]

    def clear(self) -> None:
        self.sent.clear()


def make_dispatcher(
    sessions: Sessions,
    survey: Survey,
    settings: Settings,
    clock: FakeClock,
    transport: FakeTransport,
    conversation: ConversationService,
    *,
    instance: str = "test-1",
    sleeps: list[float] | None = None,
    **policy: Any,
) -> Dispatcher:
    """A dispatcher that never really waits; ``sleeps`` collects the waits it asked for.

    Its monotonic clock stands still, so a slow machine never spends a run's time budget
    or a claim's deadline (tests of those pass their own clock to ``Dispatcher``).
    """

    async def sleep(seconds: float) -> None:
        if sleeps is not None:
            sleeps.append(seconds)
        await asyncio.sleep(0)

    return Dispatcher(
        sessions, survey, settings, clock, transport, conversation,
        instance=instance, policy=DispatchPolicy(**policy), pacer=Pacer.unlimited(sleep),
        sleep=sleep, monotonic=lambda: 0.0,
    )  # fmt: skip


@dataclass(frozen=True)
class Plan:
    """A hand-made planned check-in (fits ``storage.checkins.PlannedLike``)."""

    spec_id: str
    form: str
    day: int | None
    due_at: dt.datetime
    closes_at: dt.datetime
    reminder_times: tuple[dt.datetime, ...] = ()


def plan(
    spec_id: str,
    due_at: dt.datetime,
    *,
    hours: float = 48,
    reminders: Sequence[float] = (4, 24),
    form: str = "early",
    day: int | None = 1,
) -> Plan:
    return Plan(
        spec_id, form, day, due_at, due_at + dt.timedelta(hours=hours),
        tuple(due_at + dt.timedelta(hours=h) for h in reminders),
    )  # fmt: skip


@dataclass
class Patient:
    patient: PatientRecord
    enrolment: EnrolmentRecord
    checkins: list[CheckinRecord] = field(default_factory=list)

    @property
    def chat_id(self) -> int:
        assert self.patient.chat_id is not None
        return self.patient.chat_id


async def add_patient(
    sessions: Sessions,
    clock: FakeClock,
    ref: str,
    plans: Sequence[Plan],
    *,
    chat_id: int | None = None,
    timezone: str = "Europe/London",
    onboarded: bool = True,
    status: str = "active",
) -> Patient:
    """A patient with an enrolment and exactly ``plans``; linked when ``chat_id`` is given."""
    now = clock.now()
    async with sessions.begin() as session:
        patient = await patient_store.create_patient(
            session, ref=ref, language="en", timezone=timezone, now=now
        )
        enrolment = await patient_store.create_enrolment(
            session, patient_id=patient.id, surgery_date=now.date(), procedure="decompression",
            levels=None, survey_id="lumbar", survey_version="1", caregiver_helps=False, now=now,
        )  # fmt: skip
        rows = await checkin_store.add_planned_checkins(session, enrolment.id, plans)
        values: dict[str, Any] = {"status": status}
        if chat_id is not None:
            values.update(chat_id=chat_id, linked_at=now)
        if onboarded:
            values.update(consented_at=now, language_confirmed=True)
        await patient_store.update_patient(session, patient.id, **values)
        linked = await patient_store.get_patient(session, patient.id)
    assert linked is not None
    return Patient(linked, enrolment, rows)


async def link(sessions: Sessions, clock: FakeClock, patient_id: int, chat_id: int) -> None:
    """Link and onboard an enrolled patient as if they had pressed the invite link."""
    now = clock.now()
    async with sessions.begin() as session:
        await patient_store.update_patient(
            session, patient_id, chat_id=chat_id, linked_at=now, consented_at=now,
            language_confirmed=True,
        )  # fmt: skip


async def checkin_rows(sessions: Sessions, enrolment_id: int | None = None) -> list[Checkin]:
    async with sessions() as session:
        query = select(Checkin).order_by(Checkin.enrolment_id, Checkin.due_at)
        if enrolment_id is not None:
            query = query.where(Checkin.enrolment_id == enrolment_id)
        return list((await session.scalars(query)).all())


async def flags(sessions: Sessions, rule_id: str | None = None) -> list[Flag]:
    async with sessions() as session:
        query = select(Flag).order_by(Flag.id)
        if rule_id is not None:
            query = query.where(Flag.rule_id == rule_id)
        return list((await session.scalars(query)).all())


async def set_patient(sessions: Sessions, patient_id: int, **values: Any) -> None:
    async with sessions.begin() as session:
        await patient_store.update_patient(session, patient_id, **values)


async def set_checkin(sessions: Sessions, checkin_id: int, **values: Any) -> None:
    async with sessions.begin() as session:
        await checkin_store.update_checkin(session, checkin_id, **values)


class SimulatedPatient:
    """Answers the current question by tapping its buttons, like a patient would.

    Multi-choice: the exclusive option ("none of these") or the first, then Done; choices
    and scales: a seeded random button; an optional note: Skip.
    """

    def __init__(
        self, conversation: ConversationService, settings: Settings, survey: Survey, seed: int
    ) -> None:
        self._conversation = conversation
        self._codec = CallbackCodec(settings.callback_key())
        self._survey = survey
        self._random = random.Random(seed)

    async def answer(self, chat_id: int, question: Sent, limit: int = 30) -> bool:
        """Answer from ``question`` until the check-in completes; True when it did."""
        current: Sent | Outgoing | None = question
        message_id = question.message_id
        for _ in range(limit):
            assert current is not None
            outgoing = current.message if isinstance(current, Sent) else current
            reply = await self._tap(chat_id, outgoing, message_id)
            asked = [m for m in reply.messages if m.asks is not None]
            if not asked:
                return any("Thank you" in m.text for m in reply.messages)
            current, message_id = asked[-1], message_id + 1
        return False

    async def _tap(self, chat_id: int, message: Outgoing, message_id: int) -> Reply:
        buttons = [b for row in message.keyboard for b in row]
        decoded = [(b, self._codec.decode(chat_id, b.payload)) for b in buttons]
        toggles = [(b, d) for b, d in decoded if d.kind == "t"]
        answers = [b for b, d in decoded if d.kind == "a"]
        chat = Chat(chat_id)
        if toggles:
            assert message.asks is not None
            question = next(
                q
                for form in self._survey.forms
                for q in form.questions
                if q.id == message.asks.question_id
            )
            exclusive = [str(i) for i, o in enumerate(question.options) if o.exclusive]
            pick = next((b for b, d in toggles if d.value in exclusive), toggles[0][0])
            await self._conversation.button(chat, pick.payload, message_id)
            done = next(b for b, d in decoded if d.kind == "d")
            return await self._conversation.button(chat, done.payload, message_id)
        if answers:
            return await self._conversation.button(
                chat, self._random.choice(answers).payload, message_id
            )
        skip = next(b for b, d in decoded if d.kind == "s")
        return await self._conversation.button(chat, skip.payload, message_id)
