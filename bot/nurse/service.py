"""Nurse review of flags, independent of Telegram.

Cards go to the nurse group through a :class:`~bot.services.transport.Transport`; the
database says what was sent (``notified_at``, ``card_chat_id``, ``card_message_id``,
``escalated_at``), so every periodic step is idempotent and picks up after a restart. A card
is recorded after it is sent: a crash in between repeats it rather than losing it.

* :meth:`NurseService.notify_pending` cards every red or amber flag not yet carded (info
  flags raise no alert: they wait in ``/flags`` and the digest);
* :meth:`NurseService.escalate_due` posts an open red flag again, with a mention, once it
  has waited ``escalate_after_minutes`` unacknowledged (once per flag: ``escalated_at``);
* :meth:`NurseService.digest_due` posts the amber and info queue once per ward day from
  ``digest_at`` (ward time = ``default_timezone``), remembered as a ``digest.sent`` audit
  event for that date.

Every nurse action and every refused attempt is an audit event; the audit log is never
changed. Free text (a nurse's note) goes on the flag, never into the audit detail.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.nurse import cards
from bot.nurse._loading import load_cohort, load_patient
from bot.nurse.access import MembershipUnknown, Nurse, NurseAccess, NurseDirectory, Verdict
from bot.nurse.chart import chart_data, render_chart
from bot.nurse.checkin_now import bring_checkin_forward
from bot.nurse.desk import CardDesk
from bot.nurse.digest import digest_counts, digest_keyboard, digest_rows, digest_text
from bot.nurse.flag_actions import NURSE_KIND, UNRESOLVED, ActionResult, FlagActions
from bot.nurse.language import NurseLanguages
from bot.nurse.pausing import pause_or_resume
from bot.nurse.qr import invite_qr_png
from bot.nurse.recovery import CohortSummary, Trajectory, cohort_summary
from bot.nurse.summary import patient_text
from bot.nurse.texts import NT, nurse_language
from bot.services.callbacks import CallbackCodec, CallbackData
from bot.services.enrolment import enrol_patient
from bot.services.replies import Outgoing
from bot.services.transport import DeliveryError, RetryLater, Transport
from bot.settings import Settings
from storage.audit import list_audit, record_audit
from storage.flags import list_flags, set_flag
from storage.patients import patient_by_ref
from storage.records import FlagRecord
from surveys.model import Language, Survey

__all__ = [
    "CARD_LEVELS",
    "NURSE_KIND",
    "ActionResult",
    "CohortReport",
    "Invitation",
    "NurseService",
    "PatientView",
]

log = logging.getLogger(__name__)
security_log = logging.getLogger("followup.security")

CARD_LEVELS: Final = ("red", "amber")


@dataclass(frozen=True)
class PatientView:
    text: str
    chart_png: bytes
    trajectory: Trajectory


@dataclass(frozen=True)
class CohortReport:
    survey: Survey
    cohort: CohortSummary
    patients: tuple[Trajectory, ...]


@dataclass(frozen=True)
class Invitation:
    """A new enrolment's invite: the deep link and its QR code, shown once."""

    ref: str
    link: str
    expires_at: dt.datetime
    qr_png: bytes
    checkins: int
    recalled_baseline: bool


