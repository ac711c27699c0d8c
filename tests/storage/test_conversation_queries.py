"""The one-round-trip reads and writes a patient's answer goes through.

Each is checked against the slower reads it stands in for, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import answers, checkins, flags, patients
from storage.models import Checkin
from storage.records import CheckinRecord, EnrolmentRecord, PatientRecord

NOW = dt.datetime(2025, 3, 10, 8, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
Sessions = async_sessionmaker[AsyncSession]


@dataclass(frozen=True)
class Planned:
    spec_id: str
    form: str
    day: int | None
    due_at: dt.datetime
    closes_at: dt.datetime
    reminder_times: tuple[dt.datetime, ...] = ()


async def _patient(session: AsyncSession, ref: str = "P-001", chat_id: int = 4242) -> PatientRecord:
    patient = await patients.create_patient(
        session, ref=ref, language="en", timezone="Europe/Berlin", now=NOW
    )
    await patients.update_patient(session, patient.id, chat_id=chat_id, linked_at=NOW)
    return patient


async def _enrolment(
    session: AsyncSession, patient_id: int, *, enrolled_at: dt.datetime = NOW
) -> EnrolmentRecord:
    return await patients.create_enrolment(
        session, patient_id=patient_id, surgery_date=dt.date(2025, 3, 12),
        procedure="decompression", levels="L4-L5", survey_id="lumbar", survey_version="1",
        caregiver_helps=False, now=enrolled_at,
    )  # fmt: skip


async def _plan(session: AsyncSession, enrolment_id: int) -> dict[str, CheckinRecord]:
    planned = [
        Planned("baseline", "baseline", None, NOW - DAY, NOW + 30 * DAY),
        Planned("day1", "early", 1, NOW + DAY, NOW + 3 * DAY, (NOW + DAY + dt.timedelta(hours=4),)),
        Planned("day3", "early", 3, NOW + 3 * DAY, NOW + 5 * DAY),
        Planned("day7", "early", 7, NOW + 7 * DAY, NOW + 9 * DAY),
    ]
    added = await checkins.add_planned_checkins(session, enrolment_id, planned)
    return {record.spec_id: record for record in added}


async def _answer(
    session: AsyncSession, checkin_id: int, question_id: str, value: object, minute: int = 0
) -> None:
    await answers.record_answer(
        session, checkin_id=checkin_id, question_id=question_id, raw=str(value), value=value,
        survey_version="1", answered_at=NOW + dt.timedelta(minutes=minute),
        answered_by="patient",
    )  # fmt: skip


# --- the patient behind a chat ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ((), None),
        (("active",), 0),
        (("active", "active"), 1),
        (("active", "withdrawn"), 0),
        (("withdrawn", "withdrawn"), None),
        (("completed",), 0),
    ],
)
async def test_patient_comes_with_the_enrolment_active_enrolment_picks(
    sessions: Sessions, statuses: tuple[str, ...], expected: int | None
) -> None:
    async with sessions() as session, session.begin():
        patient = await _patient(session)
        other = await _patient(session, "P-002", chat_id=777)
        await _enrolment(session, other.id, enrolled_at=NOW + 9 * DAY)
        made = []
        for number, status in enumerate(statuses):
            enrolment = await _enrolment(session, patient.id, enrolled_at=NOW + number * DAY)
            await patients.update_enrolment(session, enrolment.id, status=status)
            made.append(enrolment.id)

    async with sessions() as session:
        found = await patients.patient_with_enrolment_by_chat(session, 4242)
        active = await patients.active_enrolment(session, patient.id)
        unknown = await patients.patient_with_enrolment_by_chat(session, 1)

    assert found is not None
    assert found == (await _reread_patient(sessions, patient.id), active)
    assert (found[1].id if found[1] else None) == (None if expected is None else made[expected])
    assert unknown is None


async def _reread_patient(sessions: Sessions, patient_id: int) -> PatientRecord:
    async with sessions() as session:
        patient = await patients.get_patient(session, patient_id)
    assert patient is not None
    return patient


# --- what the flag rules compare with ---------------------------------------------------------


async def test_previous_and_baseline_values_match_latest_completed_values(
    sessions: Sessions,
) -> None:
    async with sessions() as session, session.begin():
        patient = await _patient(session)
        enrolment = await _enrolment(session, patient.id)
        plan = await _plan(session, enrolment.id)
        await _answer(session, plan["baseline"].id, "leg_pain", 8)
        await _answer(session, plan["baseline"].id, "walking", {"metres": None, "category": "x"})
        await _answer(session, plan["day1"].id, "leg_pain", 7)
        await _answer(session, plan["day1"].id, "leg_pain", 6, minute=1)  # changed: 7 superseded
        await _answer(session, plan["day1"].id, "note", None)
        await _answer(session, plan["day3"].id, "leg_pain", 5)
        await _answer(session, plan["day7"].id, "leg_pain", 9)
        for spec_id in ("baseline", "day1", "day3"):
            await checkins.update_checkin(session, plan[spec_id].id, status="completed")

    follow_ups, baselines = ("early", "late"), ("baseline",)
    async with sessions() as session:
        cases = []
        for current in ("day3", "day7", "day1"):
            checkin = plan[current]
            combined = await answers.previous_and_baseline_values(
                session, enrolment.id, follow_up_forms=follow_ups, baseline_forms=baselines,
                before=checkin.due_at, exclude_checkin=checkin.id,
            )  # fmt: skip
            _, previous = await answers.latest_completed_values(
                session, enrolment.id, forms=follow_ups, before=checkin.due_at,
                exclude_checkin=checkin.id,
            )  # fmt: skip
            _, baseline = await answers.latest_completed_values(
                session, enrolment.id, forms=baselines, exclude_checkin=checkin.id
            )
            assert combined == (previous, baseline)
            cases.append(combined[0])
        none_yet = await answers.previous_and_baseline_values(
            session, enrolment.id, follow_up_forms=follow_ups, baseline_forms=(),
            before=plan["day1"].due_at, exclude_checkin=plan["day1"].id,
        )  # fmt: skip

    assert cases == [{"leg_pain": 6, "note": None}, {"leg_pain": 5}, {}]
    assert none_yet == ({}, {})


# --- check-ins ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scheduled", "after", "expected"),
    [
        (("day1", "day3", "day7"), NOW, NOW + DAY),
        (("day3", "day7"), NOW, NOW + 3 * DAY),
        (("day1", "day3", "day7"), NOW + DAY, NOW + 3 * DAY),
        (("day1",), NOW + 2 * DAY, None),
        ((), NOW, None),
    ],
)
async def test_next_scheduled_due_is_the_earliest_scheduled_after_now(
    sessions: Sessions, scheduled: tuple[str, ...], after: dt.datetime, expected: dt.datetime | None
) -> None:
    async with sessions() as session, session.begin():
        patient = await _patient(session)
        enrolment = await _enrolment(session, patient.id)
        plan = await _plan(session, enrolment.id)
        for spec_id, record in plan.items():
            status = "scheduled" if spec_id in scheduled else "missed"
            await checkins.update_checkin(session, record.id, status=status)

    async with sessions() as session:
        due = await checkins.next_scheduled_due(session, enrolment.id, after)

    assert due == expected


async def test_updating_a_held_checkin_gives_the_row_as_read_back(sessions: Sessions) -> None:
    later = dt.datetime(2025, 3, 11, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    async with sessions() as session, session.begin():
        patient = await _patient(session)
        enrolment = await _enrolment(session, patient.id)
        plan = await _plan(session, enrolment.id)
        await checkins.update_checkin(session, plan["day1"].id, status="sent")

    async with sessions() as session, session.begin():
        held = await checkins.lock_checkin(session, plan["day1"].id)
        assert held is not None
        kept = await session.get(Checkin, held.id)  # a copy the session holds on to
        updated = await checkins.update_held_checkin(
            session, held, expect_status=checkins.OPEN_STATUSES, status="in_progress",
            position="back_pain", draft={"question": "x", "selected": ["a"]}, started_at=later,
            next_reminder_at=None,
        )  # fmt: skip
        refused = await checkins.update_held_checkin(
            session, held, expect_status=("scheduled",), status="missed"
        )
        assert kept is not None and "status" in inspect(kept).expired_attributes
        same_session = await checkins.get_checkin(session, plan["day1"].id)
        still_open = await checkins.open_checkin(session, enrolment.id)
    async with sessions() as session:
        stored = await checkins.get_checkin(session, plan["day1"].id)

    assert updated == stored == same_session == still_open
    assert updated is not None
    assert updated.started_at is not None
    assert updated.started_at.utcoffset() == dt.timedelta(0)
    assert refused is None


async def test_checkin_with_patient_reads_what_three_reads_would(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        patient = await _patient(session)
        enrolment = await _enrolment(session, patient.id)
        plan = await _plan(session, enrolment.id)

    async with sessions() as session:
        found = await checkins.checkin_with_patient(session, plan["day3"].id)
        missing = await checkins.checkin_with_patient(session, plan["day7"].id + 100)
        checkin = await checkins.get_checkin(session, plan["day3"].id)
        separately = (
            checkin,
            await patients.get_enrolment(session, enrolment.id),
            await patients.get_patient(session, patient.id),
        )

    assert found == separately
    assert checkin is not None and checkin.spec_id == "day3"
    assert missing is None


async def test_set_message_id_changes_only_that_checkins_message(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        patient = await _patient(session)
        enrolment = await _enrolment(session, patient.id)
        plan = await _plan(session, enrolment.id)
    async with sessions() as session, session.begin():
        kept = await session.get(Checkin, plan["day1"].id)  # a copy the session holds on to
        await checkins.set_message_id(session, plan["day1"].id, 31)
        await checkins.set_message_id(session, plan["day1"].id, 32)
        same_session = await checkins.get_checkin(session, plan["day1"].id)

    async with sessions() as session:
        stored = {
            r.spec_id: r for r in await checkins.checkins_for_enrolment(session, enrolment.id)
        }

    assert {spec_id: r.message_id for spec_id, r in stored.items()} == {
        "baseline": None, "day1": 32, "day3": None, "day7": None,
    }  # fmt: skip
    assert stored["day1"] == CheckinRecord(**{**vars(plan["day1"]), "message_id": 32})
    assert same_session == stored["day1"]
    assert kept is not None


async def test_an_answer_known_to_be_first_is_stored_without_superseding(
    sessions: Sessions,
) -> None:
    async with sessions() as session, session.begin():
        patient = await _patient(session)
        enrolment = await _enrolment(session, patient.id)
        plan = await _plan(session, enrolment.id)
        await answers.record_answer(
            session, checkin_id=plan["day1"].id, question_id="leg_pain", raw="4", value=4,
            survey_version="1", answered_at=NOW, answered_by="patient", replaces=False,
        )  # fmt: skip

    async with sessions() as session:
        history = await answers.answer_history(session, plan["day1"].id)

    assert [(a.question_id, a.value) for a in history] == [("leg_pain", 4)]


# --- flags ----------------------------------------------------------------------------------


async def test_flags_by_dedupe_key_finds_only_those_raised(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        patient = await _patient(session)
        raised = {}
        for key in ("checkin:1:a", "checkin:1:b", "checkin:2:a"):
            flag, _ = await flags.raise_flag(
                session, patient_id=patient.id, checkin_id=None, rule_id=key[-1], level="amber",
                evidence={"key": key}, dedupe_key=key, now=NOW,
            )  # fmt: skip
            raised[key] = flag

    async with sessions() as session:
        found = await flags.flags_by_dedupe_key(session, ["checkin:1:a", "checkin:2:a", "nope"])
        nothing = await flags.flags_by_dedupe_key(session, [])

    assert found == {key: raised[key] for key in ("checkin:1:a", "checkin:2:a")}
    assert {flag.patient_ref for flag in found.values()} == {"P-001"}
    assert nothing == {}
