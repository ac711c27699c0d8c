"""Dispatcher benchmark: Telegram throughput through the sandbox, and tick time at scale.

Usage::

    python -m bench.dispatch_bench                      # both parts, SQLite (+ PostgreSQL)
    python -m bench.dispatch_bench --count 500 --rate 30 25 --skip-tick
    python -m bench.dispatch_bench --patients 10000 --skip-throughput

1. Throughput: ``--count`` check-ins due at once are dispatched with the real Telegram
   transport (python-telegram-bot) into the loopback Bot API sandbox, which enforces 30
   messages/s overall and 1 per chat per second like Telegram, once per ``--rate``
   (``FOLLOWUP_SEND_RATE``; default 30, the cap). Reports messages/s as a share of the 30/s
   cap, 429s, duplicates and peak memory; the target at rate 30 is at least 95% of the cap
   with no 429 and no duplicate.
2. Tick time: ``--patients`` enrolled patients with the default survey's plan (10 check-ins
   each, so 1,000,000 rows by default) at realistic stages of their year, bulk-inserted with
   core inserts; then the time of dispatcher ticks with an instant transport, on SQLite and,
   if reachable, PostgreSQL (``--postgres-url`` or ``FOLLOWUP_TEST_POSTGRES_URL``).

The table is printed, and written to a file only with ``--output``/``--out`` (the tracked
``bench/results.md`` is updated on purpose: ``--out bench/results.md``). This is a
benchmark, not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import functools
import os
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import telegram
from sqlalchemy import event, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.zones import midday_zone
from bot.app import DISPATCH_CONNECTIONS
from bot.clock import FakeClock, SystemClock
from bot.sandbox import DEFAULT_TOKEN, BotApiSandbox, RateLimits
from bot.scheduling import Dispatcher, Pacer
from bot.services.conversation import ConversationService
from bot.services.replies import Edit, Keyboard, Outgoing
from bot.settings import Settings
from bot.telegram.plain_request import PlainRequest
from bot.telegram.transport import TelegramTransport
from storage.db import create_engine, session_factory, upgrade_async
from storage.models import Checkin, Enrolment, Patient
from surveys.loader import load_default_survey
from surveys.model import Survey
from surveys.schedule import PlannedCheckin, plan_checkins

__all__ = ["main"]

CAP = 30  # Telegram: about 30 messages per second per bot
PER_CHECKIN = 1  # an opening is one message: the intro joins the first question
ZONES = (
    "Europe/London", "Asia/Shanghai", "America/New_York", "Australia/Sydney", "Asia/Kolkata",
    "Europe/Berlin",
)  # fmt: skip
CHUNK = 5_000


@dataclass
class Row:
    part: str
    measure: str
    value: str


# ------------------------------------------------------------------------- throughput


async def throughput(count: int, rate: float, rows: list[Row]) -> None:
    """Dispatch ``count`` due check-ins through the sandbox with the Telegram transport,
    with the production dispatch policy, its own pool as in the bot (one connection) and
    ``rate`` as the send rate."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/throughput.db"
        await upgrade_async(url)
        engine = create_engine(url, pool_size=DISPATCH_CONNECTIONS, max_overflow=0)
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        await _insert_due(engine, count, now - dt.timedelta(minutes=1))
        connections = Counter[str]()
        event.listen(engine.sync_engine.pool, "connect", lambda *_: connections.update(["made"]))
        survey = load_default_survey()
        settings = Settings(_env_file=None, send_rate=rate, callback_secret="bench")
        sessions = session_factory(engine)
        conversation = ConversationService(sessions, survey, settings, SystemClock())
        limits = RateLimits(global_per_second=CAP, per_chat_per_second=1)
        async with BotApiSandbox(DEFAULT_TOKEN, rate_limits=limits) as sandbox:
            for n in range(1, count + 1):
                sandbox.create_private_chat(_chat(n), f"P{n}")
            request = PlainRequest(64)  # the bot's own request object
            bot = telegram.Bot(DEFAULT_TOKEN, base_url=sandbox.base_url,
                               base_file_url=sandbox.base_file_url, request=request)  # fmt: skip
            async with bot:
                dispatcher = Dispatcher(
                    sessions, survey, settings, SystemClock(), TelegramTransport(bot),
                    conversation, instance="bench",
                )  # fmt: skip
                tracemalloc.start()
                started = time.perf_counter()
                sent = runs = 0
                while sent < count:  # as the jobs would, one run after the other
                    counts = await dispatcher.dispatch_due()
                    runs += 1
                    sent += counts.sent
                    if not counts.claimed:
                        break
                elapsed = time.perf_counter() - started
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
            stats = sandbox.rate_stats
            per_chat = Counter(
                len(sandbox.transcript(_chat(n)).messages) for n in range(1, count + 1)
            )
        await engine.dispose()
    busy = [s.accepted for s in stats.timeline[1:-1]] or [stats.accepted]
    others = {k: v for k, v in per_chat.items() if k != PER_CHECKIN}
    duplicates = sum((k - PER_CHECKIN) * v for k, v in per_chat.items() if k > PER_CHECKIN)
    achieved = stats.accepted / elapsed
    part = f"throughput, rate {rate:g}"
    rows += [
        Row(part, "check-ins dispatched", f"{sent:,} of {count:,}"),
        Row(part, "messages accepted", f"{stats.accepted:,}"),
        Row(part, "wall time", f"{elapsed:.1f} s in {runs} dispatch runs"),
        Row(part, "send rate setting", f"{rate:g} msg/s"),
        Row(part, "achieved", f"{achieved:.2f} msg/s = {achieved / CAP:.1%} of {CAP}/s"),
        Row(part, "busiest second", f"{max(busy)} msg"),
        Row(part, "429s received", f"{stats.rejected}"),
        Row(part, f"chats with exactly {PER_CHECKIN} message", f"{per_chat.get(PER_CHECKIN, 0):,}"),
        Row(part, "chats with another count", f"{others or 'none'}"),
        Row(part, "duplicates", f"{duplicates}"),
        Row(part, "database connections made", f"{connections['made']}"),
        Row(part, "peak traced memory", f"{peak / 2**20:.1f} MiB"),
        Row(part, "max RSS", f"{_max_rss_mib():.0f} MiB"),
    ]  # fmt: skip


