"""A year of simulated time for a small cohort: every check-in ends completed or missed."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from conftest import START
from scheduling_support import (
    INTRO_EN,
    REMINDER_EN,
    FakeTransport,
    Sent,
    Sessions,
    SimulatedPatient,
    checkin_rows,
    flags,
    link,
)
from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.scheduling import MISSED_RULE, Dispatcher
from bot.services.conversation import Chat, ConversationService
from bot.services.enrolment import enrol_patient
from bot.settings import Settings
from storage.models import Checkin
from surveys.model import Survey

HOUR = dt.timedelta(hours=1)


@dataclass
class Member:
    """One simulated patient: where they live, how reliably and how fast they answer."""

    ref: str
    zone: str
    answers: float  # chance of answering a check-in at all
    send_at: str | None = None
    pause: tuple[int, int] | None = None  # /stop and /resume on these days after enrolment
    chat_id: int = 0
    patient_id: int = 0
    enrolment_id: int = 0
    decided: set[int] = field(default_factory=set)


def cohort() -> list[Member]:
    """A fresh cohort (the simulation writes ids and decisions into it)."""
    return [
        Member("Y-LON", "Europe/London", answers=1.0),
        Member("Y-SHA", "Asia/Shanghai", answers=0.8),
        Member("Y-NYC", "America/New_York", answers=0.6, send_at="18:30"),
        Member("Y-SYD", "Australia/Sydney", answers=0.9, pause=(10, 60)),
        Member("Y-KOL", "Asia/Kolkata", answers=0.3),
        Member("Y-SIL", "Europe/London", answers=0.0),  # never answers
    ]


async def _next_event(sessions: Sessions, now: dt.datetime) -> dt.datetime | None:
    """The next moment the database has something due (a send, a reminder, a window)."""
    async with sessions() as session:
        times = [
            await session.scalar(select(func.min(column)).where(column > now, *where))
            for column, where in (
                (Checkin.due_at, (Checkin.status == "scheduled",)),
                (Checkin.next_reminder_at, ()),
                (Checkin.closes_at, (Checkin.status.in_(("scheduled", "sent", "in_progress")),)),
            )
        ]
    found = [t.replace(tzinfo=dt.UTC) if t.tzinfo is None else t for t in times if t]
    return min(found, default=None)


async def test_a_year_of_check_ins_for_a_small_cohort_is_fully_accounted_for(
    sessions: Sessions,
    survey: Survey,
    settings: Settings,
    clock: FakeClock,
    transport: FakeTransport,
    conversation: ConversationService,
    dispatcher: Dispatcher,
) -> None:
    chance = random.Random(2026)
    members = cohort()
    for n, member in enumerate(members):
        clock.set(START + n * 5 * HOUR)
        enrolled = await enrol_patient(
            sessions, survey, settings, clock, ref=member.ref, timezone=member.zone,
            surgery_date=dt.date(2026, 3, 3 + n), send_at=member.send_at,
        )  # fmt: skip
        member.chat_id, member.patient_id = 3000 + n, enrolled.patient.id
        member.enrolment_id = enrolled.enrolment.id
        await link(sessions, clock, member.patient_id, member.chat_id)
    by_chat = {m.chat_id: m for m in members}
    simulated = {m.chat_id: SimulatedPatient(conversation, settings, survey, n)
                 for n, m in enumerate(members)}  # fmt: skip
    answers_at: dict[int, tuple[dt.datetime, Sent]] = {}  # check-in → when and what to answer
    answered: set[int] = set()
    paused: set[int] = set()
    end = START + dt.timedelta(days=400)
    seen = 0

    while clock.now() < end:
        await dispatcher.run_until_idle()
        for sent in transport.sent[seen:]:  # decide, once per check-in, whether to answer
            member = by_chat[sent.chat_id]
            checkin_id = sent.checkin_id
            if checkin_id is None or checkin_id in member.decided:
                continue
            member.decided.add(checkin_id)
            if chance.random() < member.answers:
                delay = dt.timedelta(hours=chance.uniform(0.2, 40))
                answers_at[checkin_id] = (sent.at + delay, sent)
        seen = len(transport.sent)

        for member in members:  # /stop and /resume
            if member.pause is None:
                continue
            stop, resume = (START + dt.timedelta(days=d) for d in member.pause)
            if stop <= clock.now() and member.chat_id not in paused:
                confirm = await conversation.stop(Chat(member.chat_id))
                yes = confirm.messages[0].keyboard[0][0]
                await conversation.button(Chat(member.chat_id), yes.payload, None)
                paused.add(member.chat_id)
            if resume <= clock.now():
                reply = await conversation.resume(Chat(member.chat_id))
                member.pause = None
                for message in reply.messages:  # the check-in it reopened, if any
                    if message.asks and message.asks.checkin_id not in member.decided:
                        member.decided.add(message.asks.checkin_id)
                        answers_at[message.asks.checkin_id] = (
                            clock.now() + HOUR,
                            Sent(member.chat_id, message, 1, clock.now()),
                        )

        for checkin_id, (at, sent) in sorted(answers_at.items(), key=lambda kv: kv[1][0]):
            if at <= clock.now():
                del answers_at[checkin_id]
                if await simulated[sent.chat_id].answer(sent.chat_id, sent):
                    answered.add(checkin_id)

        upcoming = [await _next_event(sessions, clock.now())]
        upcoming += [at for at, _ in answers_at.values()]
        upcoming += [START + dt.timedelta(days=d) for m in members if m.pause for d in m.pause]
        following = min((t for t in upcoming if t is not None and t > clock.now()), default=end)
        clock.set(min(following, end))
    await dispatcher.run_until_idle()

    rows = await checkin_rows(sessions)
    assert len(rows) == 10 * len(members)
    assert {r.status for r in rows} <= {"completed", "missed"}
    completed = {r.id for r in rows if r.status == "completed"}
    assert completed == answered
    assert 0 < len(completed) < len(rows)

    by_checkin: dict[int, list[Sent]] = {}
    for sent in transport.sent:
        local = sent.at.astimezone(ZoneInfo(by_chat[sent.chat_id].zone)).time()
        assert dt.time(8) <= local < dt.time(21), sent  # never in quiet hours
        if sent.checkin_id is not None:
            by_checkin.setdefault(sent.checkin_id, []).append(sent)
    for row in rows:
        questions = by_checkin.get(row.id, [])
        if row.sent_at is None:
            assert questions == [] and row.status == "missed"
            continue
        assert min(s.at for s in questions) >= row.due_at
        assert len(questions) <= 1 + len(row.reminder_times)
        assert row.reminder_count <= len(row.reminder_times)

    intros = [s for s in transport.sent if s.message.text.startswith(INTRO_EN)]
    reminders = [s for s in transport.sent if s.message.text.startswith(REMINDER_EN)]
    assert len(intros) <= len(rows) and reminders

    sydney = next(m for m in members if m.ref == "Y-SYD")
    during_pause = [r for r in rows if r.enrolment_id == sydney.enrolment_id
                    and START + dt.timedelta(days=12) < r.closes_at
                    < START + dt.timedelta(days=60)]  # fmt: skip
    assert during_pause
    assert [(r.spec_id, r.status, r.last_error) for r in during_pause] == [
        (r.spec_id, "missed", "paused") for r in during_pause
    ]

    silent = next(m for m in members if m.ref == "Y-SIL")
    missed_flags = await flags(sessions, MISSED_RULE)
    assert len([f for f in missed_flags if f.patient_id == silent.patient_id]) == 1
    reliable = next(m for m in members if m.ref == "Y-LON")
    assert not [f for f in missed_flags if f.patient_id == reliable.patient_id]
