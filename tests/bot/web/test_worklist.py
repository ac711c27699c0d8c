"""The worklist's order and words, from flags, patients to call and pain trends."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest

from bot.clock import FakeClock
from bot.nurse.access import Nurse
from bot.nurse.service import NurseService
from bot.services.replies import Edit, Keyboard, Outgoing
from bot.settings import load_settings
from bot.web.dashboard import Dashboard
from bot.web.i18n import translator
from storage.db import create_engine, session_factory
from storage.patients import patient_by_ref, update_patient
from surveys.loader import load_default_survey
from tests.bot.nurse.nurse_world import START, NurseWorld


class _Quiet:
    async def send(self, chat_id: int, message: Outgoing) -> int:
        return 1

    async def edit(self, chat_id: int, edit: Edit) -> None:
        return None

    async def send_photo(
        self, chat_id: int, png: bytes, caption: str, keyboard: Keyboard = ()
    ) -> int:
        return 1


@pytest.fixture
async def world(db_url: str) -> AsyncIterator[NurseWorld]:
    engine = create_engine(db_url)
    settings = load_settings(_env_file=None, database_url=db_url, default_timezone="Europe/London")
    try:
        yield NurseWorld(session_factory(engine), load_default_survey(), settings, FakeClock(START))
    finally:
        await engine.dispose()


async def test_rows_come_red_open_red_acknowledged_amber_call_then_watch(
    world: NurseWorld,
) -> None:
    await world.enrol("P-NEW", surgery_date=START.date())  # never opens the invite
    for n, ref in enumerate(("P-ACK", "P-RED", "P-AMBER", "P-GONE", "P-WATCH"), start=1):
        await world.enrol(ref, surgery_date=START.date())
        await world.link(ref, 9000 + n)
    world.clock.advance(dt.timedelta(days=3))
    ack = await world.raise_flags({"red_flags": ["fever"]}, ref="P-ACK")
    world.clock.advance(dt.timedelta(minutes=10))
    await world.raise_flags({"red_flags": ["leg_weakness"]}, ref="P-RED")
    await world.raise_flags({"leg_pain": 8}, ref="P-AMBER")
    for day, pain in ((1, 2), (3, 3), (7, 4)):
        await world.raise_flags({"leg_pain": pain, "back_pain": 1}, ref="P-WATCH", day=day)
    async with world.sessions.begin() as session:
        gone = await patient_by_ref(session, "P-GONE")
        assert gone is not None
        await update_patient(session, gone.id, status="unreachable")
    service = NurseService(world.sessions, world.survey, world.settings, world.clock, _Quiet())
    await service.flags.acknowledge(ack[0].id, Nurse("Mei Lin", via="web"))
    world.clock.advance(dt.timedelta(minutes=5))

    dashboard = Dashboard(world.sessions, world.survey, world.clock)
    rows, count = await dashboard.worklist(translator("en"), "en")

    assert count == 6
    assert [(r.ref, r.category, [s.text for s in r.signals], r.day, r.last_answer)
            for r in rows] == [
        ("P-RED", "red_open",
         ["Red flag: new weakness in a leg or foot, foot drop or falls "
          "(raised 5 min ago, not escalated yet)"], 3, "5 min ago"),
        ("P-ACK", "red_ack",
         ["Red flag: fever of 38 °C or more, or chills (acknowledged by Mei Lin)"], 3,
         "15 min ago"),
        ("P-AMBER", "amber", ["Leg pain 7 or more"], 3, "5 min ago"),
        ("P-GONE", "call", ["cannot be reached"], 3, "never"),
        ("P-NEW", "call", ["invite never opened"], 3, "never"),
        ("P-WATCH", "watch", ["Leg pain rising over the last two check-ins (2 → 3 → 4)"], 3,
         "5 min ago"),
    ]  # fmt: skip


async def test_the_worklist_speaks_chinese_to_a_chinese_speaking_nurse(world: NurseWorld) -> None:
    await world.enrol("P-RED", surgery_date=START.date())
    await world.link("P-RED", 9001)
    await world.raise_flags({"red_flags": ["fever"]}, ref="P-RED")
    rows, _ = await Dashboard(world.sessions, world.survey, world.clock).worklist(
        translator("zh"), "zh"
    )
    assert [s.text for s in rows[0].signals] == [
        "红色警报：发烧38 °C或以上，或寒战（0 分钟前发出，尚未升级）"
    ]


async def test_slow_figures_are_served_as_they_were_and_refreshed_beside_the_request(
    world: NurseWorld,
) -> None:
    await world.enrol("P-EARLY", surgery_date=START.date())
    world.clock.advance(dt.timedelta(days=3))
    dashboard = Dashboard(world.sessions, world.survey, world.clock)
    first = world.clock.now()
    rows, count, as_of = await dashboard.worklist_as_of(translator("en"), "en")
    assert ([r.ref for r in rows], count, as_of.reasons, as_of.bands) == (
        ["P-EARLY"],
        1,
        first,
        first,
    )

    await world.enrol("P-LATE", surgery_date=world.clock.now().date())
    world.clock.advance(dt.timedelta(days=3))
    rows, count, as_of = await dashboard.worklist_as_of(translator("en"), "en")
    assert ([r.ref for r in rows], count, as_of.reasons) == (["P-EARLY"], 1, first)  # no wait

    await dashboard.shared.settled()  # the refresh the request started beside it
    rows, count, as_of = await dashboard.worklist_as_of(translator("en"), "en")
    assert ([r.ref for r in rows], count) == (["P-EARLY", "P-LATE"], 2)
    assert as_of.reasons == as_of.bands == world.clock.now()  # the hourly bands were 3 days old
    assert [s.text for s in rows[1].signals] == ["invite never opened"]