def _chat(n: int) -> int:
    return 10_000_000 + n


async def _insert_due(engine: AsyncEngine, count: int, due: dt.datetime) -> None:
    async with engine.begin() as connection:
        zone = midday_zone(due)  # quiet hours would hold every message back
        await connection.execute(insert(Patient), [_patient(n, due, zone, "active")
                                                   for n in range(1, count + 1)])  # fmt: skip
        await connection.execute(insert(Enrolment), [_enrolment(n, due.date(), due)
                                                     for n in range(1, count + 1)])  # fmt: skip
        await connection.execute(
            insert(Checkin),
            [
                {"id": n, "enrolment_id": n, "spec_id": "day_1", "form": "early", "day": 1,
                 "due_at": due, "closes_at": due + dt.timedelta(days=2), "reminder_times": [],
                 "status": "scheduled", "reminder_count": 0, "attempts": 0, "recalled": False}
                for n in range(1, count + 1)
            ],
        )  # fmt: skip


def _patient(
    n: int, at: dt.datetime, zone: str, status: str, linked: bool = True
) -> dict[str, Any]:
    return {
        "id": n, "ref": f"B{n:07}", "language": "en", "timezone": zone,
        "chat_id": _chat(n) if linked else None, "status": status,
        "consented_at": at if linked else None, "language_confirmed": linked,
        "created_at": at, "linked_at": at if linked else None,
    }  # fmt: skip


