"""What each dispatcher job did: small counters for logs, tests and benchmarks."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

__all__ = [
    "CloseCounts",
    "Counts",
    "DispatchCounts",
    "FlagCounts",
    "ReminderCounts",
    "TickCounts",
]


@dataclass
class Counts:
    def busy(self) -> bool:
        """Whether anything happened (the job is worth logging)."""
        return any(getattr(self, f.name) for f in fields(self))

    def bump(self, name: str) -> None:
        if name not in {f.name for f in fields(self)}:
            raise KeyError(name)
        setattr(self, name, getattr(self, name) + 1)

    def add(self, other: Counts) -> None:
        for f in fields(other):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    def __str__(self) -> str:
        return " ".join(f"{k}={v}" for k, v in asdict(self).items() if v)


@dataclass
class DispatchCounts(Counts):
    """``claimed`` = ``sent`` + ``retried`` + ``released`` + ``blocked`` + ``failed`` + ``lost``.

    ``retried``: a try failed and counted, to be tried again; ``released``: put back without
    counting (rate limited, out of time, nothing to send); ``failed``: given up as
    undeliverable; ``lost``: our claim was taken over before we could mark it sent.
    ``errors``: an unexpected failure (the claim is recovered after the lease).
    ``recovered_sent``/``recovered_retry``: stale claims of dead processes settled.
    """

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    released: int = 0
    blocked: int = 0
    failed: int = 0
    lost: int = 0
    errors: int = 0
    recovered_sent: int = 0
    recovered_retry: int = 0


@dataclass
class ReminderCounts(Counts):
    due: int = 0
    sent: int = 0
    skipped: int = 0
    retried: int = 0
    blocked: int = 0
    errors: int = 0


@dataclass
class CloseCounts(Counts):
    """Check-ins marked missed; ``excused`` of them will not count towards the flag."""

    missed: int = 0
    excused: int = 0


@dataclass
class FlagCounts(Counts):
    checked: int = 0
    flagged: int = 0


@dataclass
class TickCounts:
    closed: CloseCounts
    flagged: FlagCounts
    dispatched: DispatchCounts
    reminded: ReminderCounts

    def parts(self) -> tuple[Counts, ...]:
        return (self.closed, self.flagged, self.dispatched, self.reminded)

    def busy(self) -> bool:
        return any(part.busy() for part in self.parts())

    def add(self, other: TickCounts) -> None:
        for mine, theirs in zip(self.parts(), other.parts(), strict=True):
            mine.add(theirs)

    def __str__(self) -> str:
        names = ("closed", "flagged", "dispatched", "reminded")
        return "; ".join(f"{n}: {p}" for n, p in zip(names, self.parts(), strict=True) if p.busy())