class NurseService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        survey: Survey,
        settings: Settings,
        clock: Clock,
        transport: Transport,
        directory: NurseDirectory | None = None,
        dispatch_now: Callable[[], Awaitable[object]] | None = None,
        instance: str | None = None,
    ) -> None:
        """``dispatch_now`` (e.g. the dispatcher's ``dispatch_due``) sends due check-ins at
        once after /checkin; without it they go out at the scheduler's next tick.
        ``instance``: this process's name in card claims (its heartbeat's)."""
        self._sessions = sessions
        self._dispatch_now = dispatch_now
        self._survey = survey
        self._settings = settings
        self._clock = clock
        self._transport = transport
        self._access = NurseAccess(
            clock, settings.nurse_chat_id, settings.nurse_user_ids, directory
        )
        self._codec = CallbackCodec(settings.callback_key())
        self._zone = ZoneInfo(settings.default_timezone)
        self._desk_lock = asyncio.Lock()  # one digest at a time in this process
        self._desk = CardDesk(sessions, survey, settings, clock, transport, self.payload,
                              nurse_language(settings.nurse_language), owner=instance)  # fmt: skip
        self._languages = NurseLanguages(sessions, settings.nurse_language, clock)
        self.flags = FlagActions(
            sessions, survey, clock, self._desk, self._codec, self.authorize, self._languages
        )
        """Acknowledge, resolve, card buttons and note replies."""

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        return self._sessions

    @property
    def settings(self) -> Settings:
        return self._settings

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def languages(self) -> NurseLanguages:
        """The language of each nurse (their choice, their app's, or the ward's)."""
        return self._languages

    # ------------------------------------------------------------------ access

    async def is_nurse(self, user_id: int) -> bool:
        """Whether ``user_id`` is a nurse; :class:`MembershipUnknown` if it cannot be told."""
        return await self._access.is_nurse(user_id)

    async def authorize(self, user: Nurse, what: str, flag_id: int | None = None) -> Verdict:
        """Whether ``user`` may do ``what``; a refusal is audited. CLI users are trusted.

        A membership lookup that fails is refused too (asking to try again), audited with
        ``reason: membership_unknown``.
        """
        if user.user_id is None:
            return Verdict(True)
        detail: dict[str, Any] = {"what": what}
        try:
            if await self._access.is_nurse(user.user_id):
                return Verdict(True)
            verdict = Verdict(False)
        except MembershipUnknown:
            verdict = Verdict(False, NT.membership_unknown)
            detail["reason"] = "membership_unknown"
        security_log.warning("refused %s to user %s", what, user.user_id)
        async with self._sessions.begin() as session:
            await record_audit(
                session, at=self._clock.now(), actor=user.actor, action="nurse.refused",
                entity="flag" if flag_id is not None else "command", entity_id=flag_id,
                detail=detail,
            )  # fmt: skip
        return verdict

    def ward_today(self) -> dt.date:
        return self._clock.now().astimezone(self._zone).date()

    # ------------------------------------------------------------------ cards

    def payload(self, chat_id: int) -> cards.MakePayload:
        """Signed button payloads bound to ``chat_id`` and carrying the card id."""

        def make(card_id: int, action: str) -> str:
            return self._codec.encode(chat_id, CallbackData(NURSE_KIND, card_id, 0, action))

        return make

    @property
    def desk(self) -> CardDesk:
        return self._desk

    async def notify_new_flags(self, flag_ids: list[int]) -> None:
        """Show the cards of flags just raised or changed (after a patient's answer)."""
        await self._desk.touch_and_render(flag_ids)

    async def notify_pending(self) -> int:
        """Post or update every card not shown as it is now; returns how many."""
        return await self._desk.render_pending()

    # ------------------------------------------------------------------ escalation, digest

    async def escalate_due(self) -> int:
        """Post each card with a red flag unacknowledged too long again, with a mention."""
        return await self._desk.escalate_due(self._mention)

    async def _mention(self) -> str:
        minutes = f"{self._settings.escalate_after_minutes:g}"
        names = " ".join(await self._access.mentions())
        who = names if names else "Nurses on duty"
        return f"🔔 {who}: red flag not acknowledged for {minutes} minutes. Please act now."

    async def digest_due(self) -> bool:
        """Post the daily digest if it is past ``digest_at``, none went out today, and
        something is unresolved (an empty digest is not posted, and not retried that day)."""
        chat_id = self._settings.nurse_chat_id
        if chat_id is None:
            return False
        now = self._clock.now()
        local = now.astimezone(self._zone)
        if local.time() < dt.time.fromisoformat(self._settings.digest_at):
            return False
        day = local.date().isoformat()
        async with self._desk_lock, self._sessions.begin() as session:
            if await list_audit(session, entity="digest", entity_id=day, action="digest.sent"):
                return False
            found = await digest_rows(session, self._survey, now, self._desk.language)
            if not found:
                await record_audit(
                    session, at=now, actor="system", action="digest.sent", entity="digest",
                    entity_id=day, detail={"chat": chat_id, "message": None, "patients": 0},
                )  # fmt: skip
                return False
            text = digest_text(found, local.date(), now, self._desk.language)
            keyboard = digest_keyboard(found, self.payload(chat_id), self._desk.language)
            message_id = await self._transport.send(chat_id, Outgoing(text, keyboard))
            for row in found:
                for flag in row.flags:
                    if flag.notified_at is None:
                        await set_flag(session, flag.id, touch_card=False, notified_at=now)
            await record_audit(
                session, at=now, actor="system", action="digest.sent", entity="digest",
                entity_id=day, detail={"chat": chat_id, "message": message_id,
                                       "patients": len(found), **digest_counts(found)},
            )  # fmt: skip
        return True

    async def sweep(self) -> None:
        """The periodic job: show cards, escalate, and post the digest when due."""
        for step in (self.notify_pending, self.escalate_due, self.digest_due):
            try:
                await step()
            except RetryLater as exc:
                log.warning("nurse sweep paused: rate limited for %ss", exc.retry_after)
                return
            except DeliveryError as exc:
                log.warning("nurse sweep step failed: %s", type(exc).__name__)

    # ------------------------------------------------------------------ views

    async def open_flags(self, statuses: Iterable[str] = UNRESOLVED) -> list[FlagRecord]:
        """Flags by level (red first), then oldest first."""
        async with self._sessions() as session:
            return await list_flags(session, statuses=tuple(statuses), limit=10_000)

    async def show_flags(self, chat_id: int, nurse: Nurse) -> None:
        """Send the open-flag list with a button per flag to ``chat_id``."""
        language = await self._languages.of(nurse)
        if not (verdict := await self.authorize(nurse, "command:flags")):
            await self._say(chat_id, verdict.refusal.get(language))
            return
        flags = await self.open_flags()
        text = cards.flag_list_text(NT.open_flags.get(language), flags, self._clock.now(),
                                    language, await self.flags.recovered_notes(flags))  # fmt: skip
        await self._transport.send(
            chat_id, Outgoing(text, cards.flag_list_keyboard(flags, self.payload(chat_id)))
        )

    async def patient_view(self, ref: str, language: Language = "en") -> PatientView | None:
        """The patient's trajectory as text and chart, or None for an unknown reference."""
        async with self._sessions() as session:
            found = await load_patient(session, self._survey, ref.strip())
            if found is None:
                return None
            flags = await list_flags(session, statuses=UNRESOLVED, patient_id=found.patient.id)
        counts = {level: sum(1 for f in flags if f.level == level) for level in cards.LEVEL_MARK}
        zone = ZoneInfo(found.patient.timezone)
        text = patient_text(self._survey, found.patient, found.enrolment, found.trajectory,
                            counts, self._clock.now().astimezone(zone).date(),
                            language)  # fmt: skip
        data = chart_data(self._survey, found.trajectory, language)
        png = await asyncio.to_thread(render_chart, data)
        return PatientView(text, png, found.trajectory)

    async def show_patient(self, chat_id: int, nurse: Nurse, ref: str) -> None:
        language = await self._languages.of(nurse)
        if not (verdict := await self.authorize(nurse, "command:patient")):
            await self._say(chat_id, verdict.refusal.get(language))
            return
        if not ref.strip():
            await self._say(chat_id, NT.patient_usage.get(language))
            return
        view = await self.patient_view(ref, language)
        if view is None:
            await self._say(chat_id, NT.patient_unknown.format(language, ref=ref.strip()))
            return
        await self._transport.send(chat_id, Outgoing(view.text))
        await self._transport.send_photo(chat_id, view.chart_png, NT.chart_caption.get(language))

    async def report(self) -> CohortReport:
        """Cohort summary and each patient's trajectory (for ``followup report``)."""
        async with self._sessions() as session:
            found = await load_cohort(session, self._survey)
            flags = await list_flags(session, statuses=UNRESOLVED, limit=10_000)
        trajectories = tuple(p.trajectory for p in found)
        return CohortReport(self._survey, cohort_summary(self._survey, trajectories, flags),
                            trajectories)  # fmt: skip

    async def _say(self, chat_id: int, text: str) -> None:
        try:
            await self._transport.send(chat_id, Outgoing(text))
        except DeliveryError as exc:
            log.info("message to chat %s not delivered: %s", chat_id, type(exc).__name__)

    # ------------------------------------------------------------------ check-ins

    async def send_checkin_now(
        self, nurse: Nurse, ref: str, language: Language = "en"
    ) -> ActionResult:
        """Bring the patient's next scheduled check-in forward to now (e.g. at discharge).

        The scheduler sends it (quiet hours still apply); its window and reminders stay.
        """
        if not (verdict := await self.authorize(nurse, "checkin.now")):
            return ActionResult(False, verdict.refusal.get(language))
        done, message = await bring_checkin_forward(
            self._sessions, self._clock, nurse, ref, language
        )
        if done and self._dispatch_now is not None:
            await self._dispatch_now()
        return ActionResult(done, message)

    async def checkin_now(self, chat_id: int, nurse: Nurse, ref: str) -> None:
        """``/checkin CODE``: as :meth:`send_checkin_now`, answered in ``chat_id``."""
        language = await self._languages.of(nurse)
        if not (verdict := await self.authorize(nurse, "command:checkin")):
            await self._say(chat_id, verdict.refusal.get(language))
            return
        if not ref.strip():
            await self._say(chat_id, NT.checkin_usage.get(language))
            return
        await self._say(chat_id, (await self.send_checkin_now(nurse, ref, language)).message)

    async def set_paused(
        self, nurse: Nurse, ref: str, *, pause: bool, language: Language = "en"
    ) -> ActionResult:
        """Pause or resume a patient's check-ins (the rule of the patient's /stop and
        /resume), audited under the nurse's name."""
        if not (verdict := await self.authorize(nurse, "patient.pause")):
            return ActionResult(False, verdict.refusal.get(language))
        done, message = await pause_or_resume(
            self._sessions, self._clock, nurse, ref, pause=pause, say=language
        )
        if done and not pause and self._dispatch_now is not None:
            await self._dispatch_now()
        return ActionResult(done, message)

    # ------------------------------------------------------------------ enrolment

    async def ref_taken(self, ref: str) -> bool:
        async with self._sessions() as session:
            return await patient_by_ref(session, ref.strip()) is not None

    async def enrol(
        self,
        nurse: Nurse,
        *,
        ref: str,
        surgery_date: dt.date,
        language: str,
        timezone: str,
        caregiver_helps: bool,
    ) -> Invitation | None:
        """Enrol a patient and make their invite QR code; None if ``nurse`` may not.

        Input mistakes raise :class:`bot.services.enrolment.EnrolmentError`.
        """
        if not await self.authorize(nurse, "command:enroll"):
            return None
        enrolled = await enrol_patient(
            self._sessions, self._survey, self._settings, self._clock, ref=ref,
            surgery_date=surgery_date, language=language, timezone=timezone,
            caregiver_helps=caregiver_helps, actor=nurse.actor,
        )  # fmt: skip
        return Invitation(
            ref=enrolled.ref,
            link=enrolled.link,
            expires_at=enrolled.invite_expires_at,
            qr_png=invite_qr_png(enrolled.link),
            checkins=len(enrolled.checkins),
            recalled_baseline=enrolled.recalled_baseline,
        )
