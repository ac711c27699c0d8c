"""Evaluate the survey's flag rules on a check-in's answers and raise flags once each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.answers import previous_and_baseline_values
from storage.audit import record_audit
from storage.cards import touch_checkin_card
from storage.flags import flags_by_dedupe_key, list_flags, raise_flag, set_flag
from storage.records import CheckinRecord, FlagRecord, PatientRecord
from surveys.model import Survey
from surveys.rules import FlagHit, RuleContext, evaluate_rules

__all__ = [
    "ANSWER_CHANGED",
    "RuleHistory",
    "baseline_forms",
    "raise_answer_flags",
    "raise_system_flag",
    "review_changed_answers",
    "rule_history",
]

ANSWER_CHANGED = "The patient changed this answer before finishing the check-in."


@dataclass(frozen=True)
class RuleHistory:
    """What the rules compare a check-in's answers with: the values of the previous
    completed follow-up and of the baseline (empty when none, or when no rule needs them)."""

    previous: Mapping[str, Any] = field(default_factory=dict)
    baseline: Mapping[str, Any] = field(default_factory=dict)


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
    history: RuleHistory | None = None,
) -> list[tuple[FlagRecord, bool]]:
    """Raise every rule that holds now; a rule already raised on this check-in is not repeated.

    ``history``: from :func:`rule_history` for these answers, when the caller needs it too.
    """
    hits = await _hits(session, survey, checkin, answers, history)
    raised = await flags_by_dedupe_key(session, [_dedupe_key(checkin, hit) for hit in hits])
    results = []
    for hit in hits:
        existing = raised.get(_dedupe_key(checkin, hit))
        if existing is not None:
            results.append((existing, False))
            continue
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
            dedupe_key=_dedupe_key(checkin, hit),
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


def _dedupe_key(checkin: CheckinRecord, hit: FlagHit) -> str:
    return f"checkin:{checkin.id}:{hit.rule_id}"


async def rule_history(
    session: AsyncSession, survey: Survey, checkin: CheckinRecord, answers: Mapping[str, Any]
) -> RuleHistory:
    """The previous and baseline values, read only if a rule may look at them.

    A rule's check looks at them (to decide, or as evidence) only once its question has an
    answer, so until a rule of this form has one answered, nothing is read.
    """
    if not _may_compare(survey, checkin.form, answers):
        return RuleHistory()
    baselines = baseline_forms(survey)
    previous, baseline = await previous_and_baseline_values(
        session,
        checkin.enrolment_id,
        follow_up_forms=tuple(f.id for f in survey.forms if f.id not in baselines),
        baseline_forms=baselines,
        before=checkin.due_at,
        exclude_checkin=checkin.id,
    )
    return RuleHistory(previous, baseline)


def _may_compare(survey: Survey, form_id: str, answers: Mapping[str, Any]) -> bool:
    return any(
        answers.get(check.question) is not None
        for rule in survey.rules
        if not rule.forms or form_id in rule.forms
        for check in rule.any_of
    )


async def _hits(
    session: AsyncSession,
    survey: Survey,
    checkin: CheckinRecord,
    answers: dict[str, Any],
    history: RuleHistory | None,
) -> tuple[FlagHit, ...]:
    """The rules that hold for these answers, against the previous and baseline check-ins."""
    if history is None:
        history = await rule_history(session, survey, checkin, answers)
    context = RuleContext(
        form_id=checkin.form,
        day_post_op=checkin.day,
        answers=answers,
        previous=history.previous,
        baseline=history.baseline,
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
    history: RuleHistory | None = None,
) -> None:
    """After a completed check-in, settle flags whose answer the patient changed (Back).

    Amber and info flags whose rule no longer holds on the final answers are resolved by
    the system with a note; a red flag stays open for a nurse, marked as changed. Flags
    raised from free text are left as they are.
    ``history``: from :func:`rule_history` for these answers, if already read.
    The check-in's nurse card, if any, is marked to show the final answers.
    """
    await touch_checkin_card(session, checkin.id)
    holding = {hit.rule_id for hit in await _hits(session, survey, checkin, answers, history)}
    answer_rules = {rule.id for rule in survey.rules}
    for flag in await list_flags(session, patient_id=patient.id):
        if flag.checkin_id != checkin.id or flag.rule_id in holding:
            continue
        if flag.rule_id not in answer_rules or flag.evidence.get("source") == "free_text":
            continue  # the patient's own words (or an unclear answer) stand as written
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
