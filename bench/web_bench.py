"""Dashboard benchmark: server-side render time of the worklist and a patient page at scale.

Usage::

    python -m bench.web_bench                       # 100,000 patients on PostgreSQL
    python -m bench.web_bench --patients 10000 --output bench/web_results.md

A fresh PostgreSQL database (``--postgres-url`` or ``FOLLOWUP_TEST_POSTGRES_URL``) gets
``--patients`` enrolled patients with the default survey's plan (10 check-ins each, so
1,000,000 rows by default; the dispatcher benchmark's cohort), answers to leg pain, back
pain and walking for every answered check-in, and flags (a few hundred unresolved red and
amber, thousands resolved). Pages are requested in-process through the ASGI app (httpx's
ASGI transport, no socket) as a signed-in nurse, so the time is the queries, the worklist
logic and the template. The worklist's shared figures (the ward's percentiles, the watch
signals, the patients to call) are computed first, as the served dashboard does at start
and then in the background every ``dashboard.REFRESH``; that computation is timed on its
own. The median and the 95th percentile are over ``--repeat`` requests; the worklist is
also timed while a background refresh of the shared figures runs beside the requests.
Target: under 200 ms. Results are printed, and written to a file only with ``--output``.
Nothing here asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import statistics
import time
from pathlib import Path

import httpx
from sqlalchemy import text

from bench.dispatch_bench import _postgres_database, load_cohort
from bot.clock import FakeClock
from bot.nurse.service import NurseService
from bot.settings import Settings
from bot.web import build_web_context, create_web_app
from bot.web.dashboard import Dashboard
from storage.db import create_engine, session_factory, upgrade_async
from surveys.loader import load_default_survey

__all__ = ["main"]

NOW = dt.datetime(2026, 6, 1, 8, 30, tzinfo=dt.UTC)
PASSWORD = "bench password"

ANSWERS = """
INSERT INTO answer (checkin_id, question_id, raw, value, survey_version, answered_at,
                    answered_by)
SELECT c.id, q.question, NULL,
       CASE q.question
         WHEN 'walking' THEN json_build_object('category', (ARRAY['cannot_walk', 'under_50',
              'm50_100', 'm100_500', 'm500_1000', 'over_1000', 'no_limit'])[1 + (c.id * 7 + 3) % 7])
         ELSE to_json(GREATEST(0, LEAST(10, CASE WHEN c.day IS NULL THEN 7 ELSE 5 - c.day / 90 END
                                             + (c.id * 13) % 5 - 2)))
       END,
       '1', COALESCE(c.sent_at, c.due_at), 'patient'
FROM checkin c CROSS JOIN (VALUES ('leg_pain'), ('back_pain'), ('walking')) AS q(question)
WHERE c.status = 'completed'
"""
COMPLETED_AT = """
UPDATE checkin SET completed_at = COALESCE(sent_at, due_at) + interval '3 hours'
WHERE status = 'completed'
"""
FLAGS = """
INSERT INTO flag (patient_id, checkin_id, dedupe_key, rule_id, level, evidence, status,
                  raised_at, acknowledged_by, acknowledged_at, resolved_by, resolved_at)
SELECT e.patient_id, c.id, 'bench:' || c.id, 'amber_leg_pain_high',
       CASE WHEN c.id % 5 = 0 THEN 'red' ELSE 'amber' END,
       '{"why": {"en": "Leg pain 7 or more", "zh-Hans": "腿痛7分或以上"}}'::json,
       CASE WHEN c.id % 100 < 3 THEN 'open' WHEN c.id % 100 < 5 THEN 'acknowledged'
            ELSE 'resolved' END,
       COALESCE(c.sent_at, c.due_at),
       CASE WHEN c.id % 100 >= 3 THEN 'Nurse' END,
       CASE WHEN c.id % 100 >= 3 THEN COALESCE(c.sent_at, c.due_at) + interval '20 minutes' END,
       CASE WHEN c.id % 100 >= 5 THEN 'Nurse' END,
       CASE WHEN c.id % 100 >= 5 THEN COALESCE(c.sent_at, c.due_at) + interval '2 hours' END
