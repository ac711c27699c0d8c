"""The daily digest: one line per patient with unresolved flags, the most urgent first.

Its counts are of the flags it lists (red included), so heading and lines agree; with
nothing unresolved there is no digest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from bot.nurse.cards import LEVEL_MARK, LEVEL_RANK, MakePayload, age, flag_reason
from bot.nurse.recovered import recovered_flags, recovery_note
from bot.nurse.texts import t
from bot.services.replies import Button, Keyboard
from storage.flags import list_flags
from storage.records import FlagRecord
from surveys.model import Language, Survey

__all__ = ["PatientRow", "digest_counts", "digest_keyboard", "digest_rows", "digest_text"]

SHOWN_REASONS: Final = 2
ROW_LIMIT: Final = 40


@dataclass(frozen=True)
class PatientRow:
    ref: str
    flags: tuple[FlagRecord, ...]
    """Unresolved, most urgent first."""
    recovered: tuple[tuple[int, str], ...] = ()
    """(flag id, "Leg pain 2 since day 28") of the flags whose answer has recovered."""

    @property
    def all_recovered(self) -> bool:
        return len(self.recovered) == len(self.flags)

    @property
    def level(self) -> str:
        return self.flags[0].level

    @property
    def oldest(self) -> dt.datetime:
        return min(f.raised_at for f in self.flags)

    @property
    def card_id(self) -> int | None:
        return next((f.card_id for f in self.flags if f.card_id is not None), None)


def _urgency(flag: FlagRecord) -> tuple[int, int, dt.datetime, int]:
    return (LEVEL_RANK.get(flag.level, 9), 0 if flag.status == "open" else 1, flag.raised_at,
            flag.id)  # fmt: skip


async def digest_rows(
    session: AsyncSession, survey: Survey, now: dt.datetime, lang: Language = "en"
) -> list[PatientRow]:
    """Patients with unresolved flags: red first, then open before acknowledged, oldest first;
    patients whose every flag has recovered come last."""
    del now
    flags = await list_flags(session, statuses=("open", "acknowledged"), limit=10_000)
    recovered = await recovered_flags(session, flags)
    by_patient: dict[str, list[FlagRecord]] = {}
    for flag in flags:
        by_patient.setdefault(flag.patient_ref, []).append(flag)
    rows = []
    for ref, found in by_patient.items():
        ordered = tuple(sorted(found, key=_urgency))
        notes = tuple((f.id, recovery_note(survey, recovered[f.id], lang)) for f in ordered
                      if f.id in recovered)  # fmt: skip
        rows.append(PatientRow(ref, ordered, notes))
    return sorted(rows, key=lambda r: (r.all_recovered, *_urgency(r.flags[0])[:2], r.oldest, r.ref))


def digest_counts(rows: Sequence[PatientRow]) -> dict[str, int]:
    flags = [f for row in rows for f in row.flags]
    return {level: sum(1 for f in flags if f.level == level) for level in LEVEL_MARK}


def _line(row: PatientRow, now: dt.datetime, lang: Language) -> str:
    first = row.flags[0]
    day = first.evidence.get("day_post_op")
    where = " " + t("day {day}", lang, day=day) if isinstance(day, int) else ""
    reasons = list(dict.fromkeys(flag_reason(f, lang) for f in row.flags))
    shown = "; ".join(reasons[:SHOWN_REASONS])
    if len(reasons) > SHOWN_REASONS:
        shown += " " + t("(+{n} more)", lang, n=len(reasons) - SHOWN_REASONS)
    state = t("open", lang) if any(f.status == "open" for f in row.flags) else t(
        "acknowledged", lang)  # fmt: skip
    line = (f"{LEVEL_MARK.get(row.level, '•')} {row.ref}{where}: {shown} — {state}, "
            f"{age(row.oldest, now)}")  # fmt: skip
    if row.recovered:
        notes = "; ".join(dict.fromkeys(note for _, note in row.recovered))
        word = t("recovered" if row.all_recovered else "now", lang)
        line += f" · ✔ {word}: {notes}"
    return line


def digest_text(
    rows: Sequence[PatientRow], date: dt.date, now: dt.datetime, lang: Language = "en"
) -> str:
    counts = digest_counts(rows)
    patients = t("{n} patient" if len(rows) == 1 else "{n} patients", lang, n=len(rows))
    levels = " · ".join(f"{LEVEL_MARK[level]} {counts[level]}" for level in LEVEL_MARK)
    title = t("Daily digest, {date}", lang, date=f"{date:%d %b %Y}")
    lines = [f"{title}: {patients} · {levels} {t('unresolved flags', lang)}"]
    lines.extend(_line(row, now, lang) for row in rows[:ROW_LIMIT])
    if len(rows) > ROW_LIMIT:
        lines.append(t("…and {n} more (followup flags lists them all)", lang,
                       n=len(rows) - ROW_LIMIT))  # fmt: skip
    return "\n".join(lines)


def digest_keyboard(
    rows: Sequence[PatientRow], payload: MakePayload, lang: Language = "en"
) -> Keyboard:
    """A button per patient with a card, opening the card of their most urgent flag; then
    one resolving every flag whose answer has recovered."""
    buttons = [
        Button(f"{LEVEL_MARK.get(row.level, '•')} {row.ref}", payload(card_id, "open"))
        for row in rows[:ROW_LIMIT]
        if (card_id := row.card_id) is not None
    ]
    keyboard = [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
    recovered = sum(len(row.recovered) for row in rows)
    if recovered:
        label = t("☑️ Resolve {n} recovered", lang, n=recovered)
        keyboard.append((Button(label, payload(0, "recov")),))
    return tuple(keyboard)
