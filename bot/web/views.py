"""Turn records into what the templates print (labels in the nurse's language)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot.web.dashboard import PatientPage
from bot.web.i18n import Translate
from surveys.model import Language, Survey

__all__ = ["CheckinRow", "checkin_rows", "flag_why", "value_text"]

FREE_TEXT = ("note", "free_text", "comment")


@dataclass(frozen=True)
class CheckinRow:
    point: str
    status: str
    answered_at: str
    values: list[tuple[str, str]]
    words: list[str]
    missed: bool


def _label(survey: Survey, question: str, value: Any, lang: str) -> str:
    language: Language = "zh-Hans" if lang == "zh" else "en"
    if value is None:
        return "–"
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if question == "walking" and isinstance(value, dict):
        category = value.get("category")
        for c in survey.distance_categories:
            if c.id == category:
                return c.label.get(language)
        return str(category)
    for form in survey.forms:
        for q in form.questions:
            if q.id != question:
                continue
            for option in getattr(q, "options", ()) or ():
                if option.id == value:
                    return str(option.label.get(language))
            if isinstance(value, list):
                names = [
                    str(o.label.get(language))
                    for o in getattr(q, "options", ()) or ()
                    if o.id in value
                ]
                return ", ".join(names) if names else "–"
    return str(value)


def _question(t: Translate, question: str) -> str:
    name = t(question)
    return question.replace("_", " ") if name == question else name


def value_text(survey: Survey, question: str, value: Any, lang: str) -> str:
    return _label(survey, question, value, lang)


def checkin_rows(
    survey: Survey, page: PatientPage, t: Translate, zone: ZoneInfo, lang: str
) -> list[CheckinRow]:
    rows = []
    for checkin in page.checkins:
        point = t("pre_op") if checkin.day is None else t("day_n", n=checkin.day)
        given = page.answers.get(checkin.id, [])
        values = [
            (_question(t, a.question_id), value_text(survey, a.question_id, a.value, lang))
            for a in given
            if a.question_id not in FREE_TEXT
        ]
        words = [a.raw for a in given if _typed(survey, a.question_id, a.raw, a.value)]
        when = checkin.completed_at or checkin.due_at
        rows.append(
            CheckinRow(
                point,
                t(checkin.status),
                _when(when, zone, t),
                values,
                [str(w) for w in words],
                checkin.status == "missed",
            )
        )
    return rows


def _typed(survey: Survey, question: str, raw: str | None, value: Any) -> bool:
    """Whether ``raw`` is what the patient wrote (not a button's id or a bare score)."""
    if not raw or not raw.strip() or raw.strip().isdigit() or raw == str(value):
        return False
    for form in survey.forms:
        for q in form.questions:
            if q.id == question and any(o.id == raw for o in q.options):
                return False
    return True


def _when(at: dt.datetime | None, zone: ZoneInfo, t: Translate) -> str:
    return at.astimezone(zone).strftime(f"{t('date_format')} %H:%M") if at else ""


def flag_why(evidence: dict[str, Any], lang: str) -> str:
    why = evidence.get("why")
    if isinstance(why, dict):
        return str(why.get("zh-Hans" if lang == "zh" else "en") or why.get("en") or "")
    return ""
