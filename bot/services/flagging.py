"""Evaluate the survey's flag rules on a check-in's answers and raise flags once each."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.answers import latest_completed_values
from storage.audit import record_audit
from storage.flags import list_flags, raise_flag, set_flag
from storage.records import CheckinRecord, FlagRecord, PatientRecord
from surveys.model import Survey
from surveys.rules import FlagHit, RuleContext, evaluate_rules

__all__ = [
    "ANSWER_CHANGED",
    "baseline_forms",
    "raise_answer_flags",
    "raise_system_flag",
    "review_changed_answers",
]

ANSWER_CHANGED = "The patient changed this answer before finishing the check-in."


def baseline_forms(survey: Survey) -> tuple[str, ...]:
    """Forms asked at enrolment (``day`` is None in the schedule)."""
    return tuple(sorted({s.form for s in survey.schedule.checkins if s.day is None}))


async def raise_answer_flags(
    session: AsyncSession,
    survey: Survey,
    *,
    patient: PatientRecord,
    checkin: CheckinRecord,
    answers: dict[str, Any],
    now: dt.datetime,
) -> list[tuple[FlagRecord, bool]]:
    """Raise every rule that holds now; a rule already raised on this check-in is not repeated."""
    results = []
    for hit in await _hits(session, survey, checkin, answers):
        evidence = {
            **hit.evidence,
            "form": checkin.form,
            "day_post_op": checkin.day,
            "answered_by": checkin.answered_by or "patient",
            "why": {"en": hit.description.en, "zh-Hans": hit.description.zh_hans},
        }
        flag, created = await raise_flag(
            session,
            patient_id=patient.id,
            checkin_id=checkin.id,
            rule_id=hit.rule_id,
            level=hit.level,
            evidence=evidence,
            dedupe_key=f"checkin:{checkin.id}:{hit.rule_id}",
            now=now,
        )
        if created:
            await record_audit(
                session, at=now, actor="system", action="flag.raised", entity="flag",
                entity_id=flag.id, detail={"rule": hit.rule_id, "level": hit.level,
                                           "patient": patient.ref, "checkin": checkin.id},
            )  # fmt: skip
        results.append((flag, created))
    return results


async def _hits(
    session: AsyncSession, survey: Survey, checkin: CheckinRecord, answers: dict[str, Any]
) -> tuple[FlagHit, ...]:
    """The rules that hold for these answers, against the previous and baseline check-ins."""
    baselines = baseline_forms(survey)
    follow_ups = tuple(f.id for f in survey.forms if f.id not in baselines)
    _, previous = await latest_completed_values(
        session,
        checkin.enrolment_id,
        forms=follow_ups,
        before=checkin.due_at,
        exclude_checkin=checkin.id,
    )
    _, baseline = await latest_completed_values(
        session, checkin.enrolment_id, forms=baselines, exclude_checkin=checkin.id
    )
    context = RuleContext(
        form_id=checkin.form,
        day_post_op=checkin.day,
        answers=answers,
        previous=previous,
        baseline=baseline,
    )
    return evaluate_rules(survey, context)


async def review_changed_answers(
    session: AsyncSession,
    survey: Survey,
    *,
    patient: PatientRecord,
    checkin: CheckinRecord,
    answers: dict[str, Any],
    now: dt.datetime,
) -> None:
    """After a completed check-in, settle flags whose answer the patient changed (Back).

    Amber and info flags whose rule no longer holds on the final answers are resolved by
    the system with a note; a red flag stays open for a nurse, marked as changed.
    """
    holding = {hit.rule_id for hit in await _hits(session, survey, checkin, answers)}
    for flag in await list_flags(session, patient_id=patient.id):
        if flag.checkin_id != checkin.id or flag.rule_id in holding:
            continue
        if flag.level == "red":
            evidence = {**flag.evidence, "answer_changed_by_patient": True}
            await set_flag(session, flag.id, evidence=evidence)
            action = "flag.answer_changed"
        else:
            await set_flag(
                session, flag.id, expect_status=("open", "acknowledged"), status="resolved",
                resolved_by="system", resolved_at=now, resolution_note=ANSWER_CHANGED,
            )  # fmt: skip
            action = "flag.withdrawn"
        await record_audit(
            session, at=now, actor="system", action=action, entity="flag", entity_id=flag.id,
            detail={"rule": flag.rule_id, "patient": patient.ref, "checkin": checkin.id},
        )  # fmt: skip


async def raise_system_flag(
    session: AsyncSession,
    *,
    patient: PatientRecord,
    rule_id: str,
    level: str,
    evidence: dict[str, Any],
    dedupe_key: str,
    now: dt.datetime,
    checkin_id: int | None = None,
) -> tuple[FlagRecord, bool]:
    """Raise a flag that comes from the schedule (missed check-ins, unreachable patient)."""
    flag, created = await raise_flag(
        session,
        patient_id=patient.id,
        checkin_id=checkin_id,
        rule_id=rule_id,
        level=level,
        evidence=evidence,
        dedupe_key=dedupe_key,
        now=now,
    )
    if created:
        await record_audit(
            session, at=now, actor="system", action="flag.raised", entity="flag",
            entity_id=flag.id, detail={"rule": rule_id, "level": level, "patient": patient.ref},
        )  # fmt: skip
    return flag, created