def _enrolment(n: int, surgery: dt.date, at: dt.datetime) -> dict[str, Any]:
    return {
        "id": n, "patient_id": n, "surgery_date": surgery, "procedure": "decompression",
        "survey_id": "lumbar_decompression", "survey_version": "1", "caregiver_helps": False,
        "status": "active", "enrolled_at": at,
    }  # fmt: skip


def _max_rss_mib() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2**20 if sys.platform == "darwin" else rss / 2**10


# ------------------------------------------------------------------------- tick time


class InstantTransport:
    """Accepts every message at once: the tick is timed, not Telegram."""

    def __init__(self) -> None:
        self.sent = 0

    async def send(self, chat_id: int, message: Outgoing) -> int:
        self.sent += 1
        return self.sent

    async def edit(self, chat_id: int, edit: Edit) -> None:
        return None

    async def send_photo(
        self, chat_id: int, png: bytes, caption: str, keyboard: Keyboard = ()
    ) -> int:
        return await self.send(chat_id, Outgoing(caption))


def cohort_rows(
    survey: Survey, patients: int, now: dt.datetime, seed: int = 1
) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]]:
    """Patients at every stage of their year, in chunks: (patients, enrolments, check-ins).

    93% active and linked, 3% not linked yet, 2% paused, 1% unreachable, 1% withdrawn.
    Closed check-ins are completed (75%) or missed; open ones sent, in progress or done.
    """
    chance = random.Random(seed)
    today = now.date()

    @functools.cache
    def plan(surgery: dt.date, zone: str) -> tuple[PlannedCheckin, ...]:
        enrolled = dt.datetime.combine(surgery - dt.timedelta(days=1), dt.time(10), dt.UTC)
        return plan_checkins(survey, surgery, enrolled, zone)

    checkin_id = 0
    for start in range(1, patients + 1, CHUNK):
        people, enrolments, checkins = [], [], []
        for n in range(start, min(start + CHUNK, patients + 1)):
            zone = ZONES[n % len(ZONES)]
            surgery = today - dt.timedelta(days=chance.randint(-10, 400))
            roll = chance.random()
            status, linked = (
                ("active", True) if roll < 0.93 else ("active", False) if roll < 0.96
                else ("paused", True) if roll < 0.98 else ("unreachable", True) if roll < 0.99
                else ("withdrawn", True)
            )  # fmt: skip
            enrolled_at = dt.datetime.combine(surgery - dt.timedelta(days=1), dt.time(10), dt.UTC)
            people.append(_patient(n, enrolled_at, zone, status, linked))
            enrolments.append(_enrolment(n, surgery, enrolled_at))
            reachable = linked and status == "active"
            for planned in plan(surgery, zone):
                checkin_id += 1
                checkins.append(_checkin(checkin_id, n, planned, now, reachable, chance))
        yield people, enrolments, checkins


def _checkin(
    checkin_id: int,
    enrolment_id: int,
    planned: PlannedCheckin,
    now: dt.datetime,
    reachable: bool,
    chance: random.Random,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": checkin_id, "enrolment_id": enrolment_id, "spec_id": planned.spec_id,
        "form": planned.form, "day": planned.day, "due_at": planned.due_at,
        "closes_at": planned.closes_at,
        "reminder_times": [t.isoformat() for t in planned.reminder_times],
        "status": "scheduled", "reminder_count": 0, "attempts": 0, "recalled": False,
        "next_reminder_at": None, "sent_at": None, "escalate_at": None, "last_error": None,
    }  # fmt: skip
    if planned.closes_at <= now:
        done = chance.random() < 0.75
        row.update(status="completed" if done else "missed", sent_at=planned.due_at)
    elif planned.due_at <= now and reachable:
        reminded = [t for t in planned.reminder_times if t <= now]
        roll = chance.random()
        row.update(
            status="sent" if roll < 0.6 else "in_progress" if roll < 0.75 else "completed",
            sent_at=planned.due_at, reminder_count=len(reminded),
            next_reminder_at=None if roll >= 0.75 else next(
                (t for t in planned.reminder_times if t > now), None),
        )  # fmt: skip
    return row


