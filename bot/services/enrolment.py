"""Enrol a patient, re-issue their invite link, move their surgery date.

Transport-independent: the CLI, the nurses' Telegram dialogue and the demo all call these.
Each call is one transaction. Input mistakes raise :class:`EnrolmentError`, whose ``str()``
is one short sentence for the person enrolling and whose ``code`` lets a caller translate it.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.services.enrolment_input import (
    DEFAULT_PROCEDURE,
    EnrolmentError,
    check_length,
    check_surgery_date,
    local_today,
    normalise_language,
    read_send_at,
    read_timezone,
    validate_ref,
)
from bot.settings import Settings
from storage.audit import record_audit
from storage.checkins import add_planned_checkins, checkins_for_enrolment, update_checkin
from storage.invites import create_invite, expire_invites
from storage.patients import (
    PatientExists,
    active_enrolment,
    create_enrolment,
    create_patient,
    list_patients,
    patient_by_ref,
    update_enrolment,
)
from storage.records import CheckinRecord, EnrolmentRecord, PatientRecord
from surveys.model import Survey
from surveys.schedule import PlannedCheckin, plan_checkins

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


@dataclass(frozen=True)
class Enrolment:
    """A new enrolment. ``token`` is shown once here and is never stored in plain text."""

    ref: str
    token: str
    link: str
    invite_expires_at: dt.datetime
    patient: PatientRecord
    enrolment: EnrolmentRecord
    checkins: tuple[CheckinRecord, ...]
    recalled_baseline: bool


@dataclass(frozen=True)
class Invitation:
    """A re-issued invite link; earlier unused links of the enrolment no longer work."""

    ref: str
    token: str
    link: str
    expires_at: dt.datetime
    already_linked: bool
    revoked: int


@dataclass(frozen=True)
class Rescheduled:
    """The plan after a surgery date change: ``replanned`` moved, ``kept`` already under way."""

    ref: str
    previous_surgery_date: dt.date
    surgery_date: dt.date
    checkins: tuple[CheckinRecord, ...]
    replanned: int
    added: int
    cancelled: int
    kept: int


@dataclass(frozen=True)
class PatientSummary:
    """What a nurse needs to find a patient: no answers, no health data beyond dates."""

    ref: str
    language: str
    timezone: str
    linked: bool
    status: str
    surgery_date: dt.date | None
    day_post_op: int | None
    next_checkin: CheckinRecord | None
    last_checkin: CheckinRecord | None = None
    """The latest check-in answered or closed unanswered (``last_error`` says why)."""


def _baseline_forms(survey: Survey) -> tuple[str, ...]:
    """Forms asked at enrolment: their answers describe the time before surgery."""
    return tuple(sorted({spec.form for spec in survey.schedule.checkins if spec.day is None}))


def invite_link(settings: Settings, token: str) -> str:
    """The Telegram deep link that opens the bot with the invite token."""
    return f"https://t.me/{settings.bot_username.lstrip('@')}?start={token}"


async def _find_enrolment(session: AsyncSession, ref: str) -> tuple[PatientRecord, EnrolmentRecord]:
    patient = await patient_by_ref(session, ref.strip())
    if patient is None:
        raise EnrolmentError("unknown_ref", f"no patient with reference {ref.strip()!r}")
    enrolment = await active_enrolment(session, patient.id)
    if enrolment is None:
        raise EnrolmentError("not_enrolled", f"patient {patient.ref} has no active enrolment")
    return patient, enrolment


# --- services -------------------------------------------------------------------------------


async def enrol_patient(
    sessions: async_sessionmaker[AsyncSession],
    survey: Survey,
    settings: Settings,
    clock: Clock,
    *,
    ref: str,
    surgery_date: dt.date,
    language: str = "en",
    timezone: str | None = None,
    procedure: str = DEFAULT_PROCEDURE,
    levels: str | None = None,
    caregiver_helps: bool = False,
    send_at: str | None = None,
    actor: str = "cli",
) -> Enrolment:
    """Create the patient, their enrolment, check-in plan and a single-use invite.

    Enrolling after the surgery date marks the baseline answers as recalled.
    """
    ref = validate_ref(ref)
    lang = normalise_language(language)
    zone = read_timezone(timezone if timezone is not None else settings.default_timezone)
    send_time = read_send_at(send_at or settings.send_at, survey)  # patient, else ward, else survey
    levels = (levels.strip() or None) if levels is not None else None
    check_length("levels", levels, 60)
    check_length("procedure", procedure, 120)
    now = clock.now()
    today = local_today(clock, zone)
    check_surgery_date(surgery_date, today)
    recalled = today > surgery_date
    planned = plan_checkins(survey, surgery_date, now, zone, send_at=send_time)
    ttl = dt.timedelta(days=settings.invite_ttl_days)

    try:
        async with sessions() as session, session.begin():
            patient = await create_patient(
                session, ref=ref, language=lang, timezone=zone, now=now, send_at=send_time
            )
            enrolment = await create_enrolment(
                session,
                patient_id=patient.id,
                surgery_date=surgery_date,
                procedure=procedure,
                levels=levels,
                survey_id=survey.id,
                survey_version=survey.version,
                caregiver_helps=caregiver_helps,
                now=now,
            )
            checkins = await add_planned_checkins(
                session,
                enrolment.id,
                planned,
                recalled_forms=_baseline_forms(survey) if recalled else (),
            )
            token = await create_invite(session, enrolment_id=enrolment.id, now=now, ttl=ttl)
            await record_audit(
                session,
                at=now,
                actor=actor,
                action="patient.enrolled",
                entity="patient",
                entity_id=patient.id,
                detail={
                    "ref": ref,
                    "enrolment_id": enrolment.id,
                    "survey": f"{survey.id}@{survey.version}",
                    "language": lang,
                    "timezone": zone,
                    "checkins": len(checkins),
                    "recalled_baseline": recalled,
                },
            )
    except PatientExists:
        raise EnrolmentError("duplicate_ref", f"patient {ref} is already enrolled") from None
    except IntegrityError:
        async with sessions() as session:
            if await patient_by_ref(session, ref) is None:
                raise
        raise EnrolmentError("duplicate_ref", f"patient {ref} is already enrolled") from None

    return Enrolment(
        ref=ref,
        token=token,
        link=invite_link(settings, token),
        invite_expires_at=now + ttl,
        patient=patient,
        enrolment=enrolment,
        checkins=tuple(checkins),
        recalled_baseline=recalled,
    )


async def new_invite(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: Clock,
    ref: str,
    actor: str,
) -> Invitation:
    """Issue a fresh link for the patient's enrolment; their unused links stop working."""
    now = clock.now()
    ttl = dt.timedelta(days=settings.invite_ttl_days)
    async with sessions() as session, session.begin():
        patient, enrolment = await _find_enrolment(session, ref)
        revoked = await expire_invites(session, enrolment.id, now)
        token = await create_invite(session, enrolment_id=enrolment.id, now=now, ttl=ttl)
        await record_audit(
            session,
            at=now,
            actor=actor,
            action="invite.issued",
            entity="patient",
            entity_id=patient.id,
            detail={"enrolment_id": enrolment.id, "revoked": revoked},
        )
    return Invitation(
        ref=patient.ref,
        token=token,
        link=invite_link(settings, token),
        expires_at=now + ttl,
        already_linked=patient.chat_id is not None,
        revoked=revoked,
    )


