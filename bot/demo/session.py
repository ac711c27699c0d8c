"""One demo world: the sandbox, the real bot polling it, and the services on a fake clock.

Usage::

    async with DemoSession(data_dir) as demo:
        patient = await demo.enrol_patient("DEMO-001", chat_id=1001, name="Li")
        await demo.press(patient.chat_id, "OK, I agree")
        await demo.advance(dt.timedelta(days=1))   # the day-1 check-in arrives

Every user action goes through the sandbox exactly as from a phone, and returns only once
the bot has finished handling it (a handler in the last group marks each update done), so
callers read the transcript without sleeping. Time moves only when told: :meth:`advance`
steps the clock through every planned send, reminder and closing time on the way and runs
the scheduler's jobs at each step.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Final
from zoneinfo import ZoneInfo

from pydantic import SecretStr
from telegram import Update
from telegram.ext import ContextTypes, TypeHandler

from bot.app import BotApp, Services, build_bot, build_services, running
from bot.clock import FakeClock
from bot.sandbox import DEFAULT_TOKEN, BotApiSandbox, SentMessage, UserUpdate
from bot.services.enrolment import Enrolment, enrol_patient
from bot.settings import Settings, load_settings
from storage import checkins as checkin_store
from storage.db import upgrade_async
from storage.flags import list_flags
from storage.patients import list_patients
from storage.records import CheckinRecord

__all__ = [
    "DEMO_START",
    "DEMO_TIMEZONE",
    "DEMO_WARD_PHONE",
    "NURSE_CHAT_ID",
    "NURSE_USER_ID",
    "DemoError",
    "DemoPatient",
    "DemoSession",
    "database_file",
]

log = logging.getLogger(__name__)

DEMO_TIMEZONE: Final = "Asia/Shanghai"
DEMO_START: Final = dt.datetime(2025, 3, 3, 10, 0, tzinfo=ZoneInfo(DEMO_TIMEZONE))
"""A Monday morning on the ward: patients are enrolled before their operation."""
DEMO_WARD_PHONE: Final = "+86 10 5555 0100"
NURSE_CHAT_ID: Final = -4_200_100
NURSE_USER_ID: Final = 7_000_001
DATABASE_NAME: Final = "followup-demo.db"
ACTION_TIMEOUT: Final = 30.0
"""Seconds the bot gets to handle one update before the demo gives up (it takes ms)."""
STEP_AFTER_EVENT: Final = dt.timedelta(minutes=1)
_DONE_GROUP: Final = 1_000_000
"""Handler group that runs after every other group, so it sees each update last."""


class DemoError(RuntimeError):
    """The demo could not go on (the bot did not answer, the folder is not usable…)."""


@dataclass(frozen=True)
class DemoPatient:
    ref: str
    chat_id: int
    name: str
    enrolment: Enrolment


def database_file(data_dir: Path) -> Path:
    return data_dir / DATABASE_NAME


class DemoSession:
    """Start/stop the sandbox, the bot and the services; act as users; move time."""

    def __init__(
        self,
        data_dir: Path,
        *,
        base_settings: Settings | None = None,
        start: dt.datetime = DEMO_START,
        nurses: frozenset[int] = frozenset(),
    ) -> None:
        """``nurses``: user ids that may act as ward nurses besides the demo's Nurse Chen
        (the person at the terminal, so they can try /flags and the card buttons)."""
        self.data_dir = data_dir.expanduser().resolve()
        self.database_path = database_file(data_dir)
        self.clock = FakeClock(start)
        self.sandbox = BotApiSandbox(
            DEFAULT_TOKEN, bot_username="followup_demo_bot", bot_name="Spine follow-up",
            rate_limits=None, clock=lambda: self.clock.now().timestamp(),
        )  # fmt: skip
        self._base_settings = base_settings
        self._nurses = nurses
        self._settings: Settings | None = None
        self._services: Services | None = None
        self._stack = AsyncExitStack()
        self._bot: BotApp | None = None
        self._handled: dict[int, asyncio.Future[None]] = {}
        """Per update id, done once the bot has handled it (whoever looks first adds it)."""
        self.user_actions = 0
        """Updates users caused (messages, commands, button presses), for the statistics."""

    # ---- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        if self.database_path.exists():
            raise DemoError(
                f"{self.database_path} already exists; the demo starts from an empty "
                "database, so choose another --data folder or delete that file"
            )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        await self._stack.enter_async_context(self.sandbox)
        self.sandbox.add_user(NURSE_USER_ID, "Nurse Chen", language_code="en")
        self.sandbox.create_group(
            NURSE_CHAT_ID, "Spine ward nurses", {NURSE_USER_ID: "administrator"}
        )
        settings = self._demo_settings()
        await upgrade_async(settings.database_url)
        services = build_services(settings, self.clock)
        bot = build_bot(services, jobs=False, throttle=False)
        bot.application.add_handler(TypeHandler(Update, self._mark_handled), group=_DONE_GROUP)
        await self._stack.enter_async_context(running(bot.application, poll_timeout=1))
        self._settings, self._services, self._bot = settings, services, bot

    async def stop(self) -> None:
        """Stop the bot (closing the database), then the sandbox."""
        self._settings = self._services = self._bot = None
        await self._stack.aclose()

    async def __aenter__(self) -> DemoSession:
        try:
            await self.start()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            raise DemoError("the demo is not running")
        return self._settings

    @property
    def services(self) -> Services:
        if self._services is None:
            raise DemoError("the demo is not running")
        return self._services

    @property
    def bot(self) -> BotApp:
        """The running bot and its services (the nurse service the dashboard shares)."""
        if self._bot is None:
            raise DemoError("the demo is not running")
        return self._bot

    def _demo_settings(self) -> Settings:
        base = self._base_settings or load_settings()
        return base.model_copy(
            update={
                "bot_token": SecretStr(self.sandbox.token),
                "bot_username": self.sandbox.bot_username,
                "telegram_api_url": self.sandbox.base_url,
                "database_url": f"sqlite+aiosqlite:///{self.database_path}",
                "default_timezone": DEMO_TIMEZONE,
                "ward_phone": base.ward_phone or DEMO_WARD_PHONE,
                "nurse_chat_id": NURSE_CHAT_ID,
                "nurse_user_ids": frozenset({NURSE_USER_ID}) | self._nurses,
                "instance_name": "demo",
                "web_session_hours": 24 * 800,  # the demo's clock jumps days at a time
            }
        )

    # ---- people ----------------------------------------------------------------------

    async def enrol_patient(
        self,
        ref: str,
        *,
        chat_id: int,
        name: str,
        surgery_date: dt.date | None = None,
        language: str = "en",
        caregiver_helps: bool = False,
    ) -> DemoPatient:
        """Enrol as the ward would, then open the invite link from the patient's phone."""
        services = self.services
        enrolment = await enrol_patient(
            services.sessions, services.survey, services.settings, self.clock,
            ref=ref, surgery_date=surgery_date or self.local_today(), language=language,
            timezone=DEMO_TIMEZONE, caregiver_helps=caregiver_helps, actor="demo",
        )  # fmt: skip
        self.sandbox.create_private_chat(chat_id, name, language_code=language)
        await self.command(chat_id, "start", enrolment.token)
        return DemoPatient(ref, chat_id, name, enrolment)

    # ---- user actions (each returns once the bot has handled it) ------------------------

    async def press(
        self,
        chat_id: int,
        label: str,
        *,
        message_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        """Press a button by its label (in a group, ``user_id`` says who presses)."""
        await self._handled_by_bot(
            self.sandbox.press_button(chat_id, label, message_id=message_id, user_id=user_id)
        )

    async def say(self, chat_id: int, text: str) -> None:
        await self._handled_by_bot(self.sandbox.send_text(chat_id, text))

    async def command(self, chat_id: int, command: str, args: str = "") -> None:
        await self._handled_by_bot(self.sandbox.send_command(chat_id, command, args))

    async def _handled_by_bot(self, action: Awaitable[UserUpdate]) -> None:
        update = await action
        self.user_actions += 1
        if not update.queued:
            return
        try:
            async with asyncio.timeout(ACTION_TIMEOUT):
                await self._handled_future(update.update_id)
        except TimeoutError:
            raise DemoError(f"the bot did not handle update {update.update_id} in time") from None
        finally:
            self._handled.pop(update.update_id, None)

    async def _mark_handled(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        handled = self._handled_future(update.update_id)
        if not handled.done():
            handled.set_result(None)

    def _handled_future(self, update_id: int) -> asyncio.Future[None]:
        """One future per update, so a handled update wakes only whoever waits for it."""
        handled = self._handled.get(update_id)
        if handled is None:
            handled = self._handled[update_id] = asyncio.get_running_loop().create_future()
        return handled

    # ---- what people see ---------------------------------------------------------------

    def messages(self, chat_id: int) -> tuple[SentMessage, ...]:
        """The bot's messages in a chat as they look now (deleted ones left out)."""
        return tuple(m for m in self.sandbox.transcript(chat_id).messages if not m.deleted)

    def last_message(self, chat_id: int) -> SentMessage | None:
        shown = self.messages(chat_id)
        return shown[-1] if shown else None

    # ---- time --------------------------------------------------------------------------

    def local_today(self) -> dt.date:
        """Today's date on the ward's clock."""
        return self.clock.now().astimezone(ZoneInfo(DEMO_TIMEZONE)).date()

    async def run_jobs(self, *, until_idle: bool = True) -> None:
        """Let the scheduler and the nurses' sweep do what is due now.

        The dispatcher ticks once, or until nothing is left; the sweep cards flags not
        carded yet, escalates unacknowledged red ones and posts the daily digest.
        """
        if self._bot is None:
            raise DemoError("the demo is not running")
        if until_idle:
            await self._bot.dispatcher.run_until_idle()
        else:
            await self._bot.dispatcher.tick()
        await self._bot.nurse.sweep()

    async def advance(self, delta: dt.timedelta) -> None:
        await self.advance_to(self.clock.now() + delta)

    async def advance_to(self, target: dt.datetime) -> None:
        """Move the clock to ``target``, stopping just after each planned event on the way."""
        for moment in await self.event_times(self.clock.now(), target):
            self.clock.set(moment)
            await self.run_jobs()
        if target > self.clock.now():
            self.clock.set(target)
        await self.run_jobs()

    async def event_times(self, after: dt.datetime, until: dt.datetime) -> list[dt.datetime]:
        """A minute after every send, reminder and closing time in (after, until], and
        every escalation and daily digest time of the nurses' group."""
        moments = {t + STEP_AFTER_EVENT for t in await self._planned_times()}
        moments |= await self._nurse_times(after, until)
        return sorted(moment for moment in moments if after < moment <= until)

    async def _nurse_times(self, after: dt.datetime, until: dt.datetime) -> set[dt.datetime]:
        """When an open red flag is due to escalate, and the ward's digest time each day."""
        settings = self.settings
        wait = dt.timedelta(minutes=settings.escalate_after_minutes)
        async with self.services.sessions() as session:
            red = await list_flags(session, statuses=("open",), levels=("red",))
        times = {flag.raised_at + wait for flag in red if flag.escalated_at is None}
        zone = ZoneInfo(DEMO_TIMEZONE)
        digest_at = dt.time.fromisoformat(settings.digest_at)
        day = after.astimezone(zone).date()
        while (moment := dt.datetime.combine(day, digest_at, zone)) <= until:
            times.add(moment.astimezone(dt.UTC))
            day += dt.timedelta(days=1)
        return times

    async def next_due(self) -> dt.datetime | None:
        """When the next scheduled check-in of any patient is due."""
        now = self.clock.now()
        upcoming = [
            checkin.due_at
            for checkin in await self._all_checkins()
            if checkin.status == "scheduled" and checkin.due_at > now
        ]
        return min(upcoming, default=None)

    async def _planned_times(self) -> set[dt.datetime]:
        times: set[dt.datetime] = set()
        for checkin in await self._all_checkins():
            if checkin.status == "cancelled":
                continue
            times.update((checkin.due_at, checkin.closes_at, *checkin.reminder_times))
        return times

    async def _all_checkins(self) -> list[CheckinRecord]:
        async with self.services.sessions() as session:
            found = []
            for _, enrolment in await list_patients(session):
                if enrolment is not None:
                    found.extend(await checkin_store.checkins_for_enrolment(session, enrolment.id))
            return found
