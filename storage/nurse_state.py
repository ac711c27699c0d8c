"""What the nurse side remembers between messages: dialogues in progress and preferences.

A dialogue is one row per chat and user, replaced as it moves on and deleted when it ends,
so whichever bot process gets a nurse's next message finds where the dialogue stands.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import NurseDialogue, NursePreference
from storage.records import NurseDialogueRecord

__all__ = [
    "end_dialogue",
    "get_dialogue",
    "nurse_language",
    "save_dialogue",
    "set_nurse_language",
]


async def get_dialogue(
    session: AsyncSession, chat_id: int, user_id: int
) -> NurseDialogueRecord | None:
    row = await session.get(NurseDialogue, (chat_id, user_id), populate_existing=True)
    return NurseDialogueRecord.of(row) if row is not None else None


async def save_dialogue(
    session: AsyncSession,
    chat_id: int,
    user_id: int,
    *,
    kind: str,
    step: str,
    data: dict[str, Any],
    now: dt.datetime,
) -> None:
    """Start or move on the dialogue of ``user_id`` in ``chat_id``."""
    row = await session.get(NurseDialogue, (chat_id, user_id), with_for_update=True)
    if row is None:
        session.add(NurseDialogue(chat_id=chat_id, user_id=user_id, kind=kind, step=step,
                                  data=data, updated_at=now))  # fmt: skip
    else:
        row.kind, row.step, row.data, row.updated_at = kind, step, dict(data), now
    await session.flush()


async def end_dialogue(session: AsyncSession, chat_id: int, user_id: int) -> bool:
    """Forget the dialogue; whether there was one."""
    result = await session.execute(
        delete(NurseDialogue).where(
            NurseDialogue.chat_id == chat_id, NurseDialogue.user_id == user_id
        )
    )
    return bool(getattr(result, "rowcount", 0))


async def nurse_language(session: AsyncSession, user_id: int) -> str | None:
    """The language a nurse chose with /language, if any."""
    found = await session.execute(
        select(NursePreference.language).where(NursePreference.user_id == user_id)
    )
    return found.scalar_one_or_none()


async def set_nurse_language(
    session: AsyncSession, user_id: int, language: str, now: dt.datetime
) -> None:
    row = await session.get(NursePreference, user_id, with_for_update=True)
    if row is None:
        session.add(NursePreference(user_id=user_id, language=language, updated_at=now))
    else:
        row.language, row.updated_at = language, now
    await session.flush()
