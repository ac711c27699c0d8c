"""Every refused invite is audited (the chat that tried and why), and links nothing."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from storage.models import AuditEvent, Patient
from tests.bot.e2e.conftest import Harness
from tests.bot.e2e.test_patient_conversation import CHAT, onboard

OTHER = 6001


async def refusals(h: Harness) -> list[tuple[str, str | None, dict[str, object]]]:
    async with h.services.sessions() as session:
        events = (
            await session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "invite.refused")
                .order_by(AuditEvent.id)
            )
        ).all()
    return [(e.actor, e.entity_id, e.detail) for e in events]


async def linked_refs(h: Harness) -> list[str]:
    async with h.services.sessions() as session:
        return list(await session.scalars(select(Patient.ref).where(Patient.chat_id.is_not(None))))


async def test_unknown_used_and_expired_invites_are_refused_and_audited(harness: Harness) -> None:
    h = harness
    await onboard(h)  # P-001 uses its invite in CHAT
    used = (await h.enrol("P-002")).token
    h.sandbox.create_private_chat(OTHER, "Bo", language_code="en")
    await h.sandbox.send_command(OTHER, "start", used)
    await h.next_message(OTHER, "Welcome")
    h.sandbox.create_private_chat(OTHER + 1, "Cy", language_code="en")
    await h.sandbox.send_command(OTHER + 1, "start", used)
    assert (await h.next_message(OTHER + 1)).text == (
        "This invite link was already used. If that was not you, please tell the ward.\n"
        "Ask the ward for a new link if you need one."
    )

    await h.sandbox.send_command(OTHER + 1, "start", "not-a-real-token")
    assert (await h.next_message(OTHER + 1)).text == (
        "This invite link is not valid. Please ask the ward for a new one."
    )
    expiring = (await h.enrol("P-003")).token
    h.clock.advance(dt.timedelta(days=h.settings.invite_ttl_days, seconds=1))
    await h.sandbox.send_command(OTHER + 1, "start", expiring)
    assert (await h.next_message(OTHER + 1)).text == (
        "This invite link has expired. Please ask the ward for a new one."
    )

    chat = str(OTHER + 1)
    assert await refusals(h) == [
        (f"chat:{chat}", chat, {"reason": "used"}),
        (f"chat:{chat}", chat, {"reason": "unknown"}),
        (f"chat:{chat}", chat, {"reason": "expired"}),
    ]
    assert sorted(await linked_refs(h)) == ["P-001", "P-002"]


async def test_a_second_patients_invite_in_a_linked_chat_is_audited(harness: Harness) -> None:
    h = harness
    await onboard(h)
    other = await h.enrol("P-002")
    await h.sandbox.send_command(CHAT, "start", other.token)
    await h.next_message(CHAT, "already linked")
    assert await refusals(h) == [(f"chat:{CHAT}", str(CHAT), {"reason": "other_patient"})]
    assert await linked_refs(h) == ["P-001"]
