"""Sign-in attempts, limited per client address and per account name.

After ``attempts`` failures within ``window`` further attempts are refused until the
oldest failure leaves the window; a success forgets the name's failures. Kept in memory:
a restart forgets it, which costs an attacker a restart of the ward's server.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict, deque

from bot.clock import Clock

__all__ = ["SignInLimiter"]


class SignInLimiter:
    def __init__(
        self, clock: Clock, attempts: int = 5, window: dt.timedelta = dt.timedelta(minutes=15)
    ) -> None:
        self._clock = clock
        self._attempts = attempts
        self._window = window
        self._failures: defaultdict[str, deque[dt.datetime]] = defaultdict(deque)

    def _recent(self, key: str) -> deque[dt.datetime]:
        failures = self._failures[key]
        cutoff = self._clock.now() - self._window
        while failures and failures[0] <= cutoff:
            failures.popleft()
        return failures

    def blocked(self, address: str, name: str) -> bool:
        keys = (f"ip:{address}", f"name:{name.casefold()}")
        return any(len(self._recent(key)) >= self._attempts for key in keys)

    def failed(self, address: str, name: str) -> None:
        now = self._clock.now()
        self._failures[f"ip:{address}"].append(now)
        self._failures[f"name:{name.casefold()}"].append(now)

    def succeeded(self, name: str) -> None:
        self._failures.pop(f"name:{name.casefold()}", None)
