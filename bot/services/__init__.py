"""Transport-independent services: the CLI, the Telegram handlers and the demo call these."""

from __future__ import annotations

from bot.services.enrolment import (
    DEFAULT_PROCEDURE,
    Enrolment,
    EnrolmentError,
    Invitation,
    PatientSummary,
    Rescheduled,
    change_surgery_date,
    enrol_patient,
    invite_link,
    list_enrolled,
    new_invite,
    normalise_language,
    validate_ref,
)

__all__ = [
    "DEFAULT_PROCEDURE",
    "Enrolment",
    "EnrolmentError",
    "Invitation",
    "PatientSummary",
    "Rescheduled",
    "change_surgery_date",
    "enrol_patient",
    "invite_link",
    "list_enrolled",
    "new_invite",
    "normalise_language",
    "validate_ref",
]
