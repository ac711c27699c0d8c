"""Extending a patient's follow-up beyond the survey's schedule (a nurse's decision).

The new check-ins are planned by the survey's own scheduling (:func:`plan_checkins`: local
send time, quiet hours, windows and reminders) as if the schedule had those days, with the
form, window and reminders of the survey's last follow-up.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.services.enrolment import EnrolmentError
from storage.audit import record_audit
from storage.checkins import add_planned_checkins, checkins_for_enrolment
from storage.patients import active_enrolment, patient_by_ref
from storage.records import CheckinRecord
from surveys.model import CheckinSpec, Survey
from surveys.schedule import plan_checkins

__all__ = ["MAX_DAY", "Extended", "extend_follow_up", "extension_specs"]

MAX_DAY = 3650
"""Ten years after surgery: the latest day a check-in can be planned for."""


@dataclass(frozen=True)
class Extended:
    """What an extension changed: ``added`` check-ins; days ``already`` planned (left as
    they are) and days whose window is ``over`` (not planned)."""

    ref: str
    timezone: str
    added: tuple[CheckinRecord, ...]
    already: tuple[int, ...]
    over: tuple[int, ...]


def extension_specs(survey: Survey, days: Iterable[int]) -> tuple[CheckinSpec, ...]:
    """Check-ins on ``days`` after surgery, shaped like the survey's last follow-up."""
    follow_ups = [s for s in survey.schedule.checkins if s.day is not None]
    if not follow_ups:
        raise ValueError("the survey has no follow-up check-in to copy")
    last = max(follow_ups, key=lambda s: s.day or 0)
    return tuple(dataclasses.replace(last, id=f"day_{day}", day=day) for day in sorted(set(days)))


async def extend_follow_up(
    sessions: async_sessionmaker[AsyncSession],
    survey: Survey,
    clock: Clock,
    ref: str,
    days: Iterable[int],
    actor: str,
) -> Extended:
    """Add check-ins on ``days`` after surgery to the patient's active enrolment."""
    wanted = sorted(set(days))
    if not wanted or any(not 1 <= day <= MAX_DAY for day in wanted):
        raise ValueError(f"days after surgery must be from 1 to {MAX_DAY}")
    specs = extension_specs(survey, wanted)
    now = clock.now()
    async with sessions() as session, session.begin():
        patient = await patient_by_ref(session, ref.strip())
        if patient is None:
            raise EnrolmentError("unknown_ref", f"no patient with reference {ref.strip()!r}")
        enrolment = await active_enrolment(session, patient.id)
        if enrolment is None:
            raise EnrolmentError("not_enrolled", f"patient {patient.ref} has no active enrolment")
        planned_ids = {c.spec_id for c in await checkins_for_enrolment(session, enrolment.id)}
        already = tuple(s.day or 0 for s in specs if s.id in planned_ids)
        fresh = tuple(s for s in specs if s.id not in planned_ids)
        schedule = dataclasses.replace(survey.schedule, checkins=fresh)
        plan = plan_checkins(
            dataclasses.replace(survey, schedule=schedule), enrolment.surgery_date, now,
            patient.timezone, send_at=patient.send_at,
        )  # fmt: skip
        added = await add_planned_checkins(session, enrolment.id, plan)
        over = tuple(s.day or 0 for s in fresh if s.id not in {p.spec_id for p in plan})
        await record_audit(
            session, at=now, actor=actor, action="enrolment.extended", entity="patient",
            entity_id=patient.id,
            detail={"enrolment_id": enrolment.id, "days": [c.day for c in added],
                    "already": list(already), "over": list(over)},
        )  # fmt: skip
    return Extended(patient.ref, patient.timezone, tuple(added), already, over)