async def load_cohort(engine: AsyncEngine, survey: Survey, patients: int, now: dt.datetime) -> int:
    total = 0
    for people, enrolments, checkins in cohort_rows(survey, patients, now):
        async with engine.begin() as connection:
            await connection.execute(insert(Patient), people)
            await connection.execute(insert(Enrolment), enrolments)
            await connection.execute(insert(Checkin), checkins)
        total += len(checkins)
    async with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            for table in ("patient", "enrolment", "checkin"):
                await connection.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                ))  # fmt: skip
    async with engine.connect() as connection:  # statistics, as autovacuum or `optimize` keep
        await connection.execute(text("ANALYZE"))
        await connection.commit()
    return total


async def tick_time(label: str, url: str, patients: int, ticks: int, rows: list[Row]) -> None:
    survey = load_default_survey()
    settings = Settings(_env_file=None, callback_secret="bench")
    now = dt.datetime(2026, 6, 1, 6, 30, tzinfo=dt.UTC)
    await upgrade_async(url)
    engine = create_engine(url)
    try:
        started = time.perf_counter()
        total = await load_cohort(engine, survey, patients, now)
        loaded = time.perf_counter() - started
        clock = FakeClock(now)
        sessions = session_factory(engine)
        dispatcher = Dispatcher(
            sessions, survey, settings, clock, InstantTransport(),
            ConversationService(sessions, survey, settings, clock), instance="bench",
            pacer=Pacer.unlimited(),
        )  # fmt: skip
        busy = await _timed_tick(dispatcher)  # catch-up: whatever the generated state left due
        steady = [await _timed_tick(dispatcher) for _ in range(ticks)]
        clock.advance(dt.timedelta(hours=3))  # 09:30 in London: the morning's check-ins
        morning: list[dict[str, Any]] = []
        while len(morning) < 20:
            morning.append(await _timed_tick(dispatcher, with_counts=True))
            if morning[-1]["what"] == "nothing to do":
                break
        after = [await _timed_tick(dispatcher) for _ in range(ticks)]
    finally:
        await engine.dispose()
    jobs = ("close_windows", "flag_missed", "dispatch_due", "send_reminders")
    rows.append(Row(label, "rows", f"{patients:,} patients, {total:,} check-ins "
                                  f"(loaded in {loaded:.0f} s)"))  # fmt: skip
    rows.append(Row(label, "first tick after load", f"{busy['tick']:.1f} ms"))
    rows.append(Row(label, f"steady tick (median of {ticks})",
                    _ms(statistics.median(t["tick"] for t in steady + after))
                    + " — " + ", ".join(f"{j} {_ms(statistics.median(t[j] for t in steady))}"
                                        for j in jobs)))  # fmt: skip
    rows.append(Row(label, "steady tick (max)", _ms(max(t["tick"] for t in steady + after))))
    work = "; ".join(t["what"] for t in morning if t["what"] != "nothing to do")
    spent = _ms(sum(t["tick"] for t in morning))
    rows.append(Row(label, "3 h later: ticks until idle (sends included, instant transport)",
                    f"{len(morning)} ticks, {spent} — {work}"))  # fmt: skip


def _ms(value: float) -> str:
    return f"{value:.1f} ms"


async def _timed_tick(dispatcher: Dispatcher, with_counts: bool = False) -> dict[str, Any]:
    timing: dict[str, Any] = {}
    what = []
    jobs: dict[str, Callable[[], Awaitable[Any]]] = {
        "close_windows": dispatcher.close_windows, "flag_missed": dispatcher.flag_missed,
        "dispatch_due": dispatcher.dispatch_due, "send_reminders": dispatcher.send_reminders,
    }  # fmt: skip
    for name, job in jobs.items():
        started = time.perf_counter()
        counts = await job()
        timing[name] = (time.perf_counter() - started) * 1000
        if with_counts and counts.busy():
            what.append(f"{name}: {counts}")
    timing["tick"] = sum(timing[name] for name in jobs)
    timing["what"] = "; ".join(what) or "nothing to do"
    return timing


