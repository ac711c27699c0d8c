"""Injected failures: Telegram saying 429/403/500, or never answering at all."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

from bot.sandbox.errors import ApiError

__all__ = ["DEFAULT_TIMEOUT_DELAY", "Fault", "FaultKind", "FaultPlan"]

FaultKind = Literal["429", "403", "500", "timeout"]
# Longer than python-telegram-bot's default 5 s read timeout.
DEFAULT_TIMEOUT_DELAY = 6.0


@dataclass
class Fault:
    """One injection rule; ``fired`` counts the requests it has failed so far.

    ``times`` fails the next N matching requests; ``rate`` fails each matching request with
    that probability (seeded, so runs repeat). A faulted request is not carried out, except a
    ``timeout`` with ``deliver_then_timeout``: Telegram accepted it, the client never heard back.
    """

    method: str
    kind: FaultKind
    times: int | None = None
    rate: float | None = None
    retry_after: int = 2
    chat_id: int | str | None = None
    delay: float = DEFAULT_TIMEOUT_DELAY
    deliver_then_timeout: bool = False
    fired: int = 0

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times

    def matches(self, method: str, chat_id: str | None) -> bool:
        if self.exhausted or self.method.lower() != method.lower():
            return False
        return self.chat_id is None or str(self.chat_id) == chat_id

    def error(self) -> ApiError:
        """The reply for status faults (not meaningful for ``timeout``)."""
        if self.kind == "429":
            return ApiError(
                429,
                f"Too Many Requests: retry after {self.retry_after}",
                retry_after=self.retry_after,
            )
        if self.kind == "403":
            return ApiError(403, "Forbidden: bot was blocked by the user")
        return ApiError(500, "Internal Server Error")


class FaultPlan:
    """The active fault rules, consulted for every Bot API request in the order added."""

    def __init__(self, seed: int = 0) -> None:
        self._random = random.Random(seed)
        self._faults: list[Fault] = []

    def add(
        self,
        method: str = "sendMessage",
        kind: FaultKind = "429",
        *,
        times: int | None = None,
        rate: float | None = None,
        retry_after: int = 2,
        chat_id: int | str | None = None,
        delay: float = DEFAULT_TIMEOUT_DELAY,
        deliver_then_timeout: bool = False,
    ) -> Fault:
        """Fail ``times`` matching requests (default 1), or a ``rate`` share of them."""
        if kind not in ("429", "403", "500", "timeout"):
            raise ValueError(f"unknown fault kind {kind!r}")
        if times is not None and rate is not None:
            raise ValueError("give either times or rate, not both")
        if rate is not None and not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        if times is not None and times < 1:
            raise ValueError("times must be at least 1")
        if deliver_then_timeout and kind != "timeout":
            raise ValueError("deliver_then_timeout only applies to timeout faults")
        fault = Fault(
            method=method,
            kind=kind,
            times=1 if times is None and rate is None else times,
            rate=rate,
            retry_after=retry_after,
            chat_id=chat_id,
            delay=delay,
            deliver_then_timeout=deliver_then_timeout,
        )
        self._faults.append(fault)
        return fault

    def remove(self, fault: Fault) -> None:
        self._faults.remove(fault)

    def clear(self) -> None:
        self._faults.clear()

    @property
    def active(self) -> tuple[Fault, ...]:
        return tuple(fault for fault in self._faults if not fault.exhausted)

    def match(self, method: str, chat_id: str | None) -> Fault | None:
        """The fault that fires for this request, if any (and count it)."""
        for fault in self._faults:
            if not fault.matches(method, chat_id):
                continue
            if fault.rate is not None and self._random.random() >= fault.rate:
                continue
            fault.fired += 1
            return fault
        return None
