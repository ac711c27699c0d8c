"""Nurse accounts (argon2 password hashes), sign-in checks and one-time sign-in links.

Passwords are hashed with argon2-cffi (Argon2id, the library's recommended parameters);
a wrong name costs as much time as a wrong password, so names cannot be probed by timing.
A sign-in link is a random token the bot gives a nurse in Telegram; only its hash is
stored, and it works once, for ``web_link_minutes``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.settings import Settings
from storage.audit import record_audit
from storage.nurse_accounts import (
    AccountExists,
    account_by_name,
    create_account,
    create_signin_link,
    get_account,
    redeem_signin_link,
    set_account_language,
    set_account_password,
)

__all__ = ["AccountError", "Accounts", "SignedIn", "normalise_name"]

MIN_PASSWORD = 10
LANGUAGES = ("en", "zh")


class AccountError(ValueError):
    """A refused account change; ``str()`` is one sentence for the person at the keyboard."""


@dataclass(frozen=True)
class SignedIn:
    """Who a dashboard session belongs to: an account, or a Telegram nurse via a link."""

    name: str
    language: str
    account_id: int | None = None
    telegram_user_id: int | None = None


def normalise_name(name: str) -> str:
    return " ".join(name.split())


class Accounts:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], settings: Settings, clock: Clock
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._clock = clock
        self._hasher = PasswordHasher()
        self._dummy = self._hasher.hash(secrets.token_hex(16))

    async def add(self, name: str, password: str, language: str = "en") -> int:
        """Create an account; AccountError for a bad name, a short password or a duplicate."""
        name = normalise_name(name)
        if not name or len(name) > 120:
            raise AccountError("The name must be 1 to 120 characters.")
        if len(password) < MIN_PASSWORD:
            raise AccountError(f"The password must be at least {MIN_PASSWORD} characters.")
        if language not in LANGUAGES:
            raise AccountError("The language must be en or zh.")
        now = self._clock.now()
        hashed = await asyncio.to_thread(self._hasher.hash, password)
        async with self._sessions.begin() as session:
            try:
                account = await create_account(
                    session,
                    name=name,
                    password_hash=hashed,
                    language=language,
                    now=now,
                )
            except AccountExists:
                raise AccountError(f"There is already a nurse account named {name!r}.") from None
            await record_audit(
                session,
                at=now,
                actor="cli",
                action="nurse.account_added",
                entity="nurse_account",
                entity_id=account.id,
            )
        return account.id

    async def verify(self, name: str, password: str) -> SignedIn | None:
        """The account if ``password`` is right, else None (same work for an unknown name)."""
        async with self._sessions() as session:
            account = await account_by_name(session, normalise_name(name))
        stored = account.password_hash if account and account.active else self._dummy
        if not await asyncio.to_thread(self._matches, stored, password):
            return None
        if account is None or not account.active:
            return None
        if self._hasher.check_needs_rehash(stored):
            rehashed = await asyncio.to_thread(self._hasher.hash, password)
            async with self._sessions.begin() as session:
                await set_account_password(session, account.id, rehashed)
        return SignedIn(account.name, account.language, account_id=account.id)

    def _matches(self, stored: str, password: str) -> bool:
        """Argon2 is slow on purpose: callers run this in a thread, off the bot's loop."""
        try:
            return bool(self._hasher.verify(stored, password))
        except (VerificationError, InvalidHashError):
            return False

    async def still_active(self, who: SignedIn) -> bool:
        if who.account_id is None:
            return True
        async with self._sessions() as session:
            account = await get_account(session, who.account_id)
        return account is not None and account.active

    async def set_language(self, who: SignedIn, language: str) -> None:
        if who.account_id is not None and language in LANGUAGES:
            async with self._sessions.begin() as session:
                await set_account_language(session, who.account_id, language)

    async def new_link(self, telegram_user_id: int, name: str, language: str) -> str:
        """A one-time sign-in URL for a nurse who asked the bot for one."""
        token = secrets.token_urlsafe(24)
        now = self._clock.now()
        expires = now + dt.timedelta(minutes=self._settings.web_link_minutes)
        async with self._sessions.begin() as session:
            await create_signin_link(
                session,
                token=token,
                telegram_user_id=telegram_user_id,
                name=name,
                language=language if language in LANGUAGES else "en",
                now=now,
                expires_at=expires,
            )
            await record_audit(
                session,
                at=now,
                actor=f"tg:{telegram_user_id}",
                action="web.link_issued",
                entity="nurse",
                entity_id=telegram_user_id,
            )
        return f"{self._settings.web_address()}/signin/link/{token}"

    async def redeem(self, token: str) -> SignedIn | None:
        async with self._sessions.begin() as session:
            link = await redeem_signin_link(session, token, self._clock.now())
        if link is None:
            return None
        return SignedIn(link.name, link.language, telegram_user_id=link.telegram_user_id)
