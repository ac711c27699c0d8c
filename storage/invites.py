"""Single-use invite tokens. Only a SHA-256 hash of a token is ever stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Invite

__all__ = [
    "InviteRefused",
    "create_invite",
    "expire_invites",
    "hash_token",
    "invite_enrolment",
    "redeem_invite",
]


@dataclass(frozen=True)
class InviteRefused:
    reason: Literal["unknown", "expired", "used"]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_invite(
    session: AsyncSession, *, enrolment_id: int, now: dt.datetime, ttl: dt.timedelta
) -> str:
    """Store a new invite and return its token (shown once, never stored)."""
    token = secrets.token_urlsafe(24)  # 32 URL-safe characters, fits Telegram's 64-char start
    session.add(
        Invite(
            enrolment_id=enrolment_id,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=now + ttl,
        )
    )
    await session.flush()
    return token


async def expire_invites(session: AsyncSession, enrolment_id: int, now: dt.datetime) -> int:
    """End every unused, unexpired invite of an enrolment; returns how many.

    They expire rather than count as used, so an old link tells the patient to ask for a new one.
    """
    result = await session.execute(
        update(Invite)
        .where(
            Invite.enrolment_id == enrolment_id,
            Invite.used_at.is_(None),
            Invite.expires_at > now,
        )
        .values(expires_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def invite_enrolment(session: AsyncSession, token: str) -> int | None:
    """The enrolment an invite token belongs to, whatever its state; nothing is changed."""
    if not token or len(token) > 64:
        return None
    return await session.scalar(
        select(Invite.enrolment_id).where(Invite.token_hash == hash_token(token))
    )


async def redeem_invite(session: AsyncSession, token: str, now: dt.datetime) -> int | InviteRefused:
    """Use the invite once; return its enrolment id, or why it is refused.

    The conditional UPDATE makes two simultaneous redemptions of one token safe.
    """
    if not token or len(token) > 64:
        return InviteRefused("unknown")
    invite = await session.scalar(select(Invite).where(Invite.token_hash == hash_token(token)))
    if invite is None:
        return InviteRefused("unknown")
    if invite.used_at is not None:
        return InviteRefused("used")
    if invite.expires_at <= now:
        return InviteRefused("expired")
    claimed = await session.execute(
        update(Invite).where(Invite.id == invite.id, Invite.used_at.is_(None)).values(used_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return InviteRefused("used")
    return invite.enrolment_id
