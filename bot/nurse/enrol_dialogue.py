"""The /enroll dialogue: five questions, then the enrolment, its invite link and QR code.

Transport-independent and stateless in the process: where the dialogue stands (its step
and the answers so far) is a row of ``nurse_dialogue``, read and written with every
message, so any bot process sharing the database can take a nurse's next message, and a
restart loses nothing. Everything is said in the nurse's language (:mod:`bot.nurse.language`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.nurse.access import Nurse
from bot.nurse.enrol_input import parse_surgery_date, parse_timezone, parse_yes_no
from bot.nurse.language import NurseLanguages
from bot.nurse.service import NurseService
from bot.nurse.texts import NT, long_date
from bot.services.enrolment_input import (
    MAX_DAYS_SINCE_SURGERY,
    MAX_DAYS_UNTIL_SURGERY,
    EnrolmentError,
    normalise_language,
    validate_ref,
)
from bot.settings import Settings
from storage.nurse_state import end_dialogue, get_dialogue, save_dialogue
from surveys.model import Language

__all__ = ["IDLE_LIMIT", "KIND", "EnrolDialogue", "Say"]

KIND: Final = "enroll"
IDLE_LIMIT: Final = dt.timedelta(hours=1)
"""A dialogue left this long is over: the nurse's next message is an ordinary one."""
LANGUAGE_BUTTONS: Final = ("English", "中文")

Keys = tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Say:
    """One message of the dialogue: text with an optional reply keyboard, or a photo."""

    text: str
    keyboard: Keys = ()
    remove_keyboard: bool = False
    photo: bytes | None = None


