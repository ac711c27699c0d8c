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
from dataclasses import dataclass, replace
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.nurse import cards
from bot.nurse._loading import load_cohort, load_patient
from bot.nurse.access import Nurse, NurseAccess, NurseDirectory
from bot.nurse.chart import chart_data, render_chart
from bot.nurse.qr import invite_qr_png
from bot.nurse.recovery import CohortSummary, Trajectory, cohort_summary
from bot.nurse.summary import patient_text, point_name
from bot.services.callbacks import CallbackCodec, CallbackData, InvalidCallback
from bot.services.enrolment import enrol_patient
from bot.services.replies import Edit, Outgoing
from bot.services.transport import DeliveryError, RetryLater, Transport
from bot.settings import Settings
from storage.audit import list_audit, record_audit
from storage.checkins import checkins_for_enrolment, open_checkin, update_checkin
from storage.flags import claim_card, get_flag, list_flags, release_card, set_flag
from storage.patients import active_enrolment, patient_by_ref
from storage.records import FlagRecord
from surveys.model import Survey, Text

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

NURSE_KIND: Final = "n"  # callback kind of nurse buttons; patients' kinds are other letters
CARD_LEVELS: Final = ("red", "amber")
UNRESOLVED: Final = ("open", "acknowledged")
MAX_NOTE_CHARS: Final = 500
CARD_LEASE = dt.timedelta(minutes=2)
"""A card claimed this long ago but never posted (its sender died) is posted again."""
REFUSED = Text("Only ward nurses can do this.", "只有病房护士可以使用这个功能。")
INVALID_BUTTON = "This button is no longer valid."


@dataclass(frozen=True)
class ActionResult:
    """What a nurse action did: ``message`` is one line for the nurse (toast or CLI)."""

    ok: bool
    message: str
    flag: FlagRecord | None = None
    card_updated: bool | None = None


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