async def change_surgery_date(
    sessions: async_sessionmaker[AsyncSession],
    survey: Survey,
    clock: Clock,
    ref: str,
    new_date: dt.date,
    actor: str,
) -> Rescheduled:
    """Move the surgery date and re-plan the check-ins not sent yet.

    A scheduled check-in gets its new times; one already sent, answered, missed or
    cancelled is left as it is. A scheduled one the new plan no longer has (e.g. its window
    is over before today) is cancelled.
    """
    now = clock.now()
    async with sessions() as session, session.begin():
        patient, enrolment = await _find_enrolment(session, ref)
        today = local_today(clock, patient.timezone)
        check_surgery_date(new_date, today)
        enrolled_on = enrolment.enrolled_at.astimezone(zoneinfo.ZoneInfo(patient.timezone))
        recalled = enrolled_on.date() > new_date
        planned = plan_checkins(survey, new_date, now, patient.timezone, send_at=patient.send_at)
        existing = await checkins_for_enrolment(session, enrolment.id)
        counts = await _replan(session, survey, enrolment.id, existing, planned, recalled)
        await update_enrolment(session, enrolment.id, surgery_date=new_date)
        await record_audit(
            session,
            at=now,
            actor=actor,
            action="enrolment.rescheduled",
            entity="patient",
            entity_id=patient.id,
            detail={"enrolment_id": enrolment.id, **counts},
        )
        checkins = await checkins_for_enrolment(session, enrolment.id)
    return Rescheduled(
        ref=patient.ref,
        previous_surgery_date=enrolment.surgery_date,
        surgery_date=new_date,
        checkins=tuple(checkins),
        **counts,
    )


