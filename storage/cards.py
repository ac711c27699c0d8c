"""Nurse cards: one card per check-in (or per message, or per flag outside a check-in).

A card is written in the same transaction as the flag that opens it, and every change to one
of its flags bumps its ``version``; the nurse sweep (re)posts each card whose
``rendered_version`` is behind, under a claim one process wins, so the card table is the
nurse group's outbox. A claim whose holder died or stopped is taken over at the next sweep
(:mod:`storage.instances`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Final

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.instances import abandoned
from storage.models import Flag, NurseCard, NurseCardMessage, Patient
from storage.records import FlagRecord, NurseCardRecord

__all__ = [
    "CARD_LEVELS",
    "attach_flag",
    "card_claimed_by",
    "card_for_message",
    "card_source_key",
    "cards_to_escalate",
    "cards_to_render",
    "claim_card_render",
    "finish_card_render",
    "flags_of_card",
    "get_card",
    "record_card_message",
    "release_card_render",
    "set_card_message_mode",
    "touch_card_of_flag",
    "touch_checkin_card",
]

CARD_LEVELS: Final = ("red", "amber")
"""Flags of these levels open a card; others join a card their check-in already has."""


def card_source_key(
    *, patient_id: int, checkin_id: int | None, dedupe_key: str, evidence: Mapping[str, Any],
    flag_id: int, now: dt.datetime,
) -> str:  # fmt: skip
    """Which card a flag belongs to.

    Answers of a check-in and words typed during it share the check-in's card; the flags of
    one free-text message outside a check-in (raised together) share one card; any other
    flag (missed check-ins, an unreachable patient) has a card of its own.
    """
    free_text = evidence.get("source") == "free_text"
    if checkin_id is not None and (free_text or dedupe_key.startswith("checkin:")):
        return f"checkin:{checkin_id}"
    if free_text:
        return f"text:{patient_id}:{now.isoformat()}"
    return f"flag:{flag_id}"


async def attach_flag(session: AsyncSession, row: Flag, now: dt.datetime) -> int | None:
    """Put a newly raised flag on its card, opening the card for a red or amber flag.

    Returns the card id (None for an info flag whose check-in has no card yet). Flags of the
    same check-in raised earlier without a card (info) join the card when it opens.
    """
    key = card_source_key(
        patient_id=row.patient_id, checkin_id=row.checkin_id, dedupe_key=row.dedupe_key,
        evidence=row.evidence, flag_id=row.id, now=now,
    )  # fmt: skip
    card_id = await session.scalar(select(NurseCard.id).where(NurseCard.source_key == key))
    if card_id is None:
        if row.level not in CARD_LEVELS:
            return None
        card = NurseCard(
            patient_id=row.patient_id, source_key=key, checkin_id=row.checkin_id,
            created_at=now, version=1, rendered_version=0,
        )  # fmt: skip
        try:
            async with session.begin_nested():
                session.add(card)
        except IntegrityError:  # opened concurrently by another process
            card_id = await session.scalar(select(NurseCard.id).where(NurseCard.source_key == key))
        else:
            card_id = card.id
    assert card_id is not None
    await session.execute(update(Flag).where(Flag.id == row.id).values(card_id=card_id))
    if row.checkin_id is not None and key.startswith("checkin:"):
        await session.execute(
            update(Flag)
            .where(Flag.checkin_id == row.checkin_id, Flag.card_id.is_(None),
                   Flag.dedupe_key.like("checkin:%"))
            .values(card_id=card_id)
        )  # fmt: skip
    await _bump(session, card_id)
    return card_id


async def _bump(session: AsyncSession, card_id: int) -> None:
    await session.execute(
        update(NurseCard).where(NurseCard.id == card_id).values(version=NurseCard.version + 1)
    )


async def touch_card_of_flag(session: AsyncSession, flag_id: int) -> None:
    """The flag changed: its card must be shown again."""
    card_id = select(Flag.card_id).where(Flag.id == flag_id).scalar_subquery()
    await session.execute(
        update(NurseCard).where(NurseCard.id == card_id).values(version=NurseCard.version + 1)
    )


async def touch_checkin_card(session: AsyncSession, checkin_id: int) -> None:
    """The check-in's answers changed (it was completed): its card, if any, is shown again."""
    await session.execute(
        update(NurseCard)
        .where(NurseCard.source_key == f"checkin:{checkin_id}")
        .values(version=NurseCard.version + 1)
    )


async def get_card(session: AsyncSession, card_id: int) -> NurseCardRecord | None:
    row = await session.get(NurseCard, card_id, populate_existing=True)
    return NurseCardRecord.of(row) if row else None


async def flags_of_card(session: AsyncSession, card_id: int) -> list[FlagRecord]:
    """The card's flags in the order they were raised."""
    rows = await session.execute(
        select(Flag, Patient.ref)
        .join(Patient, Patient.id == Flag.patient_id)
        .where(Flag.card_id == card_id)
        .order_by(Flag.raised_at, Flag.id)
    )
    return [FlagRecord.of(row, ref) for row, ref in rows.all()]


