"""What nurses do to flags and cards: acknowledge, resolve (one flag, or every flag whose
answer has recovered), press a card's buttons, reply to a card with a note.

Each action is checked (:class:`~bot.nurse.access.Verdict`), audited under the nurse's name
and shown on the flag's card. A card button's card comes from its signed payload, bound to
the chat, and a note reply's card from the replied message's stored id, never from text.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final, Literal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.nurse import cards
from bot.nurse.access import Nurse, Verdict
from bot.nurse.desk import CardDesk
from bot.nurse.language import NurseLanguages
from bot.nurse.notes import tidy_note
from bot.nurse.recovered import recovered_flags, recovery_note
from bot.nurse.texts import NT, t
from bot.services.callbacks import CallbackCodec, InvalidCallback
from bot.services.transport import DeliveryError
from storage.audit import record_audit
from storage.flags import get_flag, list_flags, set_flag
from storage.records import FlagRecord
from surveys.model import Language, Survey

__all__ = [
    "INVALID_BUTTON",
    "MAX_NOTE_CHARS",
    "NURSE_KIND",
    "UNRESOLVED",
    "ActionResult",
    "FlagActions",
]

log = logging.getLogger("bot.nurse.service")
security_log = logging.getLogger("followup.security")

NURSE_KIND: Final = "n"  # callback kind of nurse buttons; patients' kinds are other letters
UNRESOLVED: Final = ("open", "acknowledged")
MAX_NOTE_CHARS: Final = 500
INVALID_BUTTON = "This button is no longer valid."

Mode = Literal["card", "outcomes", "note"]
Authorize = Callable[[Nurse, str, "int | None"], Awaitable[Verdict]]


@dataclass(frozen=True)
class ActionResult:
    """What a nurse action did: ``message`` is one line for the nurse (toast or CLI)."""

    ok: bool
    message: str
    flag: FlagRecord | None = None
    card_updated: bool | None = None


class FlagActions:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        survey: Survey,
        clock: Clock,
        desk: CardDesk,
        codec: CallbackCodec,
        authorize: Authorize,
        languages: NurseLanguages,
    ) -> None:
        self._sessions = sessions
        self._survey = survey
        self._clock = clock
        self._desk = desk
        self._codec = codec
        self._authorize = authorize
        self._languages = languages

    async def acknowledge(
        self,
        flag_id: int,
        nurse: Nurse,
        *,
        pressed: tuple[int, int] | None = None,
        language: Language = "en",
    ) -> ActionResult:
        """Mark one open flag as seen by ``nurse`` (``followup flag ack``); its card shows it.
        The answer is in ``language``."""
        if not (verdict := await self._authorize(nurse, "acknowledge", flag_id)):
            return ActionResult(False, verdict.text(nurse.language))
        now = self._clock.now()
        async with self._sessions.begin() as session:
            flag = await get_flag(session, flag_id)
            if flag is None:
                return ActionResult(False, NT.flag_missing.format(language, id=flag_id))
            done = await set_flag(
                session, flag_id, expect_status=("open",), status="acknowledged",
                acknowledged_by=nurse.label, acknowledged_at=now,
            )  # fmt: skip
            if done:
                await self._audit(session, nurse, "flag.acknowledged", flag, now)
            flag = await get_flag(session, flag_id)
        assert flag is not None
        if not done:
            return ActionResult(False, _already(flag, language), flag)
        updated = await self._refresh(flag)
        return ActionResult(True, NT.flag_acknowledged.format(language, id=flag_id), flag, updated)

    async def resolve(
        self,
        flag_id: int,
        nurse: Nurse,
        *,
        outcome: str | None = None,
        note: str | None = None,
        pressed: tuple[int, int] | None = None,
        language: Language = "en",
    ) -> ActionResult:
        """Close one flag (``followup flag resolve``) with an outcome, a note, or both.
        The answer is in ``language``."""
        if not (verdict := await self._authorize(nurse, "resolve", flag_id)):
            return ActionResult(False, verdict.text(nurse.language))
        note = tidy_note(note)
        if outcome is not None and outcome not in cards.OUTCOMES:
            choices = ", ".join(cards.OUTCOMES)
            unknown = NT.resolve_unknown_outcome.format(language, outcome=outcome, choices=choices)
            return ActionResult(False, unknown)
        if outcome is None and not note:
            return ActionResult(False, NT.resolve_needs_words.get(language))
        if note and len(note) > MAX_NOTE_CHARS:
            return ActionResult(False, NT.note_too_long.format(language, n=MAX_NOTE_CHARS))
        words = [t(f"outcome.{outcome}", self._desk.language)] if outcome else []
        words += [note] if note else []
        now = self._clock.now()
        async with self._sessions.begin() as session:
            flag = await get_flag(session, flag_id)
            if flag is None:
                return ActionResult(False, NT.flag_missing.format(language, id=flag_id))
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
            return ActionResult(False, _already(flag, language), flag)
        updated = await self._refresh(flag)
        return ActionResult(True, NT.flag_resolved.format(language, id=flag_id), flag, updated)

    async def _refresh(self, flag: FlagRecord) -> bool | None:
        """Show a flag's new state on its card; None if it has no posted card."""
        if flag.card_id is None:
            return None
        try:
            shown = await self._desk.render(flag.card_id)
        except DeliveryError as exc:
            log.info("card %s not updated now (%s); the sweep will retry", flag.card_id, exc)
            return False
        return shown if flag.card_message_id is not None or shown else None

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
        """A tap on a card's button in ``chat_id``; returns the short answer to show.

        The card comes from the signed payload (bound to this chat), never from the text.
        """
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
        card_id, action = data.checkin_id, data.value
        pressed = (chat_id, message_id)
        if not (verdict := await self._authorize(nurse, f"button:{action}", card_id)):
            return verdict.text(nurse.language)
        if action == "recov":
            return (await self.resolve_recovered(nurse)).message
        if action == "ack":
            return (await self._desk.act(card_id, nurse, "ack", pressed=pressed)).message
        if action in cards.OUTCOMES:
            result = await self._desk.act(card_id, nurse, "res", outcome=action, pressed=pressed)
            return result.message
        if action == "open":
            await self._desk.open_copy(card_id, chat_id)
            return ""
        mode: Mode = "outcomes" if action == "res" else "note" if action == "note" else "card"
        view = await self._desk.show_mode(card_id, chat_id, message_id, mode)
        language = await self._languages.of(nurse)
        if view is None:
            return NT.card_missing.format(language, id=card_id)
        if view.status == "resolved":
            return NT.card_resolved.format(language, id=card_id)
        return NT.card_reply_with_note.get(language) if mode == "note" else ""

    async def note_reply(
        self, nurse: Nurse, note: str, *, replied: tuple[int, int]
    ) -> ActionResult | None:
        """A reply to a card message that asks for a note resolves that card; None if the
        replied message is not one (found by its stored message id, never by its text)."""
        card_id = await self._desk.card_asking_note(*replied)
        if card_id is None:
            return None
        if not (verdict := await self._authorize(nurse, "resolve", card_id)):
            return ActionResult(False, verdict.text(nurse.language))
        result = await self._desk.act(card_id, nurse, "res", note=note, pressed=replied)
        flag = result.flags[0] if result.flags else None
        return ActionResult(result.ok, result.message, flag)

    async def resolve_recovered(
        self, nurse: Nurse, note: str | None = None, *, language: Language | None = None
    ) -> ActionResult:
        """Resolve every unresolved flag whose answer has since recovered, each audited, with
        the recovery as its reason (and the nurse's note, if any). The answer is in
        ``language`` (else the nurse's)."""
        if not (verdict := await self._authorize(nurse, "resolve.recovered", None)):
            return ActionResult(False, verdict.text(nurse.language))
        language = language or await self._languages.of(nurse)
        note = tidy_note(note)
        if note and len(note) > MAX_NOTE_CHARS:
            return ActionResult(False, NT.note_too_long.format(language, n=MAX_NOTE_CHARS))
        now, lang = self._clock.now(), self._desk.language
        async with self._sessions.begin() as session:
            flags = await list_flags(session, statuses=UNRESOLVED, limit=10_000)
            recovered = await recovered_flags(session, flags)
            done = 0
            for flag in flags:
                if flag.id not in recovered:
                    continue
                reason = (f"{t('outcome.recovered', lang)}: "
                          f"{recovery_note(self._survey, recovered[flag.id], lang)}")  # fmt: skip
                if await set_flag(
                    session, flag.id, expect_status=UNRESOLVED, status="resolved",
                    resolved_by=nurse.label, resolved_at=now,
                    resolution_note=" — ".join([reason, *([note] if note else [])]),
                ):  # fmt: skip
                    done += 1
                    await self._audit(session, nurse, "flag.resolved", flag, now,
                                      outcome="recovered", note=bool(note))  # fmt: skip
        if not done:
            return ActionResult(False, NT.none_recovered.get(language))
        try:
            await self._desk.render_pending()
        except DeliveryError as exc:
            log.info("cards not updated now (%s); the sweep will retry", exc)
        if done == 1:
            return ActionResult(True, NT.recovered_resolved_one.get(language))
        return ActionResult(True, NT.recovered_resolved.format(language, n=done))

    async def recovered_notes(self, flags: Iterable[FlagRecord]) -> dict[int, str]:
        """ "Leg pain 2 since day 28" for each of ``flags`` whose answer has recovered."""
        async with self._sessions() as session:
            found = await recovered_flags(session, list(flags))
        lang = self._desk.language
        return {i: recovery_note(self._survey, r, lang) for i, r in found.items()}


def _already(flag: FlagRecord, language: Language) -> str:
    if flag.status == "resolved":
        return NT.flag_already_resolved.format(language, id=flag.id, who=flag.resolved_by)
    return NT.flag_already_acknowledged.format(language, id=flag.id, who=flag.acknowledged_by)
