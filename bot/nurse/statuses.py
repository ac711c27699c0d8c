"""Words for what became of a check-in and for how old an answer is.

A check-in that closed unanswered keeps why (``checkin.last_error``): the patient had
paused, had never opened the invite, had not given consent, or the message could not be
delivered; only a check-in that was sent and left unanswered is "missed".
"""

from __future__ import annotations

import datetime as dt

from bot.nurse.texts import NT
from surveys.model import Language, Text

__all__ = ["ago", "patient_state", "point_status"]

_REASONS: dict[str | None, Text] = {
    None: NT.point_missed,
    "paused": NT.status_paused,
    "withdrawn": NT.status_withdrawn,
    "not linked": NT.point_invite_not_opened,
    "not onboarded": NT.point_not_started,
}
_OPEN = {"sent": NT.point_waiting, "in_progress": NT.point_answering}
_PATIENT = {"active": NT.status_active, "paused": NT.status_paused,
            "withdrawn": NT.status_withdrawn, "unreachable": NT.status_unreachable}  # fmt: skip


def point_status(status: str, reason: str | None, language: Language = "en") -> str | None:
    """``paused``, ``invite not opened``, ``missed``… for a check-in that was not answered;
    None for one answered, still planned or cancelled."""
    if status == "missed":
        return _REASONS.get(reason, NT.point_not_delivered).get(language)
    found = _OPEN.get(status)
    return found.get(language) if found is not None else None


def patient_state(status: str, linked: bool, language: Language = "en") -> str:
    """The patient's follow-up as a nurse reads it: ``invite not opened`` before anything."""
    if not linked and status == "active":
        return NT.point_invite_not_opened.get(language)
    found = _PATIENT.get(status)
    return found.get(language) if found is not None else status


def ago(then: dt.date, today: dt.date, language: Language = "en") -> str:
    """``today``, ``3 days ago``, ``5 weeks ago``, ``11 months ago``, ``2 years ago``."""
    days = (today - then).days
    if days <= 0:
        return NT.ago_today.get(language)
    if days == 1:
        return NT.ago_yesterday.get(language)
    if days < 14:
        return NT.ago_days.format(language, n=days)
    if days < 61:
        return NT.ago_weeks.format(language, n=days // 7)
    if days < 365:
        return NT.ago_months.format(language, n=max(round(days / 30.44), 2))
    years = days // 365
    return NT.ago_year.get(language) if years == 1 else NT.ago_years.format(language, n=years)
