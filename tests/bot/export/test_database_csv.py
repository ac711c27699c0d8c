"""The long and wide files the database writes are byte for byte those of the Python export.

The Python export (``ExportOptions(python_rows=True)``, the rows converted and written one by
one) is the reference: on a cohort with daylight-saving changes, date shifts, every kind of
stored value and a few values no button stores, both ways must give the same bytes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from pathlib import Path
from typing import Any

import pytest
from export_world import _answer, _checkin, seed
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import bot.export.service
from bot.clock import FakeClock
from bot.export import FILES, ExportOptions, ExportService
from bot.export.clocks import ClockBook
from bot.export.deidentify import Deidentifier
from storage.export.queries import ExportFilter
from storage.models import Enrolment, Patient
from surveys.model import Survey

NOW = dt.datetime(2026, 1, 10, 8, 0, tzinfo=dt.UTC)
ZONES = ("America/New_York", "Europe/London", "Australia/Sydney", "Asia/Kolkata")


def at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


async def seed_clock_edges(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Patients in zones with daylight-saving changes, answering on and around the changes
    (and at .9999995 of a second), each check-in with the usual answers."""
    edges = [at(2025, 3, 9, 6, 59, 59), at(2025, 3, 9, 7, 0), at(2025, 3, 30, 0, 59, 59),
             at(2025, 3, 30, 1, 0), at(2025, 10, 26, 0, 59, 59), at(2025, 10, 26, 1, 0),
             at(2025, 11, 2, 5, 30), at(2025, 11, 2, 6, 0), at(2025, 4, 5, 15, 59, 59),
             at(2025, 10, 4, 16, 0)]  # fmt: skip
    async with sessions() as session, session.begin():
        for n, zone in enumerate(ZONES * 3, start=10):
            session.add(Patient(id=n, ref=f"Z-{n:04}", language="en", timezone=zone,
                                status="active", created_at=at(2025, 1, 2, 9),
                                language_confirmed=True))  # fmt: skip
            session.add(Enrolment(id=n, patient_id=n, surgery_date=dt.date(2025, 1, 3),
                                  procedure="decompression", survey_id="lumbar_decompression",
                                  survey_version="1.0.0", status="active",
                                  enrolled_at=at(2025, 1, 2, 9)))  # fmt: skip
        await session.flush()
        checkin_id = 100
        for n in range(10, 10 + len(ZONES) * 3):
            for edge in edges:
                checkin_id += 1
                due = edge - dt.timedelta(minutes=3 * (n % 4))
                session.add(_checkin(n, f"day_{checkin_id}", "early", checkin_id % 400, due,
                                     "completed", id=checkin_id,
                                     completed_at=edge + dt.timedelta(microseconds=999_999),
                                     answered_by="patient"))  # fmt: skip
                await session.flush()
                moment = edge + dt.timedelta(microseconds=999_999)
                session.add_all([
                    _answer(checkin_id, "leg_pain", n % 11, str(n % 11), moment),
                    _answer(checkin_id, "walking", {"metres": 482.80319999999995,
                                                    "category": "m100_500"}, "0.3 miles",
                            moment + dt.timedelta(hours=1)),
                    _answer(checkin_id, "red_flags", ["none"], "none", moment),
                ])  # fmt: skip


