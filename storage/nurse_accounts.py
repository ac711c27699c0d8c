"""Nurse accounts of the web dashboard and the one-time sign-in links the bot hands out."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import NurseAccount, WebSignInLink

__all__ = [
    "AccountExists",
    "NurseAccountRecord",
    "SignInLinkRecord",
    "account_by_name",
    "create_account",
    "create_signin_link",
    "get_account",
    "redeem_signin_link",
    "set_account_language",
    "set_account_password",
]


class AccountExists(ValueError):
    """A nurse account with that name exists already."""


@dataclass(frozen=True)
class NurseAccountRecord:
    id: int
    name: str
    password_hash: str
    language: str
    telegram_user_id: int | None
    active: bool

    @classmethod
    def of(cls, row: NurseAccount) -> NurseAccountRecord:
        return cls(
            row.id, row.name, row.password_hash, row.language, row.telegram_user_id, row.active
        )


@dataclass(frozen=True)
class SignInLinkRecord:
    telegram_user_id: int
    name: str
    language: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_account(
    session: AsyncSession, *, name: str, password_hash: str, language: str, now: dt.datetime
) -> NurseAccountRecord:
    row = NurseAccount(
        name=name, password_hash=password_hash, language=language, active=True, created_at=now
    )
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise AccountExists(name) from None
    return NurseAccountRecord.of(row)


async def account_by_name(session: AsyncSession, name: str) -> NurseAccountRecord | None:
    row = await session.scalar(select(NurseAccount).where(NurseAccount.name == name))
    return NurseAccountRecord.of(row) if row is not None else None


async def get_account(session: AsyncSession, account_id: int) -> NurseAccountRecord | None:
    row = await session.get(NurseAccount, account_id)
    return NurseAccountRecord.of(row) if row is not None else None


async def set_account_language(session: AsyncSession, account_id: int, language: str) -> None:
    await session.execute(
        update(NurseAccount).where(NurseAccount.id == account_id).values(language=language)
    )


async def set_account_password(session: AsyncSession, account_id: int, password_hash: str) -> None:
    await session.execute(
        update(NurseAccount)
        .where(NurseAccount.id == account_id)
        .values(password_hash=password_hash)
    )


async def create_signin_link(
    session: AsyncSession,
    *,
    token: str,
    telegram_user_id: int,
    name: str,
    language: str,
    now: dt.datetime,
    expires_at: dt.datetime,
) -> None:
    session.add(
        WebSignInLink(
            token_hash=_hash(token),
            telegram_user_id=telegram_user_id,
            name=name[:120],
            language=language,
            created_at=now,
            expires_at=expires_at,
        )
    )


async def redeem_signin_link(
    session: AsyncSession, token: str, now: dt.datetime
) -> SignInLinkRecord | None:
    """Use the link once: None if unknown, used already or expired."""
    row = await session.scalar(
        select(WebSignInLink).where(WebSignInLink.token_hash == _hash(token))
    )
    if row is None or row.used_at is not None or row.expires_at <= now:
        return None
    used = await session.execute(
        update(WebSignInLink)
        .where(WebSignInLink.id == row.id, WebSignInLink.used_at.is_(None))
        .values(used_at=now)
    )
    if getattr(used, "rowcount", 0) != 1:
        return None  # another request used it first
    return SignInLinkRecord(row.telegram_user_id, row.name, row.language)