def _free(now: dt.datetime, lease: dt.timedelta, owner: str | None) -> ColumnElement[bool]:
    """Not claimed, or claimed by a process that is gone (its heartbeat, or without one its
    lease), or by ``owner`` itself past the lease (a render that failed to give it back)."""
    expired = NurseCard.claimed_at < now - lease
    free = or_(NurseCard.claimed_at.is_(None), abandoned(NurseCard.claimed_by, now, expired))
    if owner is not None:
        free = or_(free, and_(NurseCard.claimed_by == owner, expired))
    return free


async def cards_to_render(
    session: AsyncSession, *, now: dt.datetime, lease: dt.timedelta, owner: str | None = None
) -> list[int]:
    """Cards behind their version and not claimed by a live sender, oldest first."""
    rows = await session.scalars(
        select(NurseCard.id)
        .where(NurseCard.rendered_version < NurseCard.version, _free(now, lease, owner))
        .order_by(NurseCard.id)
        .limit(500)
    )
    return list(rows.all())


async def card_claimed_by(session: AsyncSession, card_id: int) -> str | None:
    """Who holds the card's claim now (None: nobody)."""
    return await session.scalar(select(NurseCard.claimed_by).where(NurseCard.id == card_id))


async def claim_card_render(
    session: AsyncSession, card_id: int, *, owner: str, now: dt.datetime, lease: dt.timedelta,
    force: bool = False,
) -> int | None:  # fmt: skip
    """Claim the right to (re)post a card; returns the version claimed, or None.

    One process wins; a claim whose sender died or stopped may be taken over at once.
    ``force`` claims an up-to-date card too (an escalation posts it again).
    """
    free = _free(now, lease, owner)
    behind = NurseCard.rendered_version < NurseCard.version
    result = await session.execute(
        update(NurseCard)
        .where(NurseCard.id == card_id, free if force else and_(free, behind))
        .values(claimed_by=owner, claimed_at=now)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return None
    return await session.scalar(select(NurseCard.version).where(NurseCard.id == card_id))


async def finish_card_render(
    session: AsyncSession, card_id: int, *, owner: str, version: int, chat_id: int | None,
    message_id: int | None, now: dt.datetime, escalated: bool = False,
) -> None:  # fmt: skip
    """Record what was shown (up to ``version``), where, and give the claim back.

    Without ``message_id`` nothing was posted (a card resolved before it went out).
    """
    values: dict[str, Any] = {"rendered_version": version, "claimed_by": None, "claimed_at": None}
    if chat_id is not None and message_id is not None:
        values |= {"chat_id": chat_id, "message_id": message_id,
                   "posted_at": func.coalesce(NurseCard.posted_at, now)}  # fmt: skip
    if escalated:
        values["escalated_at"] = now
    await session.execute(
        update(NurseCard).where(NurseCard.id == card_id, NurseCard.claimed_by == owner)
        .values(**values)
    )  # fmt: skip
    if chat_id is not None and message_id is not None:
        await record_card_message(session, card_id, chat_id, message_id)


async def release_card_render(session: AsyncSession, card_id: int, *, owner: str) -> None:
    """Give a claim back after a failed send, so the next sweep tries again."""
    await session.execute(
        update(NurseCard)
        .where(NurseCard.id == card_id, NurseCard.claimed_by == owner)
        .values(claimed_by=None, claimed_at=None)
    )


async def cards_to_escalate(session: AsyncSession, *, cutoff: dt.datetime) -> list[int]:
    """Posted cards not escalated yet with an open red flag raised at or before ``cutoff``."""
    rows = await session.scalars(
        select(NurseCard.id)
        .join(Flag, Flag.card_id == NurseCard.id)
        .where(
            NurseCard.escalated_at.is_(None),
            NurseCard.message_id.is_not(None),
            Flag.level == "red",
            Flag.status == "open",
            Flag.raised_at <= cutoff,
        )
        .distinct()
        .order_by(NurseCard.id)
    )
    return list(rows.all())


async def record_card_message(
    session: AsyncSession, card_id: int, chat_id: int, message_id: int, mode: str = "card"
) -> None:
    """Remember that this message shows the card (taps and replies are bound to it)."""
    found = await session.get(NurseCardMessage, (chat_id, message_id))
    if found is None:
        session.add(NurseCardMessage(chat_id=chat_id, message_id=message_id, card_id=card_id,
                                     mode=mode))  # fmt: skip
        await session.flush()
    else:
        found.card_id, found.mode = card_id, mode


async def set_card_message_mode(
    session: AsyncSession, card_id: int, chat_id: int, message_id: int, mode: str
) -> None:
    await record_card_message(session, card_id, chat_id, message_id, mode)


async def card_for_message(
    session: AsyncSession, chat_id: int, message_id: int
) -> tuple[int, str] | None:
    """(card id, mode) of a message that shows a card, or None."""
    found = await session.get(NurseCardMessage, (chat_id, message_id), populate_existing=True)
    return (found.card_id, found.mode) if found else None
