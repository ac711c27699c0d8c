"""``followup report`` and ``followup patients`` tell answered, missed, paused and
never-started check-ins apart, and say how old the latest leg pain is."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from bot.clock import FakeClock
from bot.settings import Settings
from storage.checkins import checkins_for_enrolment, update_checkin
from storage.patients import active_enrolment, patient_by_ref, update_patient
from tests.bot.nurse.nurse_world import NurseWorld
from tests.bot.nurse.test_nurse_cli import clock, invoke, settings, world

__all__ = ["clock", "settings", "world"]  # fixtures shared with test_nurse_cli


async def _close(w: NurseWorld, ref: str, day: int, reason: str | None) -> None:
    """Close the day-``day`` check-in of ``ref`` unanswered, for ``reason``."""
    async with w.sessions.begin() as session:
        patient = await patient_by_ref(session, ref)
        assert patient is not None
        enrolment = await active_enrolment(session, patient.id)
        assert enrolment is not None
        checkin = next(c for c in await checkins_for_enrolment(session, enrolment.id)
                       if c.day == day)  # fmt: skip
        await update_checkin(session, checkin.id, status="missed", last_error=reason)


async def _cohort(w: NurseWorld) -> None:
    # P-001 answered, then paused: day 3 missed while active, day 7 closed while paused
    await w.raise_flags({"leg_pain": 8}, day=None)
    await w.raise_flags({"leg_pain": 6}, day=1)
    await w.link("P-001", 501)
    await _close(w, "P-001", 3, None)
    await _close(w, "P-001", 7, "paused")
    async with w.sessions.begin() as session:
        patient = await patient_by_ref(session, "P-001")
        assert patient is not None
        await update_patient(session, patient.id, status="paused")
    # P-002 never opened the invite
    await w.enrol("P-002")
    await _close(w, "P-002", 1, "not linked")
    await _close(w, "P-002", 3, "not linked")


def test_report_tells_paused_missed_and_never_started_apart_and_dates_the_pain(
    settings: Settings, clock: FakeClock, world: Callable[..., Any]
) -> None:
    world(_cohort)
    clock.advance(dt.timedelta(days=334))  # the day-1 answer is 11 months old
    lines = invoke(settings, clock, "report").stdout.splitlines()
    first = lines.index("Patient P-001 (paused)")
    assert lines[first : first + 6] == [
        "Patient P-001 (paused)",
        "  Before surgery: leg 8",
        "  Day 1: leg 6 (−2)",
        "  Day 3: missed",
        "  Day 7: paused",
        "  Leg pain now 6 (day 1, 11 months ago; before surgery 8, −2): minimal important "
        "change reached (2 points or 30%).",
    ]
    second = lines.index("Patient P-002 (invite not opened)")
    assert lines[second : second + 3] == [
        "Patient P-002 (invite not opened)",
        "  Day 1: invite not opened",
        "  Day 3: invite not opened",
    ]
    report = json.loads(invoke(settings, clock, "report", "--json").stdout)
    p1, p2 = report["per_patient"]
    assert p1["state"] == "paused"
    assert [(p["day"], p["outcome"]) for p in p1["points"][:3]] == [
        (1, "answered"), (3, "missed"), (7, "paused"),
    ]  # fmt: skip
    assert (p2["state"], p2["points"][0]["outcome"]) == ("invite not opened", "invite not opened")


def test_patients_shows_each_patients_state_and_last_checkin(
    settings: Settings, clock: FakeClock, world: Callable[..., Any]
) -> None:
    world(_cohort)
    clock.advance(dt.timedelta(days=10))
    text = invoke(settings, clock, "patients").stdout.splitlines()
    assert text[0].split() == [
        "ref", "lang", "timezone", "linked", "status", "surgery", "day", "last", "check-in",
        "next", "check-in",
    ]  # fmt: skip
    assert "paused" in text[1] and "day 7: paused" in text[1]
    assert "invite not opened" in text[2] and "day 3: invite not opened" in text[2]
    listed = json.loads(invoke(settings, clock, "patients", "--json").stdout)
    assert [(p["ref"], p["state"], p["last_checkin"]) for p in listed] == [
        ("P-001", "paused", {"spec_id": "day_7", "day": 7, "outcome": "paused"}),
        ("P-002", "invite not opened",
         {"spec_id": "day_3", "day": 3, "outcome": "invite not opened"}),
    ]  # fmt: skip
