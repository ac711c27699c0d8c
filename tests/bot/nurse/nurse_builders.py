"""Records for the nurse tests, built without a database."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.nurse.card_view import AnswerView, CardView
from storage.records import CheckinRecord, FlagRecord, NurseCardRecord
from surveys.loader import load_default_survey

__all__ = ["SURGERY", "answer", "card", "checkin", "flag", "walk"]

_SURVEY = load_default_survey()

SURGERY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def walk(category: str, metres: float | None = None) -> dict[str, Any]:
    return {"metres": metres, "category": category}


def checkin(
    checkin_id: int,
    day: int | None,
    status: str = "completed",
    *,
    form: str | None = None,
    answered_by: str | None = "patient",
    recalled: bool = False,
) -> CheckinRecord:
    spec = "baseline" if day is None else f"day_{day}"
    due = SURGERY + dt.timedelta(days=day or 0)
    return CheckinRecord(
        id=checkin_id, enrolment_id=1, spec_id=spec,
        form=form or ("baseline" if day is None else "early" if day < 90 else "late"),
        day=day, due_at=due, closes_at=due + dt.timedelta(days=2), reminder_times=(),
        status=status, position=None, draft=None, answered_by=answered_by, reminder_count=0,
        next_reminder_at=None, sent_at=None, started_at=None, completed_at=None,
        message_id=None, recalled=recalled,
    )  # fmt: skip


def flag(
    flag_id: int = 12,
    *,
    level: str = "red",
    status: str = "open",
    rule_id: str = "red_fever",
    evidence: dict[str, Any] | None = None,
    ref: str = "P-001",
    raised_at: dt.datetime = SURGERY,
    **fields: Any,
) -> FlagRecord:
    values: dict[str, Any] = {
        "notified_at": None, "card_chat_id": None, "card_message_id": None,
        "escalated_at": None, "acknowledged_by": None, "acknowledged_at": None,
        "resolved_by": None, "resolved_at": None, "resolution_note": None,
    }  # fmt: skip
    values.update(fields)
    return FlagRecord(
        id=flag_id, patient_id=1, patient_ref=ref, checkin_id=3, rule_id=rule_id, level=level,
        evidence=evidence if evidence is not None else {}, status=status, raised_at=raised_at,
        **values,
    )  # fmt: skip


def answer(question_id: str, value: Any, *, raw: str | None = None, form: str = "early",
           **compared: Any) -> AnswerView:  # fmt: skip
    """An answer of a card's check-in; ``previous=…, previous_day=…, baseline=…``."""
    question = _SURVEY.form(form).question(question_id)
    return AnswerView(
        question_id, question, value, raw, compared.get("previous"), compared.get("previous_day"),
        "previous" in compared, compared.get("baseline"), "baseline" in compared,
    )  # fmt: skip


def card(
    *flags: FlagRecord, answers: tuple[AnswerView, ...] = (), card_id: int = 5,
    day: int | None = 3, escalated_at: dt.datetime | None = None, answered_by: str = "patient",
) -> CardView:  # fmt: skip
    record = NurseCardRecord(
        id=card_id, patient_id=1, source_key="checkin:3", checkin_id=3, created_at=SURGERY,
        version=1, rendered_version=0, chat_id=None, message_id=None, posted_at=None,
        escalated_at=escalated_at,
    )  # fmt: skip
    shown = flags or (flag(),)
    return CardView(record, shown[0].patient_ref, day, shown, answers, answered_by)
