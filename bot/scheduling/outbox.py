"""Sending the outbox: right after the commit that wrote a message, and by a periodic sweep.

:meth:`OutboxSender.deliver` is called by the handler right after the transaction that
queued the message (one try, no waiting); :meth:`OutboxSender.sweep` runs as a job in every
process and sends whatever is still pending: a send that failed, a process that died between
commit and send, a claim whose lease ran out. Backoff doubles from ``first_retry`` up to
``max_retry``. A send that timed out may have reached the patient (the Bot API has no
idempotency key), so it waits ``uncertain_wait`` before the one re-send and is counted in
``outbox.uncertain``; a message refused for good (blocked, bad request) becomes ``failed``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.services.replies import Outgoing
from bot.services.transport import Blocked, DeliveryError, RetryLater, Transient, Transport
from storage import outbox as store
from storage.audit import record_audit
from storage.db import retrying

__all__ = ["OutboxPolicy", "OutboxSender"]

log = logging.getLogger(__name__)

AUDITED_KINDS = {"red_advice": "advice.sent"}


@dataclass(frozen=True)
class OutboxPolicy:
    """``lease``: how long a claim of a process without a heartbeat row lasts (longer than
    one send's read timeout); a registered process's claims are recovered once its heartbeat
    stops (:mod:`storage.instances`), and its own forgotten ones after the lease."""

    lease: dt.timedelta = dt.timedelta(seconds=45)
    first_retry: dt.timedelta = dt.timedelta(seconds=5)
    max_retry: dt.timedelta = dt.timedelta(minutes=5)
    uncertain_wait: dt.timedelta = dt.timedelta(seconds=30)
    batch_size: int = 50


class OutboxSender:
    """Claims outbox rows, sends each once per claim and records the outcome."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        transport: Transport,
        clock: Clock,
        *,
        instance: str,
        policy: OutboxPolicy | None = None,
    ) -> None:
        self._sessions = sessions
        self._transport = transport
        self._clock = clock
        self._instance = instance[:64]
        self._policy = policy or OutboxPolicy()
        self._in_hand: set[int] = set()  # claimed here and being sent

    async def deliver(self, ids: Collection[int]) -> int:
        """Send these just-queued messages now; what fails is left to :meth:`sweep`."""
        if not ids:
            return 0
        try:
            items = await self._claim(ids)
        except Exception:  # the database is away: the sweep sends them once it is back
            log.warning("outbox messages %s left to the sweep", sorted(ids), exc_info=True)
            return 0
        return sum([await self._send(item) for item in items])

    async def sweep(self) -> int:
        """Send everything due (pending, retried, or left by a dead process); how many sent."""
        sent = 0
        while True:
            items = await self._claim(None)
            for item in items:
                sent += await self._send(item)
            if len(items) < self._policy.batch_size:
                return sent

    async def _claim(self, ids: Collection[int] | None) -> list[store.OutboxItem]:
        async def unit() -> list[store.OutboxItem]:
            async with self._sessions.begin() as session:
                return await store.claim(
                    session, now=self._clock.now(), instance=self._instance,
                    lease=self._policy.lease, limit=self._policy.batch_size, ids=ids,
                    in_hand=self._in_hand,
                )  # fmt: skip

        return await retrying(unit)

    async def _send(self, item: store.OutboxItem) -> int:
        self._in_hand.add(item.id)
        try:
            return await self._send_claimed(item)
        finally:
            self._in_hand.discard(item.id)

    async def _send_claimed(self, item: store.OutboxItem) -> int:
        try:
            message_id = await self._transport.send(item.chat_id, Outgoing(item.text))
        except Blocked as exc:
            await self._settle(item, failed=f"blocked: {exc}")
            return 0
        except RetryLater as exc:
            wait = dt.timedelta(seconds=exc.retry_after)
            await self._settle(item, retry_in=wait, error="rate limited", counted=False)
            return 0
        except Transient as exc:  # a timeout may have been delivered: wait, then once more
            await self._settle(
                item, retry_in=max(self._backoff(item), self._policy.uncertain_wait),
                error=f"transient: {exc}", uncertain=True,
            )  # fmt: skip
            return 0
        except DeliveryError as exc:
            await self._settle(item, failed=f"refused: {exc}")
            return 0
        except Exception:  # a bug must not lose the message: retry later, loudly
            log.exception("outbox message %s could not be sent", item.id)
            await self._settle(item, retry_in=self._backoff(item), error="internal error")
            return 0
        return await self._sent(item, message_id)

    async def _sent(self, item: store.OutboxItem, message_id: int) -> int:
        """Record the send; retried through database outages so it is never sent again."""

        async def unit() -> bool:
            now = self._clock.now()
            async with self._sessions.begin() as session:
                marked = await store.mark_sent(
                    session, item, instance=self._instance, message_id=message_id, now=now
                )
                action = AUDITED_KINDS.get(item.kind)
                if marked and action is not None:
                    await record_audit(
                        session, at=now, actor="system", action=action, entity="outbox",
                        entity_id=item.id, detail={"message_id": message_id},
                    )  # fmt: skip
                return marked

        if not await retrying(unit):
            log.warning("outbox message %s was sent but its claim had run out", item.id)
        return 1

    async def _settle(
        self,
        item: store.OutboxItem,
        *,
        failed: str | None = None,
        retry_in: dt.timedelta | None = None,
        error: str = "",
        counted: bool = True,
        uncertain: bool = False,
    ) -> None:
        async def unit() -> None:
            now = self._clock.now()
            async with self._sessions.begin() as session:
                if failed is not None:
                    await store.fail(session, item, instance=self._instance, error=failed)
                    return
                retry_at = now + (retry_in or dt.timedelta())
                await store.release(
                    session, item, instance=self._instance, retry_at=retry_at, error=error,
                    counted=counted, uncertain=uncertain,
                )  # fmt: skip

        if failed is not None:
            log.warning("outbox message %s not deliverable: %s", item.id, failed[:80])
        await retrying(unit)

    def _backoff(self, item: store.OutboxItem) -> dt.timedelta:
        policy = self._policy
        wait: dt.timedelta = policy.first_retry * 2 ** min(item.attempts, 16)
        return min(wait, policy.max_retry)
