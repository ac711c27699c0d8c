"""Nurse review: flag cards, escalation, the daily digest, recovery summaries and charts.

Transport-independent (no Telegram imports): messages go out through
:class:`bot.services.transport.Transport`; the Telegram side is
``bot.telegram.nurse_handlers``.
"""

from __future__ import annotations

from bot.nurse.access import Nurse, NurseAccess, NurseDirectory
from bot.nurse.enrol_dialogue import EnrolDialogue, Say
from bot.nurse.language import NurseLanguages
from bot.nurse.service import (
    CARD_LEVELS,
    NURSE_KIND,
    ActionResult,
    CohortReport,
    Invitation,
    NurseService,
    PatientView,
)

__all__ = [
    "CARD_LEVELS",
    "NURSE_KIND",
    "ActionResult",
    "CohortReport",
    "EnrolDialogue",
    "Invitation",
    "Nurse",
    "NurseAccess",
    "NurseDirectory",
    "NurseLanguages",
    "NurseService",
    "PatientView",
    "Say",
]
