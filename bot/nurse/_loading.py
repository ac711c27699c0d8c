"""Read what the recovery functions need from storage (one patient, or the whole cohort)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.nurse.recovery import Trajectory, trajectory
from storage.answers import current_answers
from storage.checkins import checkins_for_enrolment
from storage.patients import active_enrolment, list_patients, patient_by_ref
from storage.records import EnrolmentRecord, PatientRecord
from surveys.model import Survey

__all__ = ["PatientRecovery", "load_cohort", "load_patient"]


@dataclass(frozen=True)
class PatientRecovery:
    patient: PatientRecord
    enrolment: EnrolmentRecord | None
    trajectory: Trajectory


async def _recovery(
    session: AsyncSession, survey: Survey, patient: PatientRecord, enrolment: EnrolmentRecord | None
) -> PatientRecovery:
    checkins = await checkins_for_enrolment(session, enrolment.id) if enrolment else []
    answers: dict[int, dict[str, Any]] = {}
    for checkin in checkins:
        if checkin.status == "completed":
            answers[checkin.id] = await current_answers(session, checkin.id)
    found = trajectory(survey, patient.ref, checkins, answers, patient_status=patient.status,
                       linked=patient.chat_id is not None)  # fmt: skip
    return PatientRecovery(patient, enrolment, found)


async def load_patient(session: AsyncSession, survey: Survey, ref: str) -> PatientRecovery | None:
    """The patient with reference ``ref`` (exact, then case-insensitive), with their recovery."""
    patient = await patient_by_ref(session, ref)
    if patient is None:
        everyone = await list_patients(session)
        patient = next((p for p, _ in everyone if p.ref.casefold() == ref.casefold()), None)
    if patient is None:
        return None
    return await _recovery(session, survey, patient, await active_enrolment(session, patient.id))


async def load_cohort(session: AsyncSession, survey: Survey) -> list[PatientRecovery]:
    """Every patient with an enrolment, by reference code."""
    return [
        await _recovery(session, survey, patient, enrolment)
        for patient, enrolment in await list_patients(session)
        if enrolment is not None
    ]