FROM checkin c JOIN enrolment e ON e.id = c.enrolment_id
WHERE c.status = 'completed' AND c.id % 97 = 0
"""


class _NoTransport:
    async def send(self, chat_id: int, message: object) -> int:
        raise RuntimeError("not sent in the benchmark")

    async def edit(self, chat_id: int, edit: object) -> None:
        return None

    async def send_photo(
        self, chat_id: int, png: bytes, caption: str, keyboard: object = ()
    ) -> int:
        raise RuntimeError("not sent in the benchmark")


async def _signed_in(client: httpx.AsyncClient) -> None:
    form = (await client.get("/signin")).text
    token = form.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    response = await client.post(
        "/signin", data={"csrf": token, "name": "Bench", "password": PASSWORD, "next": "/"}
    )
    assert response.status_code == 303, response.status_code


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


async def _timed(client: httpx.AsyncClient, path: str, repeat: int) -> tuple[float, list[float]]:
    start = time.perf_counter()
    first = await client.get(path)
    assert first.status_code == 200, (path, first.status_code)
    cold = _ms(start)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = await client.get(path)
        times.append(_ms(start))
        assert response.status_code == 200
    return cold, times


async def _timed_during_refresh(
    client: httpx.AsyncClient, dashboard: Dashboard, clock: FakeClock, age: dt.timedelta
) -> tuple[float, list[float]]:
    """Worklist requests while the shared figures refresh beside them (the first request
    after they grew older than the refresh interval starts that refresh); ``age``: the
    refresh interval (the ward's quartiles are recomputed too at the hourly one)."""
    clock.advance(age)
    started = time.perf_counter()
    times = []
    while True:
        start = time.perf_counter()
        response = await client.get("/")
        times.append(_ms(start))
        assert response.status_code == 200
        if dashboard.shared.refreshing is None:
            break
    return _ms(started), times[:-1] or times


async def run(args: argparse.Namespace) -> list[tuple[str, str]]:
    database = await _postgres_database(args.postgres_url)
    if database is None:
        raise SystemExit("PostgreSQL is needed for this benchmark")
    url, drop = database
    rows: list[tuple[str, str]] = []
    try:
        await upgrade_async(url)
        engine = create_engine(url)
        survey = load_default_survey()
        started = time.perf_counter()
        total = await load_cohort(engine, survey, args.patients, NOW)
        async with engine.begin() as connection:
            await connection.execute(text(COMPLETED_AT))
            answers = (await connection.execute(text(ANSWERS))).rowcount
            flags = (await connection.execute(text(FLAGS))).rowcount
            await connection.execute(text("SELECT setval(pg_get_serial_sequence('flag', 'id'), "
                                          "(SELECT max(id) FROM flag))"))  # fmt: skip
        async with engine.connect() as connection:
            await connection.execute(text("ANALYZE"))
            await connection.commit()
        loaded = time.perf_counter() - started
        settings = Settings(_env_file=None, callback_secret="bench", web_secret="bench")
        clock = FakeClock(NOW)
        sessions = session_factory(engine)
        service = NurseService(sessions, survey, settings, clock, _NoTransport())  # type: ignore[arg-type]
        context = build_web_context(sessions, survey, settings, clock, service)
        await context.accounts.add("Bench", PASSWORD)
        transport = httpx.ASGITransport(app=create_web_app(context))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            await _signed_in(client)
            start = time.perf_counter()
            await context.dashboard.shared.refresh()  # what serving does at start
            shared = _ms(start)
            worklist_cold, worklist = await _timed(client, "/", args.repeat)
            page = (await client.get("/")).text
            count = page.split("<title>(", 1)[1].split(")", 1)[0]
            ref = f"B{args.patients // 2:07}"
            patient_cold, patient = await _timed(client, f"/patients/{ref}", args.repeat)
            dashboard = context.dashboard
            refresh, during = await _timed_during_refresh(
                client, dashboard, clock, dashboard.shared.ttl
            )
            hourly, during_hourly = await _timed_during_refresh(
                client, dashboard, clock, dashboard.ward_bands.ttl
            )
        await engine.dispose()
    finally:
        await drop()
    rows.append(("rows", f"{args.patients:,} patients, {total:,} check-ins, {answers:,} answers, "
                         f"{flags:,} flags (loaded in {loaded:.0f} s)"))  # fmt: skip
    rows.append(("worklist rows shown", count))
    rows.append(("shared figures computed (at start, then in the background)",
                 f"{shared:.0f} ms; refreshed beside requests in {refresh:.0f} ms "
                 f"(every 5 min), {hourly:.0f} ms (hourly, with the quartiles)"))  # fmt: skip
    timings = (
        ("worklist `/`", worklist, f"first request {worklist_cold:.1f} ms"),
        (f"patient page `/patients/{ref}`", patient, f"first request {patient_cold:.1f} ms"),
        ("worklist `/` during a 5-minute refresh", during, f"{len(during)} requests"),
        ("worklist `/` during the hourly refresh", during_hourly, f"{len(during_hourly)} requests"),
    )
    for label, times, note in timings:
        rows.append((label, f"median {statistics.median(times):.1f} ms, 95th percentile "
                            f"{_p95(times):.1f} ms ({note})"))  # fmt: skip
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    rows.append(("load average (1, 5, 15 min) at the end", load))
    return rows


def _p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0]


def render(rows: list[tuple[str, str]]) -> str:
    return "\n".join([
        "# Dashboard benchmark (PostgreSQL)",
        "",
        f"on {platform.python_implementation()} {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC. Target: < 200 ms server-side.",
        "",
        "| measure | value |",
        "|---|---|",
        *[f"| {measure} | {value} |" for measure, value in rows],
        "",
    ])  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.web_bench", description=__doc__)
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "FOLLOWUP_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--output", type=Path, default=None, help="also write the table here")
    args = parser.parse_args(argv)
    report = render(asyncio.run(run(args)))
    print(report)
    if args.output is not None:
        args.output.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
