"""The nurse group's cards: posting and editing them, escalation, and card actions.

A card (:mod:`storage.cards`) is written with its flags; any change to one of its flags
bumps its version. :meth:`CardDesk.render` claims a card behind its version, posts it (or
edits the message already posted) and records what it showed, so several processes post a
card once, and a claim left by a process that died or stopped is taken over at the next sweep
(a process without a heartbeat row: after :data:`CARD_LEASE`).
Taps carry the card id in signed callback data; a written note is bound to the card by the
stored mapping from the message it replies to, never by the message's text.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.nurse import cards
from bot.nurse.access import Nurse
from bot.nurse.card_view import CardView, load_card_view
from bot.nurse.notes import tidy_note
from bot.nurse.texts import t
from bot.services.replies import Edit, Outgoing
from bot.services.transport import Blocked, DeliveryError, RetryLater, Transient, Transport
from bot.settings import Settings
from storage.audit import record_audit
from storage.cards import (
    card_claimed_by,
    card_for_message,
    cards_to_escalate,
    cards_to_render,
    claim_card_render,
    finish_card_render,
    get_card,
    record_card_message,
    release_card_render,
    set_card_message_mode,
)
from storage.flags import get_flag, set_flag
from storage.records import FlagRecord
from surveys.model import Language, Survey

__all__ = ["CARD_LEASE", "CardAction", "CardDesk", "MakePayload"]

log = logging.getLogger(__name__)

CARD_LEASE: Final = dt.timedelta(minutes=2)
"""A card claimed this long ago by a process without a heartbeat (or by this one, not given
back) and not recorded as shown is shown again."""
UNRESOLVED: Final = ("open", "acknowledged")
MAX_NOTE_CHARS: Final = 500

MakePayload = Callable[[int, str], str]
Authorize = Callable[[Nurse, str, int | None], Awaitable[bool]]


@dataclass(frozen=True)
class CardAction:
    """What a card action did: ``message`` is one line for the nurse (toast or CLI)."""

    ok: bool
    message: str
    flags: tuple[FlagRecord, ...] = ()


class CardDesk:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        survey: Survey,
        settings: Settings,
        clock: Clock,
        transport: Transport,
        payload: Callable[[int], MakePayload],
        language: Language = "en",
        owner: str | None = None,
    ) -> None:
        self._sessions = sessions
        self._survey = survey
        self._settings = settings
        self._clock = clock
        self._transport = transport
        self._payload = payload
        self._lang: Language = language
        self._zone = ZoneInfo(settings.default_timezone)
        self._owner = owner or f"{settings.instance_name[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._lock = asyncio.Lock()  # one card send at a time in this process

    @property
    def language(self) -> Language:
        return self._lang

    # ------------------------------------------------------------------ views

    async def view(self, card_id: int) -> CardView | None:
        async with self._sessions() as session:
            return await load_card_view(session, self._survey, card_id)

    def outgoing(
        self, view: CardView, chat_id: int, mode: cards.CardMode = "card", mention: str = ""
    ) -> Outgoing:
        text = cards.card_text(
            view, self._survey, self._zone, self._lang, mode=mode,
            escalate_after=self._settings.escalate_after_minutes, mention=mention,
        )  # fmt: skip
        return Outgoing(text, cards.card_keyboard(view, self._payload(chat_id), self._lang, mode))

    # ------------------------------------------------------------------ posting

    async def touch_and_render(self, flag_ids: Sequence[int]) -> None:
        """Flags were raised or changed: show their cards again now (the sweep retries)."""
        card_ids: list[int] = []
        async with self._sessions() as session:
            for flag_id in flag_ids:
                flag = await get_flag(session, flag_id)
                if flag is not None and flag.card_id is not None and flag.card_id not in card_ids:
                    card_ids.append(flag.card_id)
        for card_id in card_ids:
            try:
                await self.render(card_id)
            except DeliveryError as exc:
                log.warning("card %s not shown (%s); the sweep will retry", card_id,
                            type(exc).__name__)  # fmt: skip
                return

    async def render_pending(self) -> int:
        """Post or update every card behind its version; returns how many were shown."""
        if self._settings.nurse_chat_id is None:
            return 0  # no group to card to: flags wait in /flags and `followup flags`
        async with self._sessions() as session:
            waiting = await cards_to_render(
                session, now=self._clock.now(), lease=CARD_LEASE, owner=self._owner
            )
        shown = 0
        for card_id in waiting:
            try:
                shown += await self.render(card_id)
            except DeliveryError as exc:
                log.warning("card sweep stopped: %s", type(exc).__name__)
                break
        return shown

    async def render(self, card_id: int, *, escalate: bool = False, mention: str = "") -> bool:
        """Show one card as it is now, once across processes; False if not this one's job."""
        chat_id = self._settings.nurse_chat_id
        if chat_id is None:
            log.warning("FOLLOWUP_NURSE_CHAT_ID is not set: card %s stays in the queue", card_id)
            return False
        async with self._lock:
            now = self._clock.now()
            async with self._sessions.begin() as session:
                held_by = await card_claimed_by(session, card_id)
                version = await claim_card_render(session, card_id, owner=self._owner, now=now,
                                                  lease=CARD_LEASE, force=escalate)  # fmt: skip
                if version is not None and held_by not in (None, self._owner):
                    # Its sender died mid-send: the card may have been posted (counted).
                    await record_audit(
                        session, at=now, actor="system", action="claim.recovered",
                        entity="card", entity_id=card_id,
                        detail={"from": held_by, "escalate": escalate},
                    )  # fmt: skip
            if version is None:
                return False
            try:
                view = await self.view(card_id)
                if view is None or (escalate and view.card.escalated_at is not None):
                    raise LookupError
                if view.card.message_id is None and view.status == "resolved":
                    message_id, first = None, False  # settled before it went out
                else:
                    message_id, first = await self._show(view, chat_id, escalate, mention, now)
            except LookupError:
                async with self._sessions.begin() as session:
                    await release_card_render(session, card_id, owner=self._owner)
                return False
            except DeliveryError:
                async with self._sessions.begin() as session:
                    await release_card_render(session, card_id, owner=self._owner)
                raise
            async with self._sessions.begin() as session:
                await finish_card_render(
                    session, card_id, owner=self._owner, version=version, chat_id=chat_id,
                    message_id=message_id, now=now, escalated=escalate,
                )  # fmt: skip
                if message_id is not None:
                    await self._record_shown(session, view, chat_id, message_id, now,
                                             first=first, escalate=escalate)  # fmt: skip
            if message_id is None:
                return False
        if escalate and view.card.message_id is not None:
            await self._mark_escalated_copy(view, view.card.chat_id or chat_id, now)
        return True

    async def _show(
        self, view: CardView, chat_id: int, escalate: bool, mention: str, now: dt.datetime
    ) -> tuple[int, bool]:
        """Send or edit; returns the message id and whether a new message was posted."""
        if escalate:
            view = _with_escalation(view, now)
            shown = self.outgoing(view, chat_id, mention=mention)
            return await self._transport.send(chat_id, shown), True
        card = view.card
        if card.message_id is not None and card.chat_id is not None:
            shown = self.outgoing(view, card.chat_id)
            try:
                await self._transport.edit(card.chat_id, Edit(card.message_id, shown.text,
                                                              shown.keyboard))  # fmt: skip
            except (RetryLater, Transient, Blocked):
                raise
            except DeliveryError as exc:  # the message is gone: post the card again
                log.info("card %s could not be edited (%s): posted again", card.id, exc)
            else:
                return card.message_id, False
        return await self._transport.send(chat_id, self.outgoing(view, chat_id)), True

    async def _record_shown(
        self, session: AsyncSession, view: CardView, chat_id: int, message_id: int,
        now: dt.datetime, *, first: bool, escalate: bool,
    ) -> None:  # fmt: skip
        if not first:
            return
        for flag in view.flags:
            values: dict[str, Any] = {"card_chat_id": chat_id, "card_message_id": message_id}
            if flag.notified_at is None:
                values["notified_at"] = now
            if escalate and flag.level == "red" and flag.status == "open":
                values["escalated_at"] = now
            await set_flag(session, flag.id, touch_card=False, **values)
        action = "card.escalated" if escalate else "card.posted"
        await record_audit(
            session, at=now, actor="system", action=action, entity="card",
            entity_id=view.card.id,
            detail={"chat": chat_id, "message": message_id, "level": view.level,
                    "flags": [f.id for f in view.flags], "patient": view.patient_ref,
                    **({"minutes": self._settings.escalate_after_minutes} if escalate else {})},
        )  # fmt: skip

    async def _mark_escalated_copy(self, view: CardView, chat_id: int, now: dt.datetime) -> None:
        """The older message of an escalated card points to the new one and loses its buttons."""
        assert view.card.message_id is not None
        old = self.outgoing(_with_escalation(view, now), chat_id)
        try:
            pointer = t("Escalated: see the newer card below.", self._lang)
            await self._transport.edit(
                chat_id, Edit(view.card.message_id, f"{old.text}\n\n⬇️ {pointer}")
            )
        except DeliveryError as exc:
            log.info("old message of card %s not edited: %s", view.card.id, exc)

    # ------------------------------------------------------------------ escalation

    async def escalate_due(self, mention: Callable[[], Awaitable[str]]) -> int:
        """Post again, with a mention, each card whose red flag waits unacknowledged too long."""
        if self._settings.nurse_chat_id is None:
            return 0
        cutoff = self._clock.now() - dt.timedelta(minutes=self._settings.escalate_after_minutes)
        async with self._sessions() as session:
            due = await cards_to_escalate(session, cutoff=cutoff)
        escalated = 0
        for card_id in due:
            try:
                escalated += await self.render(card_id, escalate=True, mention=await mention())
            except DeliveryError as exc:
                log.warning("escalation stopped: %s", type(exc).__name__)
                break
        return escalated

    # ------------------------------------------------------------------ actions

    async def act(
        self,
        card_id: int,
        nurse: Nurse,
        action: str,
        *,
        outcome: str | None = None,
        note: str | None = None,
        pressed: tuple[int, int] | None = None,
    ) -> CardAction:
        """Acknowledge (``ack``) or resolve (``res``) every flag of a card, each audited."""
        now = self._clock.now()
        lang = self._lang
        if action == "res":
            note = tidy_note(note)
            if outcome is not None and outcome not in cards.OUTCOMES:
                return CardAction(False, f"Unknown outcome {outcome!r} "
                                         f"(use {', '.join(cards.OUTCOMES)}).")  # fmt: skip
            if outcome is None and not note:
                return CardAction(False, "Say how it was resolved: an outcome or a note.")
            if note and len(note) > MAX_NOTE_CHARS:
                return CardAction(False, f"The note is too long (at most {MAX_NOTE_CHARS} "
                                         "characters).")  # fmt: skip
        words = [t(f"outcome.{outcome}", lang)] if outcome else []
        words += [note] if note else []
        done: list[FlagRecord] = []
        async with self._sessions.begin() as session:
            view = await load_card_view(session, self._survey, card_id)
            if view is None:
                return CardAction(False, f"There is no card #{card_id}.")
            for flag in view.flags:
                if action == "ack":
                    changed = await set_flag(
                        session, flag.id, expect_status=("open",), status="acknowledged",
                        acknowledged_by=nurse.label, acknowledged_at=now,
                    )  # fmt: skip
                    name = "flag.acknowledged"
                    extra: dict[str, Any] = {}
                else:
                    changed = await set_flag(
                        session, flag.id, expect_status=UNRESOLVED, status="resolved",
                        resolved_by=nurse.label, resolved_at=now,
                        resolution_note=" — ".join(words),
                    )  # fmt: skip
                    name = "flag.resolved"
                    extra = {"outcome": outcome or "note", "note": bool(note)}
                if changed:
                    done.append(flag)
                    await record_audit(
                        session, at=now, actor=nurse.actor, action=name, entity="flag",
                        entity_id=flag.id,
                        detail={"level": flag.level, "patient": flag.patient_ref,
                                "rule": flag.rule_id, "card": card_id,
                                "via": "telegram" if nurse.user_id is not None else "cli",
                                **extra},
                    )  # fmt: skip
        if not done:
            return CardAction(False, _already(view, card_id))
        await self.refresh(card_id, pressed)
        verb = "Acknowledged" if action == "ack" else "Resolved"
        count = f"{len(done)} flag{'s' if len(done) != 1 else ''}"
        return CardAction(True, f"{verb} card #{card_id} ({count}).", tuple(done))

    async def refresh(self, card_id: int, pressed: tuple[int, int] | None = None) -> None:
        """Show a card's new state in the group and on the message a nurse pressed."""
        try:
            await self.render(card_id)
        except DeliveryError as exc:
            log.info("card %s not updated now (%s); the sweep will retry", card_id, exc)
        async with self._sessions() as session:
            card = await get_card(session, card_id)
        if pressed is None or card is None or pressed == (card.chat_id, card.message_id):
            return
        await self.show_mode(card_id, pressed[0], pressed[1], "card")

    async def show_mode(self, card_id: int, chat_id: int, message_id: int,
                        mode: cards.CardMode) -> CardView | None:  # fmt: skip
        """Show the card on one of its messages in ``mode`` (and remember the mode)."""
        view = await self.view(card_id)
        if view is None:
            return None
        async with self._sessions.begin() as session:
            await set_card_message_mode(session, card_id, chat_id, message_id, mode)
        shown = self.outgoing(view, chat_id, mode)
        try:
            await self._transport.edit(chat_id, Edit(message_id, shown.text, shown.keyboard))
        except DeliveryError as exc:
            log.info("card %s in chat %s not edited: %s", card_id, chat_id, exc)
        return view

    async def open_copy(self, card_id: int, chat_id: int) -> bool:
        """Send the card to ``chat_id`` (a nurse's chat, from a list) with its own buttons."""
        view = await self.view(card_id)
        if view is None:
            return False
        try:
            message_id = await self._transport.send(chat_id, self.outgoing(view, chat_id))
        except DeliveryError as exc:
            log.info("card %s not shown in chat %s: %s", card_id, chat_id, exc)
            return False
        async with self._sessions.begin() as session:
            await record_card_message(session, card_id, chat_id, message_id)
        return True

    async def card_asking_note(self, chat_id: int, message_id: int) -> int | None:
        """The card whose message ``message_id`` is asking for a note, if it is."""
        async with self._sessions() as session:
            found = await card_for_message(session, chat_id, message_id)
        return found[0] if found and found[1] == "note" else None


def _with_escalation(view: CardView, now: dt.datetime) -> CardView:
    from dataclasses import replace

    return replace(view, card=replace(view.card, escalated_at=view.card.escalated_at or now))


def _already(view: CardView | None, card_id: int) -> str:
    if view is None or view.status == "resolved":
        who = sorted({f.resolved_by for f in view.flags if f.resolved_by}) if view else []
        return f"Card #{card_id} was already resolved" + (f" by {', '.join(who)}." if who else ".")
    who = sorted({f.acknowledged_by for f in view.flags if f.acknowledged_by})
    return f"Card #{card_id} was already acknowledged" + (f" by {', '.join(who)}." if who else ".")