class EnrolDialogue:
    """Start, answer and cancel the /enroll dialogue of a nurse in a chat."""

    def __init__(
        self,
        service: NurseService,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        clock: Clock,
        languages: NurseLanguages,
    ) -> None:
        self._service = service
        self._sessions = sessions
        self._settings = settings
        self._clock = clock
        self._languages = languages

    async def _save(self, chat_id: int, nurse: Nurse, step: str, data: dict[str, Any]) -> None:
        assert nurse.user_id is not None
        async with self._sessions.begin() as session:
            await save_dialogue(session, chat_id, nurse.user_id, kind=KIND, step=step, data=data,
                                now=self._clock.now())  # fmt: skip

    async def _end(self, chat_id: int, nurse: Nurse) -> bool:
        assert nurse.user_id is not None
        async with self._sessions.begin() as session:
            return await end_dialogue(session, chat_id, nurse.user_id)

    async def start(self, chat_id: int, nurse: Nurse) -> list[Say]:
        """``/enroll``: (re)start the dialogue and ask for the reference code (nurses only)."""
        language = await self._languages.of(nurse)
        if not (verdict := await self._service.authorize(nurse, "command:enroll")):
            return [Say(verdict.refusal.get(language))]
        await self._save(chat_id, nurse, "ref", {})
        return [Say(NT.enrol_start.get(language), remove_keyboard=True)]

    async def cancel(self, chat_id: int, nurse: Nurse) -> list[Say] | None:
        """``/cancel``: end the dialogue; None when there was none (not ours to answer)."""
        if nurse.user_id is None or not await self._end(chat_id, nurse):
            return None
        language = await self._languages.of(nurse)
        return [Say(NT.enrol_cancelled.get(language), remove_keyboard=True)]

    async def answer(self, chat_id: int, nurse: Nurse, text: str) -> list[Say] | None:
        """Take the answer to the current step; None when no dialogue is open here."""
        if nurse.user_id is None:
            return None
        async with self._sessions() as session:
            dialogue = await get_dialogue(session, chat_id, nurse.user_id)
        if dialogue is None or dialogue.kind != KIND:
            return None
        if self._clock.now() - dialogue.updated_at > IDLE_LIMIT:
            await self._end(chat_id, nurse)
            return None
        language = await self._languages.of(nurse)
        step = _STEPS.get(dialogue.step)
        if step is None:  # a step of an older version: start again
            return await self.start(chat_id, nurse)
        data = dict(dialogue.data)
        return await step(self, chat_id, nurse, language, text.strip(), data)

    # ------------------------------------------------------------------ steps

    async def _ref(
        self, chat_id: int, nurse: Nurse, lang: Language, text: str, data: dict[str, Any]
    ) -> list[Say]:
        try:
            ref = validate_ref(text)
        except EnrolmentError:
            return [Say(NT.enrol_bad_ref.get(lang))]
        if await self._service.ref_taken(ref):
            return [Say(NT.enrol_ref_taken.format(lang, ref=ref))]
        await self._save(chat_id, nurse, "date", {**data, "ref": ref})
        return [self._ask_date(lang)]

    def _ask_date(self, lang: Language) -> Say:
        return Say(NT.enrol_ask_date.get(lang),
                   keyboard=((NT.today.get(lang), NT.yesterday.get(lang)),))  # fmt: skip

    async def _date(
        self, chat_id: int, nurse: Nurse, lang: Language, text: str, data: dict[str, Any]
    ) -> list[Say]:
        today = self._service.ward_today()
        when = parse_surgery_date(text, today)
        if when is None:
            example, example_zh = today.isoformat(), long_date(today, "zh-Hans")
            return [Say(NT.enrol_bad_date.format(lang, example=example, example_zh=example_zh))]
        if not -MAX_DAYS_UNTIL_SURGERY <= (today - when).days <= MAX_DAYS_SINCE_SURGERY:
            return [Say(NT.enrol_date_range.format(lang, before=MAX_DAYS_SINCE_SURGERY,
                                                   after=MAX_DAYS_UNTIL_SURGERY))]  # fmt: skip
        data = {**data, "surgery_date": when.isoformat()}
        if "caregiver" in data:  # the date was refused at the end: finish now
            return await self._finish(chat_id, nurse, lang, data)
        await self._save(chat_id, nurse, "language", data)
        return [Say(NT.enrol_ask_language.get(lang), keyboard=(LANGUAGE_BUTTONS,))]

    async def _language(
        self, chat_id: int, nurse: Nurse, lang: Language, text: str, data: dict[str, Any]
    ) -> list[Say]:
        try:
            patient_language = normalise_language(text)
        except EnrolmentError:
            return [Say(NT.enrol_bad_language.get(lang), keyboard=(LANGUAGE_BUTTONS,))]
        await self._save(chat_id, nurse, "timezone", {**data, "language": patient_language})
        zone = self._settings.default_timezone
        return [Say(NT.enrol_ask_timezone.format(lang, zone=zone), keyboard=((zone,),))]

    async def _timezone(
        self, chat_id: int, nurse: Nurse, lang: Language, text: str, data: dict[str, Any]
    ) -> list[Say]:
        zone = parse_timezone(text)
        if zone is None:
            return [Say(NT.enrol_bad_timezone.format(lang, text=text),
                        keyboard=((self._settings.default_timezone,),))]  # fmt: skip
        await self._save(chat_id, nurse, "caregiver", {**data, "timezone": zone})
        return [Say(NT.enrol_ask_caregiver.get(lang), keyboard=self._yes_no(lang))]

    @staticmethod
    def _yes_no(lang: Language) -> Keys:
        return ((NT.yes.get(lang), NT.no.get(lang)),)

    async def _caregiver(
        self, chat_id: int, nurse: Nurse, lang: Language, text: str, data: dict[str, Any]
    ) -> list[Say]:
        caregiver = parse_yes_no(text)
        if caregiver is None:
            return [Say(NT.enrol_bad_yes_no.get(lang), keyboard=self._yes_no(lang))]
        return await self._finish(chat_id, nurse, lang, {**data, "caregiver": caregiver})

    async def _finish(
        self, chat_id: int, nurse: Nurse, lang: Language, data: dict[str, Any]
    ) -> list[Say]:
        try:
            invitation = await self._service.enrol(
                nurse, ref=data["ref"], surgery_date=dt.date.fromisoformat(data["surgery_date"]),
                language=data["language"], timezone=data["timezone"],
                caregiver_helps=data["caregiver"],
            )  # fmt: skip
        except EnrolmentError as exc:
            if exc.code.startswith("surgery_date"):
                await self._save(chat_id, nurse, "date", data)
                return [Say(NT.enrol_date_range.format(lang, before=MAX_DAYS_SINCE_SURGERY,
                                                       after=MAX_DAYS_UNTIL_SURGERY),
                            remove_keyboard=True)]  # fmt: skip
            await self._end(chat_id, nurse)
            reason = (NT.enrol_ref_taken.format(lang, ref=data["ref"]).rstrip(".。")
                      if exc.code == "duplicate_ref" else str(exc))  # fmt: skip
            return [Say(NT.enrol_failed.format(lang, reason=reason), remove_keyboard=True)]
        await self._end(chat_id, nurse)
        if invitation is None:  # no longer a nurse
            return [Say(NT.refused.get(lang), remove_keyboard=True)]
        zone = ZoneInfo(self._settings.default_timezone)
        lines = [NT.enrol_done.format(lang, ref=invitation.ref, checkins=invitation.checkins)]
        if invitation.recalled_baseline:
            lines.append(NT.enrol_recalled.get(lang))
        expires = long_date(invitation.expires_at.astimezone(zone).date(), lang)
        lines.append(NT.enrol_link.format(lang, expires=expires, link=invitation.link))
        return [
            Say("\n".join(lines), remove_keyboard=True),
            Say(NT.enrol_qr.format(lang, ref=invitation.ref), photo=invitation.qr_png),
        ]


_STEPS = {
    "ref": EnrolDialogue._ref,
    "date": EnrolDialogue._date,
    "language": EnrolDialogue._language,
    "timezone": EnrolDialogue._timezone,
    "caregiver": EnrolDialogue._caregiver,
}
