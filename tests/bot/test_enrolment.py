"""The enrolment service on a real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import FakeClock
from bot.services.enrolment import (
    Enrolment,
    EnrolmentError,
    change_surgery_date,
    enrol_patient,
    list_enrolled,
    new_invite,
    normalise_language,
)
from bot.settings import Settings
from storage import audit, checkins, invites, patients
from surveys.loader import load_default_survey
from surveys.model import Survey
from surveys.schedule import plan_checkins

Sessions = async_sessionmaker[AsyncSession]

# 09:00 in Shanghai on Monday 10 March 2025.
NOW = dt.datetime(2025, 3, 10, 1, 0, tzinfo=dt.UTC)
TODAY = dt.date(2025, 3, 10)
ZONE = "Asia/Shanghai"


@pytest.fixture(scope="module")
def survey() -> Survey:
    return load_default_survey()


@pytest.fixture
def settings() -> Settings:
    return Settings(
        _env_file=None,
        bot_username="ward7_bot",
        default_timezone=ZONE,
        invite_ttl_days=14,
        database_url="sqlite+aiosqlite://",
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


async def _enrol(
    sessions: Sessions,
    survey: Survey,
    settings: Settings,
    clock: FakeClock,
    **overrides: Any,
) -> Enrolment:
    values: dict[str, Any] = {"ref": "P-001", "surgery_date": TODAY + dt.timedelta(days=2)}
    values.update(overrides)
    return await enrol_patient(sessions, survey, settings, clock, **values)


async def test_enrolment_stores_patient_plan_invite_and_audit(
    sessions: Sessions, survey: Survey, settings: Settings, clock: FakeClock
) -> None:
    surgery = TODAY + dt.timedelta(days=2)
    done = await _enrol(
        sessions, survey, settings, clock, language="zh", levels=" L4-L5 ", caregiver_helps=True
    )

    async with sessions() as session, session.begin():
        stored = await patients.patient_by_ref(session, "P-001")
        enrolment = await patients.active_enrolment(session, done.patient.id)
        plan = await checkins.checkins_for_enrolment(session, done.enrolment.id)
        redeemed = await invites.redeem_invite(session, done.token, NOW)
        events = await audit.list_audit(session)

    assert done.link == f"https://t.me/ward7_bot?start={done.token}"
    assert done.invite_expires_at == NOW + dt.timedelta(days=14)
    assert done.recalled_baseline is False
    assert stored is not None
    assert enrolment is not None
    assert stored == done.patient
    assert (stored.language, stored.timezone, stored.chat_id) == ("zh-Hans", ZONE, None)
    assert enrolment == done.enrolment
    assert (enrolment.surgery_date, enrolment.levels, enrolment.caregiver_helps) == (
        surgery,
        "L4-L5",
        True,
    )
    assert (enrolment.survey_id, enrolment.survey_version) == (survey.id, survey.version)
    assert list(done.checkins) == plan
    expected = plan_checkins(survey, surgery, NOW, ZONE)
    assert [(c.spec_id, c.due_at, c.closes_at, c.reminder_times) for c in plan] == [
        (p.spec_id, p.due_at, p.closes_at, p.reminder_times) for p in expected
    ]
    assert {(c.status, c.recalled) for c in plan} == {("scheduled", False)}
    assert redeemed == done.enrolment.id
    [event] = events
    assert (event.actor, event.action, event.entity, event.entity_id) == (
        "cli",
        "patient.enrolled",
        "patient",
        str(done.patient.id),
    )
    assert set(event.detail) == {
        "ref",
        "enrolment_id",
        "survey",
        "language",
        "timezone",
        "checkins",
        "recalled_baseline",
    }


async def test_enrolment_after_surgery_marks_only_the_baseline_as_recalled(
    sessions: Sessions, survey: Survey, settings: Settings, clock: FakeClock
) -> None:
    done = await _enrol(sessions, survey, settings, clock, surgery_date=TODAY - dt.timedelta(3))

    assert done.recalled_baseline is True
    assert [(c.spec_id, c.recalled) for c in done.checkins][:3] == [
        ("baseline", True),
        ("day_3", False),  # day 1 closed before enrolment; day 3 is today
        ("day_7", False),
    ]


async def test_enrolment_on_the_day_of_surgery_is_not_recalled(
    sessions: Sessions, survey: Survey, settings: Settings, clock: FakeClock
) -> None:
    done = await _enrol(sessions, survey, settings, clock, surgery_date=TODAY)
    assert done.recalled_baseline is False
    assert not any(c.recalled for c in done.checkins)


@pytest.mark.parametrize(
    ("overrides", "code", "message"),
    [
        (
            {"ref": "Wang Li"},
            "invalid_ref",
            "reference code must be 1–64 letters, digits, '-' or '_', "
            "with no spaces (a study code, never a name)",
        ),
        ({"ref": "王丽"}, "invalid_ref", None),
        ({"ref": "  "}, "invalid_ref", None),
        ({"ref": "P" * 65}, "invalid_ref", None),
        ({"ref": "P-1;drop"}, "invalid_ref", None),
        (
            {"timezone": "Mars/Olympus"},
            "invalid_timezone",
            "unknown timezone 'Mars/Olympus' (use Area/City, e.g. Asia/Shanghai)",
        ),
        ({"timezone": ""}, "invalid_timezone", None),
        ({"language": "fr"}, "invalid_language", "unsupported language 'fr' (use en or zh-Hans)"),
        (
            {"surgery_date": dt.date(2024, 3, 9)},
            "surgery_date_too_early",
            "surgery date 2024-03-09 is more than a year ago",
        ),
        (
            {"surgery_date": dt.date(2025, 6, 9)},
            "surgery_date_too_late",
            "surgery date 2025-06-09 is more than 90 days ahead",
        ),
        ({"send_at": "9am"}, "invalid_send_at", "send time '9am' is not a time like 09:00"),
        ({"send_at": "24:00"}, "invalid_send_at", None),
        (
            {"send_at": "22:30"},
            "invalid_send_at",
            "send time 22:30 falls in the quiet hours 21:00–08:00",
        ),
        ({"send_at": "07:59"}, "invalid_send_at", None),
        ({"levels": "L" * 61}, "too_long", "levels must be at most 60 characters"),
    ],
)
async def test_invalid_enrolment_is_refused_and_stores_nothing(
    sessions: Sessions,
    survey: Survey,
    settings: Settings,
    clock: FakeClock,
    overrides: dict[str, Any],
    code: str,
    message: str | None,
) -> None:
    with pytest.raises(EnrolmentError) as refused:
        await _enrol(sessions, survey, settings, clock, **overrides)

    assert refused.value.code == code
    if message is not None:
        assert str(refused.value) == message
    async with sessions() as session:
        assert await patients.list_patients(session) == []
        assert await audit.list_audit(session) == []


@pytest.mark.parametrize(
    "overrides",
    [
        {"surgery_date": dt.date(2024, 3, 10)},  # exactly a year ago
        {"surgery_date": dt.date(2025, 6, 8)},  # exactly 90 days ahead
        {"send_at": "08:00"},
        {"send_at": "20:59"},
        {"ref": " P_7-b "},
    ],
)
async def test_values_at_the_limits_are_accepted(
    sessions: Sessions,
    survey: Survey,
    settings: Settings,
    clock: FakeClock,
    overrides: dict[str, Any],
) -> None:
    done = await _enrol(sessions, survey, settings, clock, **overrides)
    assert done.ref == overrides.get("ref", "P-001").strip()


async def test_surgery_date_limits_use_the_patients_local_date(
    sessions: Sessions, survey: Survey, settings: Settings
) -> None:
    # 11:30 on 10 March in Shanghai is still 23:30 on 9 March in New York.
    clock = FakeClock(dt.datetime(2025, 3, 10, 3, 30, tzinfo=dt.UTC))
    june_8 = dt.date(2025, 6, 8)
    with pytest.raises(EnrolmentError, match="more than 90 days ahead"):
        await _enrol(
            sessions, survey, settings, clock, surgery_date=june_8, timezone="America/New_York"
        )
    done = await _enrol(sessions, survey, settings, clock, surgery_date=june_8)
    assert done.patient.timezone == ZONE


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (None, ZONE),
        ("Europe/Berlin", "Europe/Berlin"),
        (" america/new_york ", "America/New_York"),
        ("UTC", "UTC"),
    ],
)
async def test_timezone_defaults_to_settings_and_is_stored_in_its_canonical_form(
    sessions: Sessions,
    survey: Survey,
    settings: Settings,
    clock: FakeClock,
    given: str | None,
    stored: str,
) -> None:
    done = await _enrol(sessions, survey, settings, clock, timezone=given)
    assert done.patient.timezone == stored


async def test_a_reference_code_is_enrolled_once(
    sessions: Sessions, survey: Survey, settings: Settings, clock: FakeClock
) -> None:
    await _enrol(sessions, survey, settings, clock)
    with pytest.raises(EnrolmentError) as refused:
        await _enrol(sessions, survey, settings, clock, language="en")

    assert (refused.value.code, str(refused.value)) == (
        "duplicate_ref",
        "patient P-001 is already enrolled",
    )
    async with sessions() as session:
        assert len(await patients.list_patients(session)) == 1


@pytest.mark.parametrize(
    ("given", "language"),
    [
        ("en", "en"),
        (" EN ", "en"),
        ("English", "en"),
        ("zh-Hans", "zh-Hans"),
        ("zh_hans", "zh-Hans"),
        ("zh", "zh-Hans"),
        ("zh-CN", "zh-Hans"),
        ("cn", "zh-Hans"),
        ("中文", "zh-Hans"),
    ],
)
def test_language_aliases(given: str, language: str) -> None:
    assert normalise_language(given) == language


async def test_new_invite_replaces_the_unused_link(
    sessions: Sessions, survey: Survey, settings: Settings, clock: FakeClock
) -> None:
    done = await _enrol(sessions, survey, settings, clock)
    later = clock.advance(dt.timedelta(days=1))

    issued = await new_invite(sessions, settings, clock, " P-001 ", "nurse:42")

    async with sessions() as session, session.begin():
        old = await invites.redeem_invite(session, done.token, later)
        new = await invites.redeem_invite(session, issued.token, later)
        events = await audit.list_audit(session, action="invite.issued")
    assert (issued.ref, issued.revoked, issued.already_linked) == ("P-001", 1, False)
    assert issued.link == f"https://t.me/ward7_bot?start={issued.token}"
    assert issued.expires_at == later + dt.timedelta(days=14)
    assert old == invites.InviteRefused("expired")
    assert new == done.enrolment.id
    assert [(e.actor, e.detail) for e in events] == [
        ("nurse:42", {"enrolment_id": done.enrolment.id, "revoked": 1})
    ]


@pytest.mark.parametrize(
    ("ref", "code", "message"),
    [
        ("P-404", "unknown_ref", "no patient with reference 'P-404'"),
        ("P-001", "not_enrolled", "patient P-001 has no active enrolment"),
    ],
)
async def test_new_invite_needs_an_enrolled_patient(
    sessions: Sessions,
    survey: Survey,
    settings: Settings,
    clock: FakeClock,
    ref: str,
    code: str,
    message: str,
) -> None:
    done = await _enrol(sessions, survey, settings, clock)
    async with sessions() as session, session.begin():
        await patients.update_enrolment(session, done.enrolment.id, status="withdrawn")

    with pytest.raises(EnrolmentError) as refused:
        await new_invite(sessions, settings, clock, ref, "cli")
    assert (refused.value.code, str(refused.value)) == (code, message)


async def test_rescheduling_moves_unsent_checkins_and_keeps_sent_ones(
    sessions: Sessions, survey: Survey, settings: Settings, clock: FakeClock
) -> None:
    done = await _enrol(sessions, survey, settings, clock, surgery_date=TODAY - dt.timedelta(1))
    by_spec = {c.spec_id: c for c in done.checkins}
    async with sessions() as session, session.begin():
        await checkins.update_checkin(
            session, by_spec["baseline"].id, status="completed", completed_at=NOW
        )
        await checkins.update_checkin(session, by_spec["day_1"].id, status="sent", sent_at=NOW)
    clock.advance(dt.timedelta(hours=2))
    new_date = TODAY + dt.timedelta(days=5)  # the operation was postponed

    moved = await change_surgery_date(sessions, survey, clock, "P-001", new_date, "nurse:42")

    after = {c.spec_id: c for c in moved.checkins}
    expected = {p.spec_id: p for p in plan_checkins(survey, new_date, clock.now(), ZONE)}
    assert (moved.previous_surgery_date, moved.surgery_date) == (TODAY - dt.timedelta(1), new_date)
    assert after["baseline"] == replace(by_spec["baseline"], status="completed", completed_at=NOW)
    assert (after["day_1"].status, after["day_1"].due_at) == ("sent", by_spec["day_1"].due_at)
    for spec_id in set(after) - {"baseline", "day_1"}:
        plan, row = expected[spec_id], after[spec_id]
        assert (row.id, row.status) == (by_spec[spec_id].id, "scheduled")
        assert (row.due_at, row.closes_at, row.reminder_times) == (
            plan.due_at,
            plan.closes_at,
            plan.reminder_times,
        )
    assert (moved.replanned, moved.added, moved.cancelled, moved.kept) == (
        len(after) - 2,
        0,
        0,
        2,
    )
    async with sessions() as session:
        enrolment = await patients.active_enrolment(session, done.patient.id)
        [event] = await audit.list_audit(session, action="enrolment.rescheduled")
    assert enrolment is not None
    assert enrolment.surgery_date == new_date
    assert (event.actor, event.detail) == (
        "nurse:42",
        {"enrolment_id": done.enrolment.id, "replanned": len(after) - 2, "added": 0,
         "cancelled": 0, "kept": 2},
    )  # fmt: skip


async def test_rescheduling_earlier_cancels_checkins_whose_window_has_passed(
    sessions: Sessions, survey: Survey, settings: Settings, clock: FakeClock
) -> None:
    done = await _enrol(sessions, survey, settings, clock, surgery_date=TODAY + dt.timedelta(2))
    new_date = TODAY - dt.timedelta(days=5)  # entered wrongly: it was last week

    moved = await change_surgery_date(sessions, survey, clock, "P-001", new_date, "cli")

    status = {c.spec_id: (c.status, c.recalled) for c in moved.checkins}
    assert status["baseline"] == ("scheduled", True)
    assert status["day_1"] == ("cancelled", False)
    assert status["day_3"] == ("cancelled", False)
    assert status["day_7"] == ("scheduled", False)
    assert (moved.cancelled, moved.added, moved.kept) == (2, 0, 0)
    assert moved.replanned == len(done.checkins) - 2


async def test_rescheduling_later_plans_checkins_that_were_skipped(
    sessions: Sessions, survey: Survey, settings: Settings, clock: FakeClock
) -> None:
    await _enrol(sessions, survey, settings, clock, surgery_date=TODAY - dt.timedelta(10))

    moved = await change_surgery_date(sessions, survey, clock, "P-001", TODAY, "cli")

    assert (moved.added, moved.cancelled) == (3, 0)  # day 1, 3 and 7 are ahead again
    assert [c.spec_id for c in moved.checkins][:4] == ["baseline", "day_1", "day_3", "day_7"]
    assert not any(c.recalled for c in moved.checkins)


@pytest.mark.parametrize(
    ("ref", "new_date", "code"),
    [
        ("P-404", TODAY, "unknown_ref"),
        ("P-001", TODAY + dt.timedelta(days=91), "surgery_date_too_late"),
        ("P-001", TODAY - dt.timedelta(days=366), "surgery_date_too_early"),
    ],
)
async def test_rescheduling_refuses_bad_input_and_changes_nothing(
    sessions: Sessions,
    survey: Survey,
    settings: Settings,
    clock: FakeClock,
    ref: str,
    new_date: dt.date,
    code: str,
) -> None:
    done = await _enrol(sessions, survey, settings, clock)
    with pytest.raises(EnrolmentError) as refused:
        await change_surgery_date(sessions, survey, clock, ref, new_date, "cli")

    assert refused.value.code == code
    async with sessions() as session:
        assert await checkins.checkins_for_enrolment(session, done.enrolment.id) == list(
            done.checkins
        )


async def test_patient_list_shows_link_status_day_and_next_checkin(
    sessions: Sessions, survey: Survey, settings: Settings, clock: FakeClock
) -> None:
    first = await _enrol(sessions, survey, settings, clock, ref="B-2", surgery_date=TODAY)
    second = await _enrol(
        sessions, survey, settings, clock, ref="A-1", surgery_date=TODAY - dt.timedelta(4)
    )
    async with sessions() as session, session.begin():
        await patients.update_patient(session, first.patient.id, chat_id=99, linked_at=NOW)
        baseline = second.checkins[0]
        await checkins.update_checkin(session, baseline.id, status="completed")

    listed = await list_enrolled(sessions, clock)

    assert [
        (p.ref, p.linked, p.status, p.surgery_date, p.day_post_op, p.next_checkin.spec_id)
        for p in listed
        if p.next_checkin is not None
    ] == [
        ("A-1", False, "active", TODAY - dt.timedelta(4), 4, "day_3"),  # open since yesterday
        ("B-2", True, "active", TODAY, 0, "baseline"),
    ]
