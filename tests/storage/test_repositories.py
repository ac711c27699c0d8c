"""Repositories against a real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import storage.audit
from storage import answers, audit, checkins, flags, invites, patients, updates
from storage.models import Answer, Invite
from storage.records import EnrolmentRecord, PatientRecord

NOW = dt.datetime(2025, 3, 10, 8, 0, tzinfo=dt.UTC)
Sessions = async_sessionmaker[AsyncSession]


@dataclass(frozen=True)
class Planned:
    spec_id: str
    form: str
    day: int | None
    due_at: dt.datetime
    closes_at: dt.datetime
    reminder_times: tuple[dt.datetime, ...] = ()


async def _enrol(
    session: AsyncSession, ref: str = "P-001"
) -> tuple[PatientRecord, EnrolmentRecord]:
    patient = await patients.create_patient(
        session, ref=ref, language="en", timezone="Europe/Berlin", now=NOW
    )
    enrolment = await patients.create_enrolment(
        session,
        patient_id=patient.id,
        surgery_date=dt.date(2025, 3, 12),
        procedure="decompression",
        levels="L4-L5",
        survey_id="lumbar",
        survey_version="1",
        caregiver_helps=False,
        now=NOW,
    )
    return patient, enrolment


async def _checkin(session: AsyncSession, enrolment_id: int, spec_id: str = "day1") -> int:
    [record] = await checkins.add_planned_checkins(
        session,
        enrolment_id,
        [Planned(spec_id, "early", 1, NOW, NOW + dt.timedelta(hours=48))],
    )
    return record.id


# --- patients -------------------------------------------------------------------------------


async def test_patient_is_found_by_ref_and_by_linked_chat(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        patient, _ = await _enrol(session)
        await patients.update_patient(session, patient.id, chat_id=4242, linked_at=NOW)

    async with sessions() as session:
        by_ref = await patients.patient_by_ref(session, "P-001")
        by_chat = await patients.patient_by_chat(session, 4242)
        assert await patients.patient_by_ref(session, "P-002") is None
        assert await patients.get_patient(session, patient.id + 100) is None

    assert by_ref is not None
    assert by_ref == by_chat
    assert (by_ref.ref, by_ref.chat_id, by_ref.linked_at, by_ref.status) == (
        "P-001",
        4242,
        NOW,
        "active",
    )


async def test_duplicate_ref_is_refused(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        await _enrol(session)
    async with sessions() as session, session.begin():
        with pytest.raises(patients.PatientExists):
            await patients.create_patient(
                session, ref="P-001", language="en", timezone="UTC", now=NOW
            )


async def test_list_patients_is_sorted_by_ref_with_the_current_enrolment(
    sessions: Sessions,
) -> None:
    async with sessions() as session, session.begin():
        _, b_enrolment = await _enrol(session, "B-2")
        _, a_enrolment = await _enrol(session, "A-1")
        await patients.update_enrolment(session, a_enrolment.id, status="withdrawn")
        await patients.update_enrolment(session, b_enrolment.id, surgery_date=dt.date(2025, 4, 1))

    async with sessions() as session:
        listed = await patients.list_patients(session)

    assert [(p.ref, e.surgery_date if e else None) for p, e in listed] == [
        ("A-1", None),
        ("B-2", dt.date(2025, 4, 1)),
    ]


# --- invites --------------------------------------------------------------------------------


async def test_invite_redeems_once_then_reports_used(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        _, enrolment = await _enrol(session)
        token = await invites.create_invite(
            session, enrolment_id=enrolment.id, now=NOW, ttl=dt.timedelta(days=30)
        )

    async with sessions() as session, session.begin():
        first = await invites.redeem_invite(session, token, NOW + dt.timedelta(days=1))
    async with sessions() as session, session.begin():
        second = await invites.redeem_invite(session, token, NOW + dt.timedelta(days=2))

    assert first == enrolment.id
    assert second == invites.InviteRefused("used")


@pytest.mark.parametrize(
    ("token", "redeemed_after", "reason"),
    [
        (None, dt.timedelta(days=30), "expired"),
        (None, dt.timedelta(days=31), "expired"),
        ("not-a-real-token", dt.timedelta(0), "unknown"),
        ("", dt.timedelta(0), "unknown"),
        ("x" * 65, dt.timedelta(0), "unknown"),
    ],
)
async def test_invite_is_refused(
    sessions: Sessions,
    token: str | None,
    redeemed_after: dt.timedelta,
    reason: Literal["unknown", "expired", "used"],
) -> None:
    async with sessions() as session, session.begin():
        _, enrolment = await _enrol(session)
        issued = await invites.create_invite(
            session, enrolment_id=enrolment.id, now=NOW, ttl=dt.timedelta(days=30)
        )
    async with sessions() as session, session.begin():
        refused = await invites.redeem_invite(
            session, issued if token is None else token, NOW + redeemed_after
        )
    assert refused == invites.InviteRefused(reason)


async def test_invite_token_is_stored_only_as_its_hash(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        _, enrolment = await _enrol(session)
        token = await invites.create_invite(
            session, enrolment_id=enrolment.id, now=NOW, ttl=dt.timedelta(days=1)
        )
    async with sessions() as session:
        [row] = (await session.scalars(select(Invite))).all()

    stored = [str(getattr(row, column.key)) for column in Invite.__table__.columns]
    assert row.token_hash == invites.hash_token(token) != token
    assert len(row.token_hash) == 64
    assert not any(token in value for value in stored)


async def test_expired_invites_turn_away_old_links_but_keep_used_ones(sessions: Sessions) -> None:
    ttl = dt.timedelta(days=30)
    async with sessions() as session, session.begin():
        _, enrolment = await _enrol(session)
        used = await invites.create_invite(session, enrolment_id=enrolment.id, now=NOW, ttl=ttl)
        old = await invites.create_invite(session, enrolment_id=enrolment.id, now=NOW, ttl=ttl)
        assert await invites.redeem_invite(session, used, NOW) == enrolment.id

    later = NOW + dt.timedelta(days=1)
    async with sessions() as session, session.begin():
        expired = await invites.expire_invites(session, enrolment.id, later)
        fresh = await invites.create_invite(session, enrolment_id=enrolment.id, now=later, ttl=ttl)
    async with sessions() as session, session.begin():
        outcomes = [await invites.redeem_invite(session, t, later) for t in (used, old, fresh)]

    assert expired == 1
    assert outcomes == [
        invites.InviteRefused("used"),
        invites.InviteRefused("expired"),
        enrolment.id,
    ]


# --- check-ins ------------------------------------------------------------------------------


async def test_update_checkin_respects_the_expected_status(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        _, enrolment = await _enrol(session)
        checkin_id = await _checkin(session, enrolment.id)

    async with sessions() as session, session.begin():
        claimed = await checkins.update_checkin(
            session, checkin_id, expect_status=("scheduled",), status="sent", sent_at=NOW
        )
        again = await checkins.update_checkin(
            session, checkin_id, expect_status=("scheduled",), status="sent"
        )
        current = await checkins.open_checkin(session, enrolment.id)

    assert (claimed, again) == (True, False)
    assert current is not None
    assert (current.id, current.status, current.sent_at) == (checkin_id, "sent", NOW)


# --- answers --------------------------------------------------------------------------------


async def test_changing_an_answer_supersedes_the_old_one(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        _, enrolment = await _enrol(session)
        checkin_id = await _checkin(session, enrolment.id)
        for minute, (question, value) in enumerate(
            [("leg_pain", 8), ("back_pain", 3), ("leg_pain", 6)]
        ):
            await answers.record_answer(
                session,
                checkin_id=checkin_id,
                question_id=question,
                raw=str(value),
                value=value,
                survey_version="1",
                answered_at=NOW + dt.timedelta(minutes=minute),
                answered_by="patient",
            )

    async with sessions() as session:
        live = await answers.current_answers(session, checkin_id)
        history = await answers.answer_history(session, checkin_id)
        superseded = (await session.scalars(select(Answer.superseded_at).order_by(Answer.id))).all()

    assert live == {"back_pain": 3, "leg_pain": 6}
    assert [(a.question_id, a.value) for a in history] == [
        ("leg_pain", 8),
        ("back_pain", 3),
        ("leg_pain", 6),
    ]
    assert superseded == [NOW + dt.timedelta(minutes=2), None, None]


async def test_latest_completed_values_come_from_the_newest_completed_checkin(
    sessions: Sessions,
) -> None:
    async with sessions() as session, session.begin():
        _, enrolment = await _enrol(session)
        older = await _checkin(session, enrolment.id, "day1")
        [newer, pending] = [
            r.id
            for r in await checkins.add_planned_checkins(
                session,
                enrolment.id,
                [
                    Planned("day3", "early", 3, NOW + dt.timedelta(days=2), NOW),
                    Planned("day7", "early", 7, NOW + dt.timedelta(days=6), NOW),
                ],
            )
        ]
        for checkin_id, pain in [(older, 5), (newer, 4), (pending, 9)]:
            await answers.record_answer(
                session,
                checkin_id=checkin_id,
                question_id="leg_pain",
                raw=None,
                value=pain,
                survey_version="1",
                answered_at=NOW,
                answered_by="patient",
            )
        for checkin_id in (older, newer):
            await checkins.update_checkin(session, checkin_id, status="completed")

    async with sessions() as session:
        latest = await answers.latest_completed_values(session, enrolment.id)
        before_newer = await answers.latest_completed_values(
            session, enrolment.id, exclude_checkin=newer
        )
        of_other_form = await answers.latest_completed_values(
            session, enrolment.id, forms=("baseline",)
        )

    assert latest == (newer, {"leg_pain": 4})
    assert before_newer == (older, {"leg_pain": 5})
    assert of_other_form == (None, {})


# --- flags ----------------------------------------------------------------------------------


async def _raise(
    session: AsyncSession, patient_id: int, key: str, level: str = "amber", minute: int = 0
) -> tuple[int, bool]:
    flag, new = await flags.raise_flag(
        session,
        patient_id=patient_id,
        checkin_id=None,
        rule_id=f"rule_{key}",
        level=level,
        evidence={"leg_pain": {"value": 8}},
        dedupe_key=key,
        now=NOW + dt.timedelta(minutes=minute),
    )
    return flag.id, new


async def test_raising_a_flag_twice_with_one_dedupe_key_keeps_one_flag(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        patient, _ = await _enrol(session)
        first = await _raise(session, patient.id, "c1:leg_pain_high")
    async with sessions() as session, session.begin():
        second = await _raise(session, patient.id, "c1:leg_pain_high", minute=5)
        listed = await flags.list_flags(session)

    assert first == (first[0], True)
    assert second == (first[0], False)
    assert [(f.id, f.patient_ref, f.raised_at, f.evidence) for f in listed] == [
        (first[0], "P-001", NOW, {"leg_pain": {"value": 8}})
    ]


async def test_flags_are_listed_red_first_then_oldest_and_filtered(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        patient, _ = await _enrol(session)
        info = await _raise(session, patient.id, "a", "info", minute=0)
        amber = await _raise(session, patient.id, "b", "amber", minute=1)
        red_late = await _raise(session, patient.id, "c", "red", minute=3)
        red_early = await _raise(session, patient.id, "d", "red", minute=2)
        resolved = await _raise(session, patient.id, "e", "red", minute=0)
        assert await flags.set_flag(
            session, resolved[0], expect_status=("open",), status="resolved"
        )
        assert not await flags.set_flag(
            session, resolved[0], expect_status=("open",), status="open"
        )

    async with sessions() as session:
        open_flags = [f.id for f in await flags.list_flags(session)]
        amber_only = [f.id for f in await flags.list_flags(session, levels=("amber",))]
        done = [f.id for f in await flags.list_flags(session, statuses=("resolved",))]
        missing = await flags.get_flag(session, 999_999)

    assert open_flags == [red_early[0], red_late[0], amber[0], info[0]]
    assert amber_only == [amber[0]]
    assert done == [resolved[0]]
    assert missing is None


# --- audit ----------------------------------------------------------------------------------


async def test_audit_lists_events_in_the_order_they_happened(sessions: Sessions) -> None:
    events = [
        ("cli", "patient.enrolled", "patient", 1),
        ("nurse:7", "flag.acknowledged", "flag", 3),
        ("cli", "invite.issued", "patient", 1),
        ("cli", "patient.enrolled", "patient", 2),
    ]
    async with sessions() as session, session.begin():
        for minute, (actor, action, entity, entity_id) in enumerate(events):
            await audit.record_audit(
                session,
                at=NOW + dt.timedelta(minutes=minute),
                actor=actor,
                action=action,
                entity=entity,
                entity_id=entity_id,
                detail={"n": minute},
            )

    async with sessions() as session:
        everything = await audit.list_audit(session)
        patient_one = await audit.list_audit(session, entity="patient", entity_id=1)
        enrolled = await audit.list_audit(session, action="patient.enrolled")

    assert [(e.actor, e.action, e.entity, e.entity_id, e.detail) for e in everything] == [
        (actor, action, entity, str(entity_id), {"n": n})
        for n, (actor, action, entity, entity_id) in enumerate(events)
    ]
    assert [e.action for e in patient_one] == ["patient.enrolled", "invite.issued"]
    assert [e.entity_id for e in enrolled] == ["1", "2"]


def test_audit_repository_offers_no_way_to_change_or_delete() -> None:
    assert sorted(storage.audit.__all__) == ["list_audit", "record_audit"]


# --- processed updates ----------------------------------------------------------------------


async def test_an_update_is_processed_once_and_old_ids_are_forgotten(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        assert await updates.mark_update_processed(session, 100, NOW)
        assert await updates.mark_update_processed(session, 101, NOW + dt.timedelta(hours=2))
    async with sessions() as session, session.begin():
        assert not await updates.mark_update_processed(session, 100, NOW + dt.timedelta(hours=3))
        forgotten = await updates.forget_updates_before(session, NOW + dt.timedelta(hours=1))
    async with sessions() as session, session.begin():
        again = await updates.mark_update_processed(session, 100, NOW + dt.timedelta(hours=4))
        still_seen = await updates.mark_update_processed(session, 101, NOW + dt.timedelta(hours=4))

    assert (forgotten, again, still_seen) == (1, True, False)


async def test_a_failed_transaction_does_not_keep_the_update_id(sessions: Sessions) -> None:
    with pytest.raises(RuntimeError):
        async with sessions() as session, session.begin():
            assert await updates.mark_update_processed(session, 7, NOW)
            raise RuntimeError("handler failed")
    async with sessions() as session, session.begin():
        assert await updates.mark_update_processed(session, 7, NOW)
