"""Sign-in attempts, limited per client address and per account name, across processes.

After ``attempts`` failures within ``window`` further attempts are refused until the
oldest failure leaves the window; a successful sign-in forgets the name's failures. The
failures are the audit events of refused sign-ins (:mod:`storage.signin_attempts`), so
every process serving the dashboard on one database shares the limit, and a restart
forgets nothing. Two processes checking at the same instant may each let one more attempt
through: the limit is exact to within the number of processes.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from storage.signin_attempts import failed_signins

__all__ = ["SignInLimiter", "signin_detail"]


def _folded(name: str) -> str:
    return " ".join(name.split()).casefold()[:120]


def signin_detail(name: str, address: str | None = None) -> dict[str, str]:
    """What a sign-in's audit event records for the limit: the folded name, the address."""
    detail = {"name": _folded(name)}
    if address is not None:
        detail["address"] = address[:64]
    return detail


class SignInLimiter:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        attempts: int = 5,
        window: dt.timedelta = dt.timedelta(minutes=15),
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._attempts = attempts
        self._window = window

    async def blocked(self, address: str, name: str) -> bool:
        async with self._sessions() as session:
            counts = await failed_signins(
                session,
                since=self._clock.now() - self._window,
                name=_folded(name),
                address=address[:64],
            )
        return any(count >= self._attempts for count in counts)
