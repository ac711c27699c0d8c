"""Which language the nurse side speaks with one nurse, and their /language choice.

A nurse's own choice (stored per Telegram user) wins, then their Telegram app's language,
then the ward's ``FOLLOWUP_NURSE_LANGUAGE``. CLI users (no Telegram id) get the ward's.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.nurse.access import Nurse
from bot.nurse.texts import language_of_code, pick_language
from storage.audit import record_audit
from storage.nurse_state import nurse_language, set_nurse_language
from surveys.model import Language

__all__ = ["NurseLanguages"]


class NurseLanguages:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], ward: Language, clock: Clock
    ) -> None:
        self._sessions = sessions
        self._ward: Language = ward
        self._clock = clock

    @property
    def ward(self) -> Language:
        return self._ward

    async def of(self, nurse: Nurse) -> Language:
        """The language to use with ``nurse``."""
        if nurse.user_id is None:
            return self._ward
        async with self._sessions() as session:
            chosen = await nurse_language(session, nurse.user_id)
        return pick_language(chosen, nurse.language, self._ward)

    async def choose(self, nurse: Nurse, code: str) -> Language | None:
        """Store ``nurse``'s choice (``en``, ``zh``, ``中文``…); None if not a language we speak."""
        words = {"english": "en", "中文": "zh", "汉语": "zh", "chinese": "zh", "英文": "en"}
        cleaned = code.strip().casefold()
        language = language_of_code(words.get(cleaned, cleaned))
        if language is None or nurse.user_id is None:
            return None
        now = self._clock.now()
        async with self._sessions.begin() as session:
            await set_nurse_language(session, nurse.user_id, language, now)
            await record_audit(
                session, at=now, actor=nurse.actor, action="nurse.language", entity="nurse",
                entity_id=nurse.user_id, detail={"language": language},
            )  # fmt: skip
        return language