async def seed_unusual_values(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Values no button stores: a fraction, huge and negative-zero distances, a list with a
    number (not typed: the Python rules cannot compare such a list with typed words), an
    object for a choice, JSON null, typed words in other cases and spaces, an answer to a
    question the form does not ask, a form the survey does not have."""
    async with sessions() as session, session.begin():
        session.add(Patient(id=3, ref="P-0003", language="en", timezone="Europe/Berlin",
                            status="active", created_at=at(2025, 3, 8, 1),
                            language_confirmed=True))  # fmt: skip
        session.add(Enrolment(id=3, patient_id=3, surgery_date=dt.date(2025, 3, 10),
                              procedure="decompression", survey_id="lumbar_decompression",
                              survey_version="1.0.0", status="active",
                              enrolled_at=at(2025, 3, 8, 1)))  # fmt: skip
        await session.flush()
        session.add_all([
            _checkin(3, "day_1", "early", 1, at(2025, 3, 11, 8), "completed", id=50,
                     completed_at=at(2025, 3, 11, 9), answered_by=""),
            _checkin(3, "day_3", "legacy_form", 3, at(2025, 3, 13, 8), "completed", id=51,
                     completed_at=at(2025, 3, 13, 9)),
        ])  # fmt: skip
        await session.flush()
        values: list[tuple[int, str, Any, str | None]] = [
            (50, "leg_pain", 2.5, "2.5"),
            (50, "back_pain", None, "skip"),
            (50, "numbness", "none", "NONE\u3000"),
            (50, "walking", {"metres": 1e16, "category": "over_1000"}, "far"),
            (50, "pgic", {"odd": 1}, "Much Improved"),
            (50, "red_flags", ["fever", 3], None),
            (50, "note", "Ärger", " ärger "),
            (50, "extra", [1, 2], "1,2"),
            (51, "leg_pain", 300.0, "300"),
            (51, "walking", {"metres": -0.0, "category": None}, ""),
            (51, "note", 'two\nlines, "quoted"', "two\nlines"),
        ]
        session.add_all([
            _answer(checkin, question, value, raw, at(2025, 3, 11, 8, index), by="")
            for index, (checkin, question, value, raw) in enumerate(values)
        ])  # fmt: skip


@pytest.fixture
async def cohort(sessions: async_sessionmaker[AsyncSession], survey: Survey) -> ExportService:
    await seed(sessions)
    await seed_clock_edges(sessions)
    return ExportService(sessions, survey, FakeClock(NOW))


async def export_both(
    service: ExportService, folder: Path, options: ExportOptions
) -> list[tuple[bytes, bytes]]:
    await service.csv(folder / "database", options)
    await service.csv(folder / "python", dataclasses.replace(options, python_rows=True))
    return [
        ((folder / "database" / FILES[key]).read_bytes(),
         (folder / "python" / FILES[key]).read_bytes())
        for key in ("long", "wide")
    ]  # fmt: skip


@pytest.mark.parametrize(
    "options",
    [
        ExportOptions(),
        ExportOptions(shift_dates=True, salt=b"ward salt", bom=True),
        ExportOptions(shift_dates=True, salt=b"other salt"),
        ExportOptions(ExportFilter(since=dt.date(2025, 3, 12), patient_refs=("P-0001", "Z-0011"))),
    ],
    ids=["plain", "shifted-bom", "shifted-other-salt", "filtered"],
)
async def test_database_files_are_the_python_files(
    cohort: ExportService, tmp_path: Path, options: ExportOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def python_rows_refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("the database should have written these files")

    files = await export_both(cohort, tmp_path, options)
    monkeypatch.setattr(bot.export.service, "write_checkins", python_rows_refused)
    await cohort.csv(tmp_path / "again", options)  # the database's way, or this fails

    for written, reference in files:
        assert written.count(b"\r\n") > 3
        assert written == reference


async def test_values_no_button_stores_are_written_as_the_python_export_writes_them(
    sessions: async_sessionmaker[AsyncSession], survey: Survey, tmp_path: Path
) -> None:
    await seed(sessions)
    await seed_unusual_values(sessions)
    service = ExportService(sessions, survey, FakeClock(NOW))

    for written, reference in await export_both(service, tmp_path, ExportOptions()):
        assert written == reference
    long = (tmp_path / "database" / FILES["long"]).read_text(encoding="utf-8")
    assert "P-0003,day_1,early,1,2025-03-11T09:00:00+01:00,2025-03-11T09:00:00+01:00,1," \
           "leg_pain,2.5,points 0-10,,,patient," in long  # fmt: skip
    assert ",walking,10000000000000000,m,over_1000,far," in long
    assert ",red_flags,fever;3,,,," in long
    assert '"two\nlines, ""quoted"""' in long


def test_clock_steps_agree_with_the_localiser_around_every_change() -> None:
    deidentify = Deidentifier(b"salt", shift=True)
    book = ClockBook(deidentify)
    refs = [(f"P-{n:04}", ZONES[n % len(ZONES)]) for n in range(400)]
    for ref, zone in refs:
        book.clock_of(ref, zone)
    steps: dict[int, list[tuple[dt.datetime, int, str]]] = {}
    for clock, since, seconds, offset in book.intervals(at(2025, 1, 1), at(2026, 1, 1)):
        steps.setdefault(clock, []).append((since, seconds, offset))
    moments = [since for clock_steps in steps.values() for since, _, _ in clock_steps[1:]]
    rng = random.Random(7)
    checked = 0
    for ref, zone in refs:
        clock, _ = book.clock_of(ref, zone)
        local = deidentify.localiser(ref, zone)
        for moment in rng.sample(moments, 40):
            for delta in (-3601, -1, 0, 1, 1800, 3600):
                t = moment + dt.timedelta(seconds=delta, microseconds=999_999)
                since, seconds, offset = max(s for s in steps[clock] if s[0] <= t)
                written = (t.replace(tzinfo=None, microsecond=0)
                           + dt.timedelta(seconds=seconds)).isoformat() + offset  # fmt: skip
                assert written == local(t).isoformat(timespec="seconds"), (ref, zone, t)
                checked += 1
    assert checked == 400 * 40 * 6