async def _postgres_database(admin_url: str) -> tuple[str, Callable[[], Awaitable[None]]] | None:
    """A fresh database next to ``admin_url``, and how to drop it; None if unreachable."""
    name = f"followup_bench_{uuid.uuid4().hex[:8]}"
    dsn = make_url(admin_url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        connection = await asyncpg.connect(dsn, timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"PostgreSQL not reachable ({exc}); skipping it", file=sys.stderr)
        return None
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()

    async def drop() -> None:
        connection = await asyncpg.connect(dsn)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()

    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), drop


# ------------------------------------------------------------------------- report


def render(rows: list[Row]) -> str:
    lines = [
        "# Dispatcher benchmark",
        "",
        f"`python -m bench.dispatch_bench {' '.join(sys.argv[1:])}`".replace(" `", "`"),
        f"on {platform.python_implementation()} {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        "| part | measure | value |",
        "|---|---|---|",
        *[f"| {r.part} | {r.measure} | {r.value} |" for r in rows],
        "",
        "Throughput: the sandbox enforces Telegram's limits (30 messages/s, 1 per chat per "
        "second); each check-in's opening is one message (its intro and first question), so "
        "a second message in a chat is a duplicate. Each dispatch run stops claiming at its "
        "time budget (80% of the 30 s tick) and the next starts at once. Target at rate 30: at "
        "least 95% of the cap, no 429, no duplicate. Tick: the four jobs run one after the "
        "other with an instant transport, so the time is the database's and the "
        "dispatcher's, not Telegram's; "
        "target < 50 ms for a steady tick.",
        "",
    ]
    return "\n".join(lines)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.dispatch_bench",
        description="Dispatcher benchmark: throughput through the Bot API sandbox and tick "
        "time with a large cohort (SQLite, and PostgreSQL if reachable).",
    )
    parser.add_argument(
        "--count",
        type=int,
        default=2_000,
        help="check-ins dispatched through the sandbox (default 2000)",
    )
    parser.add_argument(
        "--rate",
        type=float,
        nargs="+",
        default=[30.0],
        help="FOLLOWUP_SEND_RATE for the throughput part, one run per value (default 30)",
    )
    parser.add_argument(
        "--patients",
        type=int,
        default=100_000,
        help="enrolled patients for the tick timing, 10 check-ins each (default 100000)",
    )
    parser.add_argument("--ticks", type=int, default=20, help="steady ticks timed (default 20)")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "FOLLOWUP_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
        ),
        help="an existing PostgreSQL database to create the benchmark database next to",
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-tick", action="store_true")
    parser.add_argument(
        "--output",
        "--out",
        type=Path,
        default=None,
        help="also write the table here (bench/results.md is the tracked record: only on purpose)",
    )
    return parser.parse_args(argv)  # fmt: skip


async def run(args: argparse.Namespace) -> list[Row]:
    rows: list[Row] = []
    if not args.skip_throughput:
        for rate in args.rate:
            await throughput(args.count, rate, rows)
    if not args.skip_tick:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite+aiosqlite:///{folder}/tick.db"
            await tick_time("tick, SQLite", url, args.patients, args.ticks, rows)
        if not args.no_postgres:
            database = await _postgres_database(args.postgres_url)
            if database is not None:
                url, drop = database
                try:
                    await tick_time("tick, PostgreSQL", url, args.patients, args.ticks, rows)
                finally:
                    await drop()
    return rows


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    rows = asyncio.run(run(args))
    report = render(rows)
    print(report)
    if args.output is not None:
        args.output.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