Mode = Literal["card", "outcomes", "note"]


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
    ) -> None:
        """``dispatch_now`` (e.g. the dispatcher's ``dispatch_due``) sends due check-ins at
        once after /checkin; without it they go out at the scheduler's next tick."""
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
        self._cards = asyncio.Lock()  # one card send/escalation/digest at a time

    # ------------------------------------------------------------------ access

    async def is_nurse(self, user_id: int) -> bool:
        return await self._access.is_nurse(user_id)

    async def authorize(self, user: Nurse, what: str, flag_id: int | None = None) -> bool:
        """Whether ``user`` may do ``what``; a refusal is audited. CLI users are trusted."""
        if user.user_id is None or await self._access.is_nurse(user.user_id):
            return True
        security_log.warning("refused %s to non-nurse user %s", what, user.user_id)
        async with self._sessions.begin() as session:
            await record_audit(
                session, at=self._clock.now(), actor=user.actor, action="nurse.refused",
                entity="flag" if flag_id is not None else "command", entity_id=flag_id,
                detail={"what": what},
            )  # fmt: skip
        return False

    def ward_today(self) -> dt.date:
        return self._clock.now().astimezone(self._zone).date()

    def refusal(self, language: str | None) -> str:
        return REFUSED.get("zh-Hans" if language and language.startswith("zh") else "en")

    # ------------------------------------------------------------------ cards

    def payload(self, chat_id: int) -> cards.MakePayload:
        """Signed button payloads bound to ``chat_id`` (the nurse group, or a nurse's chat)."""

        def make(flag_id: int, action: str) -> str:
            return self._codec.encode(chat_id, CallbackData(NURSE_KIND, flag_id, 0, action))

        return make

    def card(
        self, flag: FlagRecord, chat_id: int, mode: Mode = "card", mention: str = ""
    ) -> Outgoing:
        text = cards.card_text(
            flag, self._survey, self._zone, mode=mode,
            escalate_after=self._settings.escalate_after_minutes, mention=mention,
        )  # fmt: skip
        return Outgoing(text, cards.card_keyboard(flag, self.payload(chat_id), mode))

    async def _flag(self, flag_id: int) -> FlagRecord | None:
        async with self._sessions() as session:
            return await get_flag(session, flag_id)

    async def _edit(self, chat_id: int, message_id: int, flag: FlagRecord, mode: Mode) -> bool:
        card = self.card(flag, chat_id, mode)
        try:
            await self._transport.edit(chat_id, Edit(message_id, card.text, card.keyboard))
        except DeliveryError as exc:
            log.info("card of flag %s in chat %s not edited: %s", flag.id, chat_id, exc)
            return False
        return True

    async def _refresh(self, flag: FlagRecord, also: tuple[int, int] | None = None) -> bool | None:
        """Show the flag's new state on its group card (and on the message a nurse pressed)."""
        updated: bool | None = None
        if flag.card_chat_id is not None and flag.card_message_id is not None:
            updated = await self._edit(flag.card_chat_id, flag.card_message_id, flag, "card")
        if also is not None and also != (flag.card_chat_id, flag.card_message_id):
            await self._edit(also[0], also[1], flag, "card")
        return updated

    async def notify_new_flags(self, flag_ids: list[int]) -> None:
        """Card new flags at once (called after a patient's answer raised them)."""
        for flag_id in flag_ids:
            try:
                await self._notify(flag_id)
            except DeliveryError as exc:
                log.warning("card for flag %s not sent (%s); the sweep will retry", flag_id,
                            type(exc).__name__)  # fmt: skip
                return

    async def notify_pending(self) -> int:
        """Card every red or amber flag not carded yet; returns how many were sent."""
        if self._settings.nurse_chat_id is None:
            return 0  # no group to card to: flags wait in /flags and `followup flags`
        async with self._sessions() as session:
            stale = self._clock.now() - CARD_LEASE
            waiting = [f for f in await list_flags(session, statuses=UNRESOLVED,
                                                   levels=CARD_LEVELS, limit=1000)
                       if f.notified_at is None
                       or (f.card_message_id is None and f.notified_at < stale)]  # fmt: skip
        sent = 0
        for flag in sorted(waiting, key=lambda f: (f.raised_at, f.id)):
            try:
                sent += await self._notify(flag.id)
            except DeliveryError as exc:
                log.warning("card sweep stopped: %s", type(exc).__name__)
                break
        return sent

    async def _notify(self, flag_id: int) -> bool:
        """Post one flag's card; a claim in the database makes this once across processes."""
        chat_id = self._settings.nurse_chat_id
        if chat_id is None:
            log.warning("FOLLOWUP_NURSE_CHAT_ID is not set: flag %s stays in the queue", flag_id)
            return False
        async with self._cards:
            flag = await self._flag(flag_id)
            if flag is None or flag.status == "resolved" or flag.level not in CARD_LEVELS:
                return False
            now = self._clock.now()
            async with self._sessions.begin() as session:
                if not await claim_card(session, flag.id, now=now, lease=CARD_LEASE):
                    return False  # carded already, or another process is carding it
            try:
                message_id = await self._transport.send(chat_id, self.card(flag, chat_id))
            except DeliveryError:
                async with self._sessions.begin() as session:
                    await release_card(session, flag.id)
                raise
            async with self._sessions.begin() as session:
                await set_flag(session, flag.id, card_chat_id=chat_id, card_message_id=message_id)
                await record_audit(
                    session, at=now, actor="system", action="flag.notified", entity="flag",
                    entity_id=flag.id, detail={"chat": chat_id, "message": message_id,
                                               "level": flag.level},
                )  # fmt: skip
        return True

    # ------------------------------------------------------------------ escalation, digest

    async def escalate_due(self) -> int:
        """Post open red flags again, with a mention, once they wait too long; returns count."""
        chat_id = self._settings.nurse_chat_id
        if chat_id is None:
            return 0
        now = self._clock.now()
        cutoff = now - dt.timedelta(minutes=self._settings.escalate_after_minutes)
        async with self._sessions() as session:
            due = [f for f in await list_flags(session, statuses=("open",), levels=("red",))
                   if f.escalated_at is None and f.raised_at <= cutoff]  # fmt: skip
        escalated = 0
        for flag in due:
            try:
                escalated += await self._escalate(flag.id, chat_id, now)
            except DeliveryError as exc:
                log.warning("escalation stopped: %s", type(exc).__name__)
                break
        return escalated

    async def _mention(self) -> str:
        minutes = f"{self._settings.escalate_after_minutes:g}"
        names = " ".join(await self._access.mentions())
        who = names if names else "Nurses on duty"
        return f"🔔 {who}: red flag not acknowledged for {minutes} minutes. Please act now."

    async def _escalate(self, flag_id: int, chat_id: int, now: dt.datetime) -> bool:
        """Send first, then record: a crash in between escalates twice rather than never."""
        async with self._cards:
            flag = await self._flag(flag_id)
            if flag is None or flag.status != "open" or flag.escalated_at is not None:
                return False
            flag = replace(flag, escalated_at=now)
            card = self.card(flag, chat_id, mention=await self._mention())
            message_id = await self._transport.send(chat_id, card)
            async with self._sessions.begin() as session:
                await set_flag(session, flag_id, escalated_at=now, card_chat_id=chat_id,
                               card_message_id=message_id,
                               notified_at=flag.notified_at or now)  # fmt: skip
                await record_audit(
                    session, at=now, actor="system", action="flag.escalated", entity="flag",
                    entity_id=flag_id, detail={"chat": chat_id, "message": message_id,
                                               "minutes": self._settings.escalate_after_minutes},
                )  # fmt: skip
        if flag.card_chat_id is not None and flag.card_message_id is not None:
            old = self.card(flag, flag.card_chat_id)
            try:
                await self._transport.edit(
                    flag.card_chat_id,
                    Edit(
                        flag.card_message_id,
                        old.text + "\n\n⬇️ Escalated: see the newer card below.",
                    ),
                )
            except DeliveryError as exc:
                log.info("old card of flag %s not edited: %s", flag_id, exc)
        return True

    async def digest_due(self) -> bool:
        """Post the daily digest if it is past ``digest_at`` and none went out today."""
        chat_id = self._settings.nurse_chat_id
        if chat_id is None:
            return False
        now = self._clock.now()
        local = now.astimezone(self._zone)
        if local.time() < dt.time.fromisoformat(self._settings.digest_at):
            return False
        day = local.date().isoformat()
        async with self._cards, self._sessions.begin() as session:
            if await list_audit(session, entity="digest", entity_id=day, action="digest.sent"):
                return False
            unresolved = await list_flags(session, statuses=UNRESOLVED, limit=1000)
            queue = [f for f in unresolved if f.level in ("amber", "info")]
            red = sum(1 for f in unresolved if f.level == "red")
            title = f"Daily digest, {local:%d %b %Y}: amber and info flags"
            text = cards.flag_list_text(title, queue, now)
            if red:
                text += f"\n\n🔴 {red} red flag{'s' if red != 1 else ''} also open: see /flags."
            keyboard = cards.flag_list_keyboard(queue, self.payload(chat_id))
            message_id = await self._transport.send(chat_id, Outgoing(text, keyboard))
            for flag in queue:
                if flag.notified_at is None:
                    await set_flag(session, flag.id, notified_at=now)
            await record_audit(
                session, at=now, actor="system", action="digest.sent", entity="digest",
                entity_id=day, detail={"chat": chat_id, "message": message_id,
                                       "amber": sum(1 for f in queue if f.level == "amber"),
                                       "info": sum(1 for f in queue if f.level == "info")},
            )  # fmt: skip
        return True

    async def sweep(self) -> None:
        """The periodic job: card new flags, escalate, and post the digest when due."""
        for step in (self.notify_pending, self.escalate_due, self.digest_due):
            try:
                await step()
            except RetryLater as exc:
                log.warning("nurse sweep paused: rate limited for %ss", exc.retry_after)
                return
            except DeliveryError as exc:
                log.warning("nurse sweep step failed: %s", type(exc).__name__)

    # ------------------------------------------------------------------ actions

    async def acknowledge(
        self, flag_id: int, nurse: Nurse, *, pressed: tuple[int, int] | None = None
    ) -> ActionResult:
        """Mark an open flag as seen by ``nurse``; the card shows who and when."""
        if not await self.authorize(nurse, "acknowledge", flag_id):
            return ActionResult(False, self.refusal(nurse.language))
        now = self._clock.now()
        async with self._sessions.begin() as session:
            flag = await get_flag(session, flag_id)
            if flag is None:
                return ActionResult(False, f"There is no flag #{flag_id}.")
            done = await set_flag(
                session, flag_id, expect_status=("open",), status="acknowledged",
                acknowledged_by=nurse.label, acknowledged_at=now,
            )  # fmt: skip
            if done:
                await self._audit(session, nurse, "flag.acknowledged", flag, now)
            flag = await get_flag(session, flag_id)
        assert flag is not None
        if not done:
            return ActionResult(False, _already(flag), flag)
        updated = await self._refresh(flag, pressed)
        return ActionResult(True, f"Acknowledged flag #{flag_id}.", flag, updated)

    async def resolve(
        self,
        flag_id: int,
        nurse: Nurse,
        *,
        outcome: str | None = None,
        note: str | None = None,
        pressed: tuple[int, int] | None = None,
    ) -> ActionResult:
        """Close a flag with one of :data:`cards.OUTCOMES`, a short note, or both."""
        if not await self.authorize(nurse, "resolve", flag_id):
            return ActionResult(False, self.refusal(nurse.language))
        note = " ".join(note.split()) if note else None
        if outcome is not None and outcome not in cards.OUTCOMES:
            choices = ", ".join(cards.OUTCOMES)
            return ActionResult(False, f"Unknown outcome {outcome!r} (use {choices}).")
        if outcome is None and not note:
            return ActionResult(False, "Say how the flag was resolved: an outcome or a note.")
        if note and len(note) > MAX_NOTE_CHARS:
            return ActionResult(
                False, f"The note is too long (at most {MAX_NOTE_CHARS} characters)."
            )
        words = [cards.OUTCOMES[outcome]] if outcome else []
        words += [note] if note else []
        now = self._clock.now()
        async with self._sessions.begin() as session:
            flag = await get_flag(session, flag_id)
            if flag is None:
                return ActionResult(False, f"There is no flag #{flag_id}.")
            done = await set_flag(
                session, flag_id, expect_status=UNRESOLVED, status="resolved",
                resolved_by=nurse.label, resolved_at=now, resolution_note=" — ".join(words),
            )  # fmt: skip
            if done:
                await self._audit(session, nurse, "flag.resolved", flag, now,
                                  outcome=outcome or "note", note=bool(note))  # fmt: skip
            flag = await get_flag(session, flag_id)
        assert flag is not None
        if not done:
            return ActionResult(False, _already(flag), flag)
        updated = await self._refresh(flag, pressed)
        return ActionResult(True, f"Resolved flag #{flag_id}.", flag, updated)

    async def _audit(
        self, session: AsyncSession, nurse: Nurse, action: str, flag: FlagRecord,
        now: dt.datetime, **detail: Any,
    ) -> None:  # fmt: skip
        await record_audit(
            session, at=now, actor=nurse.actor, action=action, entity="flag", entity_id=flag.id,
            detail={"level": flag.level, "patient": flag.patient_ref, "rule": flag.rule_id,
                    "via": "telegram" if nurse.user_id is not None else nurse.via, **detail},
        )  # fmt: skip

    async def press(self, chat_id: int, nurse: Nurse, payload: str, message_id: int) -> str:
        """A tap on a nurse button in ``chat_id``; returns the short answer to show."""
        try:
            data = self._codec.decode(chat_id, payload)
            if data.kind != NURSE_KIND or data.value not in cards.ACTIONS:
                raise InvalidCallback("not a nurse button")
        except InvalidCallback as exc:
            security_log.warning("refused nurse button (%s) in chat %s", exc, chat_id)
            async with self._sessions.begin() as session:
                await record_audit(
                    session, at=self._clock.now(), actor=nurse.actor,
                    action="security.bad_callback", entity="chat", entity_id=chat_id,
                    detail={"reason": str(exc)},
                )  # fmt: skip
            return INVALID_BUTTON
        flag_id, action = data.checkin_id, data.value
        pressed = (chat_id, message_id)
        if action == "ack":
            return (await self.acknowledge(flag_id, nurse, pressed=pressed)).message
        if action in cards.OUTCOMES:
            return (await self.resolve(flag_id, nurse, outcome=action, pressed=pressed)).message
        if not await self.authorize(nurse, f"button:{action}", flag_id):
            return self.refusal(nurse.language)
        flag = await self._flag(flag_id)
        if flag is None:
            return f"There is no flag #{flag_id}."
        if action == "open":
            try:
                await self._transport.send(chat_id, self.card(flag, chat_id))
            except DeliveryError as exc:
                log.info("card of flag %s not shown in chat %s: %s", flag_id, chat_id, exc)
            return ""
        mode: Mode = "outcomes" if action == "res" else "note" if action == "note" else "card"
        await self._edit(chat_id, message_id, flag, mode)
        if flag.status == "resolved":
            return _already(flag)
        return "Reply to the card with a short note." if mode == "note" else ""

    async def note_reply(
        self, nurse: Nurse, replied_text: str | None, note: str, *, pressed: tuple[int, int]
    ) -> ActionResult | None:
        """A reply to a card showing the note prompt resolves its flag; None if not one."""
        flag_id = cards.note_prompt_flag_id(replied_text)
        if flag_id is None:
            return None
        return await self.resolve(flag_id, nurse, note=note, pressed=pressed)

    # ------------------------------------------------------------------ views

    async def open_flags(self, statuses: Iterable[str] = UNRESOLVED) -> list[FlagRecord]:
        """Flags by level (red first), then oldest first."""
        async with self._sessions() as session:
            return await list_flags(session, statuses=tuple(statuses), limit=10_000)

    async def show_flags(self, chat_id: int, nurse: Nurse) -> None:
        """Send the open-flag list with a button per flag to ``chat_id``."""
        if not await self.authorize(nurse, "command:flags"):
            await self._say(chat_id, self.refusal(nurse.language))
            return
        flags = await self.open_flags()
        text = cards.flag_list_text("Open flags", flags, self._clock.now())
        await self._transport.send(
            chat_id, Outgoing(text, cards.flag_list_keyboard(flags, self.payload(chat_id)))
        )

    async def patient_view(self, ref: str) -> PatientView | None:
        """The patient's trajectory as text and chart, or None for an unknown reference."""
        async with self._sessions() as session:
            found = await load_patient(session, self._survey, ref.strip())
            if found is None:
                return None
            flags = await list_flags(session, statuses=UNRESOLVED, patient_id=found.patient.id)
        counts = {level: sum(1 for f in flags if f.level == level) for level in cards.LEVEL_MARK}
        zone = ZoneInfo(found.patient.timezone)
        text = patient_text(self._survey, found.patient, found.enrolment, found.trajectory,
                            counts, self._clock.now().astimezone(zone).date())  # fmt: skip
        png = await asyncio.to_thread(render_chart, chart_data(self._survey, found.trajectory))
        return PatientView(text, png, found.trajectory)

    async def show_patient(self, chat_id: int, nurse: Nurse, ref: str) -> None:
        if not await self.authorize(nurse, "command:patient"):
            await self._say(chat_id, self.refusal(nurse.language))
            return
        if not ref.strip():
            await self._say(chat_id, "Usage: /patient CODE (the patient's reference code)")
            return
        view = await self.patient_view(ref)
        if view is None:
            await self._say(chat_id, f"No patient with reference {ref.strip()!r}.")
            return
        await self._transport.send(chat_id, Outgoing(view.text))
        await self._transport.send_photo(
            chat_id, view.chart_png,
            "Leg pain, back pain and walking by day after surgery; dashed lines: before surgery.",
        )  # fmt: skip

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

    async def send_checkin_now(self, nurse: Nurse, ref: str) -> ActionResult:
        """Bring the patient's next scheduled check-in forward to now (e.g. at discharge).

        The scheduler sends it (quiet hours still apply); its window and reminders stay.
        """
        if not await self.authorize(nurse, "checkin.now"):
            return ActionResult(False, self.refusal(nurse.language))
        now = self._clock.now()
        async with self._sessions.begin() as session:
            patient = await patient_by_ref(session, ref.strip())
            enrolment = await active_enrolment(session, patient.id) if patient else None
            if patient is None or enrolment is None:
                return ActionResult(False, f"No enrolled patient with reference {ref.strip()!r}.")
            if patient.chat_id is None:
                return ActionResult(False, f"{patient.ref} has not opened the invite link yet.")
            if patient.status != "active" or enrolment.status != "active":
                return ActionResult(False, f"{patient.ref}'s check-ins are {patient.status}.")
            current = await open_checkin(session, enrolment.id, self._clock.now())
            if current is not None:
                return ActionResult(False, f"{patient.ref} has a check-in open already "
                                           f"({point_name(current.day).lower()}).")  # fmt: skip
            planned = [c for c in await checkins_for_enrolment(session, enrolment.id)
                       if c.status == "scheduled"]  # fmt: skip
            if not planned:
                return ActionResult(False, f"{patient.ref} has no check-ins left to send.")
            checkin = min(planned, key=lambda c: (c.due_at, c.id))
            if checkin.due_at > now:
                await update_checkin(session, checkin.id, expect_status=("scheduled",),
                                     due_at=now)  # fmt: skip
            await record_audit(
                session, at=now, actor=nurse.actor, action="checkin.sent_now", entity="checkin",
                entity_id=checkin.id, detail={"patient": patient.ref, "spec": checkin.spec_id,
                                              "planned_for": checkin.due_at.isoformat()},
            )  # fmt: skip
        if self._dispatch_now is not None:
            await self._dispatch_now()
        name = point_name(checkin.day).lower()
        return ActionResult(True, f"The {name} check-in goes to {patient.ref} now "
                                  "(unless it is night-time for the patient).")  # fmt: skip

    async def checkin_now(self, chat_id: int, nurse: Nurse, ref: str) -> None:
        """``/checkin CODE``: as :meth:`send_checkin_now`, answered in ``chat_id``."""
        if not await self.authorize(nurse, "command:checkin"):
            await self._say(chat_id, self.refusal(nurse.language))
            return
        if not ref.strip():
            await self._say(chat_id, "Usage: /checkin CODE (the patient's reference code)")
            return
        await self._say(chat_id, (await self.send_checkin_now(nurse, ref)).message)

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


def _already(flag: FlagRecord) -> str:
    if flag.status == "resolved":
        return f"Flag #{flag.id} was already resolved by {flag.resolved_by}."
    return f"Flag #{flag.id} was already acknowledged by {flag.acknowledged_by}."
