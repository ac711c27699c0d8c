"""Evaluate the survey's flag rules on a check-in's answers and raise flags once each."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.answers import latest_completed_values
from storage.audit import record_audit
from storage.flags import raise_flag
from storage.records import CheckinRecord, FlagRecord, PatientRecord
from surveys.model import Survey
from surveys.rules import RuleContext, evaluate_rules

__all__ = ["baseline_forms", "raise_answer_flags", "raise_system_flag"]


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
    results = []
    for hit in evaluate_rules(survey, context):
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
