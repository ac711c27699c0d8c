"""Transport-independent services: the CLI, the Telegram handlers and the demo call these."""

from __future__ import annotations

from bot.services.enrolment import (
    Enrolment,
    EnrolmentError,
    Invitation,
    PatientSummary,
    Rescheduled,
    change_surgery_date,
    enrol_patient,
    list_enrolled,
    new_invite,
)

__all__ = [
    "Enrolment",
    "EnrolmentError",
    "Invitation",
    "PatientSummary",
    "Rescheduled",
    "change_surgery_date",
    "enrol_patient",
    "list_enrolled",
    "new_invite",
]
