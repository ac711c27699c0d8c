"""Live bot processes: a heartbeat row per process, and which claims a dead one left behind.

Each running process registers a row under the name it writes into ``claimed_by`` and
renews ``seen_at`` every :data:`BEAT`. A claim (check-in, nurse card, outbox message) is
*abandoned* when its owner stopped (``stopped_at``, set on a clean stop) or has not been
seen for :data:`STALE_AFTER`; such claims are recovered at the next tick. A claim of a live
owner is never abandoned, however long its send takes: the heartbeat is the lease's renewal.
A claim whose owner has no row (written before this table, or the row was purged) falls back
to the claim's own lease.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from sqlalchemy import ColumnElement, and_, delete, exists, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from storage.models import Instance, UTCDateTime

__all__ = [
    "BEAT",
    "STALE_AFTER",
    "InstanceInfo",
    "abandoned",
    "beat",
    "forget_gone",
    "live_instances",
    "register",
    "stop",
    "supersede_dead_on_host",
]

BEAT: Final = dt.timedelta(seconds=5)
"""How often a running process renews its ``seen_at``."""
STALE_AFTER: Final = dt.timedelta(seconds=20)
"""Unseen this long (four beats), a process is taken to be dead and its claims recovered."""


@dataclass(frozen=True)
class InstanceInfo:
    name: str
    host: str
    pid: int
    started_at: dt.datetime
    seen_at: dt.datetime


def _at(value: dt.datetime) -> ColumnElement[dt.datetime]:
    return literal(value, UTCDateTime())


async def register(
    session: AsyncSession, *, name: str, host: str, pid: int, now: dt.datetime
) -> None:
    """Announce this process (again, if it was marked gone while it still lived)."""
    row = await session.get(Instance, name, populate_existing=True)
    if row is None:
        session.add(Instance(name=name, host=host[:255], pid=pid, started_at=now, seen_at=now))
        await session.flush()
        return
    row.host, row.pid, row.seen_at, row.stopped_at = host[:255], pid, now, None


async def supersede_dead_on_host(
    session: AsyncSession, *, name: str, host: str, now: dt.datetime,
    alive: Callable[[int, str], bool],
) -> list[str]:  # fmt: skip
    """Mark gone the other processes registered on this host that are no longer running.

    A restart is then recovered at once instead of after :data:`STALE_AFTER`: a row of this
    host for which ``alive(pid, name)`` is false (its process id names no running process,
    or is ours under an earlier process: a container's process 1, restarted) belonged to a
    process that died. Returns their names.
    """
    rows = await session.execute(
        select(Instance.name, Instance.pid).where(
            Instance.host == host[:255], Instance.stopped_at.is_(None), Instance.name != name
        )
    )
    gone = [other for other, other_pid in rows.all() if not alive(other_pid, other)]
    if gone:
        await session.execute(
            update(Instance).where(Instance.name.in_(gone)).values(stopped_at=now)
        )
    return sorted(gone)


async def beat(session: AsyncSession, name: str, now: dt.datetime) -> bool:
    """Renew ``seen_at``; False if the row is missing or marked gone (register again)."""
    result = await session.execute(
        update(Instance)
        .where(Instance.name == name, Instance.stopped_at.is_(None))
        .values(seen_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def stop(session: AsyncSession, name: str, now: dt.datetime) -> None:
    """A clean stop: the process is gone and its claims may be recovered at once."""
    await session.execute(
        update(Instance)
        .where(Instance.name == name, Instance.stopped_at.is_(None))
        .values(stopped_at=now)
        .execution_options(synchronize_session=False)
    )


async def live_instances(session: AsyncSession, now: dt.datetime) -> list[InstanceInfo]:
    """Processes running and seen within :data:`STALE_AFTER`, oldest first."""
    rows = await session.execute(
        select(Instance.name, Instance.host, Instance.pid, Instance.started_at, Instance.seen_at)
        .where(Instance.stopped_at.is_(None), Instance.seen_at >= _at(now - STALE_AFTER))
        .order_by(Instance.started_at, Instance.name)
    )
    return [InstanceInfo(*row) for row in rows.all()]


async def forget_gone(session: AsyncSession, before: dt.datetime) -> int:
    """Delete rows of processes gone (stopped or unseen) since before ``before``."""
    result = await session.execute(
        delete(Instance).where(
            or_(Instance.stopped_at < _at(before), Instance.seen_at < _at(before))
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def abandoned(
    owner: InstrumentedAttribute[str | None],
    now: dt.datetime,
    lease_expired: ColumnElement[bool],
) -> ColumnElement[bool]:
    """SQL: the claim whose owner is in ``owner`` may be recovered now.

    Its owner stopped or went unseen for :data:`STALE_AFTER`; or the owner never registered
    and the claim's own lease ran out (``lease_expired``).
    """
    dead = exists().where(
        Instance.name == owner,
        or_(Instance.stopped_at.is_not(None), Instance.seen_at < _at(now - STALE_AFTER)),
    )
    registered = exists().where(Instance.name == owner)
    return or_(dead, and_(~registered, lease_expired))
