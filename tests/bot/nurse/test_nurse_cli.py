"""``followup flags``, ``flag ack|resolve``, ``checkin now`` and ``report``, in-process."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest
from click.testing import CliRunner, Result
from pydantic import SecretStr
from telegram import Bot

from bot.cli import root
from bot.cli.root import CliApp
from bot.clock import FakeClock
from bot.nurse.service import NurseService
from bot.sandbox import DEFAULT_TOKEN, BotApiSandbox
from bot.settings import Settings, load_settings
from bot.telegram.transport import TelegramTransport
from storage.db import create_engine, session_factory
from storage.flags import set_flag
from surveys.loader import load_default_survey
from tests.bot.nurse.nurse_world import START, NurseWorld

T = TypeVar("T")


@pytest.fixture
def settings(db_url: str) -> Settings:
    return load_settings(
        _env_file=None, database_url=db_url, default_timezone="Europe/London", nurse_chat_id=-100
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def world(settings: Settings, clock: FakeClock) -> Iterator[Callable[..., Any]]:
    """Run ``action(world)`` on the test database in its own event loop."""

    def call(action: Callable[[NurseWorld], Awaitable[T]]) -> T:
        return asyncio.run(_in_world(settings, clock, action))

    yield call


async def _in_world(
    settings: Settings, clock: FakeClock, action: Callable[[NurseWorld], Awaitable[T]]
) -> T:
    engine = create_engine(settings.database_url)
    try:
        return await action(
            NurseWorld(session_factory(engine), load_default_survey(), settings, clock)
        )
    finally:
        await engine.dispose()


def invoke(settings: Settings, clock: FakeClock, *args: str) -> Result:
    return CliRunner().invoke(root, list(args), obj=CliApp(settings, clock), catch_exceptions=False)


async def _three_flags(w: NurseWorld) -> None:
    await w.raise_flags({"red_flags": ["fever"]})
    w.clock.advance(dt.timedelta(minutes=20))
    await w.raise_flags({"leg_pain": 8}, ref="P-002")
    async with w.sessions.begin() as session:  # the red flag was carded in the group
        await set_flag(session, 1, notified_at=w.clock.now(), card_chat_id=-100,
                       card_message_id=7)  # fmt: skip


def test_flags_lists_unresolved_flags_as_a_table_or_json(
    settings: Settings, clock: FakeClock, world: Callable[..., Any]
) -> None:
    world(_three_flags)
    listed = invoke(settings, clock, "flags")
    assert (listed.exit_code, listed.stdout) == (0, (
        "id  level  status  patient  day  raised            why\n"
        "1   red    open    P-001    1    2026-03-02 09:00  "
        "Red flag: fever of 38 °C or more, or chills\n"
        "2   amber  open    P-002    1    2026-03-02 09:20  Leg pain 7 or more\n"
    ))  # fmt: skip
    as_json = json.loads(invoke(settings, clock, "flags", "--json").stdout)
    assert [(f["id"], f["level"], f["patient"], f["rule"], f["day_post_op"]) for f in as_json] == [
        (1, "red", "P-001", "red_fever", 1), (2, "amber", "P-002", "amber_leg_pain_high", 1),
    ]  # fmt: skip
    assert as_json[0]["raised_at"] == "2026-03-02T09:00:00+00:00"
    assert invoke(settings, clock, "flags", "--status", "resolved").stdout == (
        "No resolved flags.\n"
    )


def test_ack_and_resolve_from_the_cli_are_audited(
    settings: Settings, clock: FakeClock, world: Callable[..., Any]
) -> None:
    world(_three_flags)
    clock.advance(dt.timedelta(minutes=5))
    acked = invoke(settings, clock, "flag", "ack", "1", "--by", "Anna Lee")
    assert (acked.exit_code, acked.stdout) == (0, (
        "Acknowledged flag #1.\n"
        "The card in the nurse group was not updated (FOLLOWUP_BOT_TOKEN is not set).\n"
    ))  # fmt: skip
    again = invoke(settings, clock, "flag", "ack", "1", "--by", "Li Wei")
    assert (again.exit_code, again.stdout, again.stderr) == (
        1, "", "Error: Flag #1 was already acknowledged by Anna Lee.\n",
    )  # fmt: skip
    resolved = invoke(settings, clock, "flag", "resolve", "2", "--by", "Li Wei",
                      "--outcome", "clinic", "--note", "Seen  by Dr Chen on Friday")  # fmt: skip
    assert (resolved.exit_code, resolved.stdout) == (0, "Resolved flag #2.\n")

    async def check(w: NurseWorld) -> None:
        first, second = await w.flag(1), await w.flag(2)
        assert (first.status, first.acknowledged_by, first.acknowledged_at) == (
            "acknowledged", "Anna Lee", START + dt.timedelta(minutes=25),
        )  # fmt: skip
        assert (second.status, second.resolved_by, second.resolution_note) == (
            "resolved", "Li Wei", "Booked clinic review — Seen by Dr Chen on Friday",
        )  # fmt: skip
        events = [(e.actor, e.action, e.entity_id, e.detail) for e in await w.audit()
                  if e.actor.startswith("cli:")]  # fmt: skip
        assert events == [
            ("cli:Anna Lee", "flag.acknowledged", "1", {"level": "red", "patient": "P-001",
             "rule": "red_fever", "via": "cli"}),
            ("cli:Li Wei", "flag.resolved", "2", {"level": "amber", "patient": "P-002",
             "rule": "amber_leg_pain_high", "via": "cli", "outcome": "clinic", "note": True}),
        ]  # fmt: skip

    world(check)
    listed = invoke(settings, clock, "flags", "--status", "all", "--json")
    assert [f["status"] for f in json.loads(listed.stdout)] == ["acknowledged", "resolved"]


@pytest.mark.parametrize(
    ("args", "exit_code", "message"),
    [
        (("flag", "ack", "99", "--by", "Anna"), 2, "There is no flag #99."),
        (("flag", "resolve", "1", "--by", "Anna"), 2, "give --outcome or --note (or both)"),
        (("flag", "resolve", "1", "--by", "Anna", "--note", "  "), 2,
         "give --outcome or --note (or both)"),
        (("flag", "resolve", "1", "--by", "Anna", "--note", "x" * 501), 2,
         "The note is too long (at most 500 characters)."),
        (("flag", "resolve", "1", "--by", "Anna", "--outcome", "home"), 2,
         "Invalid value for '--outcome': 'home' is not one of 'fine', 'ed', 'clinic'."),
        (("flag", "ack", "1"), 2, "Missing option '--by'."),
    ],
)  # fmt: skip
def test_bad_flag_commands_are_one_line_errors(
    settings: Settings, clock: FakeClock, world: Callable[..., Any],
    args: tuple[str, ...], exit_code: int, message: str,
) -> None:  # fmt: skip
    world(_three_flags)
    result = invoke(settings, clock, *args)
    assert (result.exit_code, result.stdout, result.stderr) == (
        exit_code,
        "",
        f"Error: {message}\n",
    )

    async def untouched(w: NurseWorld) -> None:
        assert (await w.flag(1)).status == "open"
        assert [e.action for e in await w.audit() if e.action.startswith("flag.")] == [
            "flag.raised", "flag.raised",
        ]  # fmt: skip

    world(untouched)


def test_checkin_now(settings: Settings, clock: FakeClock, world: Callable[..., Any]) -> None:
    async def enrol(w: NurseWorld) -> None:
        await w.enrol("P-001", surgery_date=dt.date(2026, 3, 1))
        await w.link("P-001", 5001)

    world(enrol)
    unknown = invoke(settings, clock, "checkin", "now", "--ref", "P-404")
    assert (unknown.exit_code, unknown.stderr) == (
        1, "Error: No enrolled patient with reference 'P-404'.\n",
    )  # fmt: skip
    sent = invoke(settings, clock, "checkin", "now", "--ref", "P-001")
    assert (sent.exit_code, sent.stdout) == (0, (
        "The before surgery check-in goes to P-001 now (unless it is night-time for the patient).\n"
    ))  # fmt: skip

    async def audited(w: NurseWorld) -> None:
        [event] = await w.audit("checkin.sent_now")
        assert (event.actor, event.detail["patient"], event.detail["spec"]) == (
            "cli", "P-001", "baseline",
        )  # fmt: skip

    world(audited)


def test_patient_pause_and_resume(
    settings: Settings, clock: FakeClock, world: Callable[..., Any]
) -> None:
    async def enrol(w: NurseWorld) -> None:
        await w.enrol("P-001", surgery_date=dt.date(2026, 3, 1))

    world(enrol)
    paused = invoke(settings, clock, "patient", "pause", "P-001", "--by", "Anna Lee")
    twice = invoke(settings, clock, "patient", "resume", "P-001")
    assert (paused.exit_code, paused.stdout) == (
        0, "P-001's check-ins are paused: no check-ins and no reminders until resumed.\n",
    )  # fmt: skip
    assert twice.exit_code == 0
    again = invoke(settings, clock, "patient", "resume", "P-001")
    assert (again.exit_code, again.stderr) == (1, "Error: P-001's check-ins are not paused.\n")

    async def audited(w: NurseWorld) -> None:
        events = [*await w.audit("patient.paused"), *await w.audit("patient.resumed")]
        assert [(e.actor, e.action) for e in events] == [
            ("cli:Anna Lee", "patient.paused"), ("cli", "patient.resumed"),
        ]  # fmt: skip

    world(audited)


def test_report_as_text_and_json(
    settings: Settings, clock: FakeClock, world: Callable[..., Any]
) -> None:
    async def cohort(w: NurseWorld) -> None:
        await w.raise_flags({"leg_pain": 8, "walking": {"metres": None, "category": "under_50"}},
                            day=None)  # fmt: skip
        await w.raise_flags({"leg_pain": 5, "walking": {"metres": None, "category": "m50_100"}})
        await w.raise_flags({"leg_pain": 6}, ref="P-002", day=None)
        await w.raise_flags({"leg_pain": 6, "back_pain": 2}, ref="P-002")

    world(cohort)
    text = invoke(settings, clock, "report").stdout
    lines = text.splitlines()
    assert lines[:5] == [
        "Cohort: 2 patients",
        "",
        "Time point       Answered  Rate   Leg  Back  Walking          MIC leg",
        "Before surgery        2/2  100%     7     –  Less than 50 m         –",
        "Day 1                 2/2  100%   5.5     2  50–100 m             1/2",
    ]
    assert "Open flags: red 0 · amber 0 · info 0" in lines
    assert lines[-9:] == [
        "Patient P-001 (invite not opened)",
        "  Before surgery: leg 8 · walking Less than 50 m",
        "  Day 1: leg 5 (−3) · walking 50–100 m",
        "  Leg pain now 5 (day 1, today; before surgery 8, −3): minimal important change "
        "reached (2 points or 30%).",
        "",
        "Patient P-002 (invite not opened)",
        "  Before surgery: leg 6",
        "  Day 1: leg 6 (±0) · back 2",
        "  Leg pain now 6 (day 1, today; before surgery 6, ±0): minimal important change "
        "not reached (2 points or 30%).",
    ]
    data = json.loads(invoke(settings, clock, "report", "--json").stdout)
    assert data["patients"] == 2
    day_1 = next(p for p in data["time_points"] if p["time_point"] == "day_1")
    assert (day_1["response_rate"], day_1["median_leg_pain"], day_1["leg_pain_mic_reached"],
            day_1["leg_pain_mic_assessed"]) == (1.0, 5.5, 1, 2)  # fmt: skip
    first = data["per_patient"][0]
    assert first["state"] == "invite not opened"
    assert first["baseline"]["leg_pain"] == 8
    assert first["points"][0] == {
        "time_point": "day_1", "day": 1, "status": "completed", "answered_by": "patient",
        "leg_pain": 5, "back_pain": None, "numbness": None, "walking": "m50_100", "pgic": None,
        "leg_pain_change": -3, "back_pain_change": None, "walking_change": 1,
        "leg_pain_mic_reached": True, "back_pain_mic_reached": None,
        "outcome": "answered", "answered_at": "2026-03-02T09:00:00+00:00",
    }  # fmt: skip


@pytest.fixture
def sandbox_in_a_thread() -> Iterator[BotApiSandbox]:
    """The Bot API sandbox serving from its own event loop, for commands that run their own."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    sandbox = BotApiSandbox(token=DEFAULT_TOKEN)
    asyncio.run_coroutine_threadsafe(sandbox.start(), loop).result(10)
    try:
        yield sandbox
    finally:
        asyncio.run_coroutine_threadsafe(sandbox.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def test_ack_from_the_cli_edits_the_card_in_the_nurse_group(
    settings: Settings, clock: FakeClock, db_url: str, sandbox_in_a_thread: BotApiSandbox
) -> None:
    sandbox = sandbox_in_a_thread
    sandbox.add_user(101, "Anna")
    sandbox.create_group(-100, "Spine ward nurses", {101: "member"})
    with_bot = settings.model_copy(
        update={"bot_token": SecretStr(DEFAULT_TOKEN), "telegram_api_url": sandbox.base_url}
    )

    async def card(w: NurseWorld) -> None:
        await w.raise_flags({"red_flags": ["fever"]})
        async with Bot(DEFAULT_TOKEN, base_url=sandbox.base_url) as bot:
            service = NurseService(
                w.sessions, w.survey, w.settings, w.clock, TelegramTransport(bot)
            )
            assert await service.notify_pending() == 1

    asyncio.run(_in_world(with_bot, clock, card))
    clock.advance(dt.timedelta(minutes=3))
    result = invoke(with_bot, clock, "flag", "ack", "1", "--by", "Anna Lee")
    assert (result.exit_code, result.stdout) == (0, "Acknowledged flag #1.\n")
    shown = sandbox.transcript(-100).last
    assert shown.text is not None
    assert shown.text.endswith("Raised 02 Mar 09:00\n✅ Acknowledged by Anna Lee, 02 Mar 09:03")
    assert shown.button_labels == ("Resolve",)


def test_an_unreachable_bot_api_leaves_the_card_and_says_so(
    settings: Settings, clock: FakeClock, world: Callable[..., Any]
) -> None:
    world(_three_flags)
    offline = settings.model_copy(update={
        "bot_token": SecretStr(DEFAULT_TOKEN), "telegram_api_url": "http://127.0.0.1:9/bot",
    })  # fmt: skip
    result = invoke(offline, clock, "flag", "ack", "1", "--by", "Anna Lee")
    assert result.exit_code == 0
    assert result.stderr.startswith("Telegram unreachable (")
    assert result.stdout == (
        "Acknowledged flag #1.\nThe card in the nurse group was not updated (see the log).\n"
    )


async def _recovered_leg_pain(w: NurseWorld) -> None:
    await w.raise_flags({"leg_pain": 8}, day=1)
    await w.raise_flags({"leg_pain": 2}, day=28)


def test_flag_resolve_recovered_resolves_flags_whose_answer_recovered(
    settings: Settings, clock: FakeClock, world: Callable[..., Any]
) -> None:
    world(_recovered_leg_pain)
    result = invoke(settings, clock, "flag", "resolve-recovered", "--by", "Li Wei")
    assert (result.exit_code, result.stdout) == (
        0, "Resolved 1 flag whose answer has recovered.\n",
    )  # fmt: skip

    async def check(w: NurseWorld) -> None:
        flag = await w.flag(1)
        assert (flag.status, flag.resolved_by, flag.resolution_note) == (
            "resolved", "Li Wei", "Answer has recovered: Leg pain 2 since day 28",
        )  # fmt: skip

    world(check)
    again = invoke(settings, clock, "flag", "resolve-recovered", "--by", "Li Wei")
    assert (again.exit_code, again.stderr) == (2, "Error: No flag has a recovered answer.\n")


async def _a_note(w: NurseWorld) -> None:
    await w.raise_flags({"note": "The dressing is wet\nwith yellow fluid"})


def test_flags_shows_the_patients_note(
    settings: Settings, clock: FakeClock, world: Callable[..., Any]
) -> None:
    world(_a_note)
    listed = invoke(settings, clock, "flags")
    assert listed.stdout.splitlines()[1].endswith(
        "Note for the nurse: “The dressing is wet with yellow fluid”"
    )