async def _replan(
    session: AsyncSession,
    survey: Survey,
    enrolment_id: int,
    existing: Sequence[CheckinRecord],
    planned: Sequence[PlannedCheckin],
    recalled: bool,
) -> dict[str, int]:
    """Apply a new plan to the check-ins of one enrolment; returns what changed.

    Updates only rows still ``scheduled`` (checked in the UPDATE itself), so a check-in the
    scheduler claims at the same moment is kept as it is.
    """
    recalled_forms = _baseline_forms(survey) if recalled else ()
    by_spec = {c.spec_id: c for c in existing}
    counts = {"replanned": 0, "added": 0, "cancelled": 0, "kept": 0}
    new = []
    for plan in planned:
        current = by_spec.pop(plan.spec_id, None)
        if current is None:
            new.append(plan)
            continue
        moved = current.status == "scheduled" and await update_checkin(
            session,
            current.id,
            expect_status=("scheduled",),
            form=plan.form,
            day=plan.day,
            due_at=plan.due_at,
            closes_at=plan.closes_at,
            reminder_times=[t.isoformat() for t in plan.reminder_times],
            recalled=plan.form in recalled_forms,
        )
        counts["replanned" if moved else "kept"] += 1
    for gone in by_spec.values():
        cancelled = gone.status == "scheduled" and await update_checkin(
            session, gone.id, expect_status=("scheduled",), status="cancelled"
        )
        counts["cancelled" if cancelled else "kept"] += 1
    added = await add_planned_checkins(session, enrolment_id, new, recalled_forms=recalled_forms)
    counts["added"] = len(added)
    return counts


async def list_enrolled(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> list[PatientSummary]:
    """Every patient by reference code, with the next check-in still to be sent."""
    summaries = []
    async with sessions() as session:
        for patient, enrolment in await list_patients(session):
            surgery = day = upcoming = last = None
            if enrolment is not None:
                surgery = enrolment.surgery_date
                day = (local_today(clock, patient.timezone) - surgery).days
                checkins = await checkins_for_enrolment(session, enrolment.id)
                scheduled = [c for c in checkins if c.status == "scheduled"]
                upcoming = min(scheduled, key=lambda c: c.due_at, default=None)
                closed = [c for c in checkins if c.status in ("completed", "missed")]
                last = max(closed, key=lambda c: (c.due_at, c.id), default=None)
            summaries.append(
                PatientSummary(
                    ref=patient.ref,
                    language=patient.language,
                    timezone=patient.timezone,
                    linked=patient.chat_id is not None,
                    status=patient.status,
                    surgery_date=surgery,
                    day_post_op=day,
                    next_checkin=upcoming,
                    last_checkin=last,
                )
            )
    return summaries
