"""Tap benchmark: scripted patients answering through the real bot, beside a bare bot.

Usage::

    python -m bench.tap_bench                         # 300 patients, both bots, limiter on/off
    python -m bench.tap_bench --patients 100 --offered 20 --out bench/tap_results.md

The loopback Bot API sandbox (``bot/sandbox/``) runs in this process and plays the
patients; each bot runs in its own process (so its CPU time and memory are its own) and
talks to the sandbox over HTTP with python-telegram-bot, as in production. Two bots, in the
same run and against the same sandbox:

* **followup**: the real bot (``bot.app.build_bot``) on a fresh SQLite database, with the
  production limiter (``FOLLOWUP_SEND_RATE=30``) or none; each patient is enrolled, opens
  the invite, consents, picks English and then answers the baseline check-in (six taps:
  two scales, yes/no, a multi-choice tick, Done, walking distance).
* **bare**: a python-telegram-bot 22 bot that makes the calls a tap needs and nothing else
  (answer the callback, edit the message, send the next question), six scale questions,
  with python-telegram-bot's ``AIORateLimiter(overall_max_rate=30)`` or none.

With the limiter the sandbox enforces Telegram's limits (30 messages/s, 1 per chat per
second, counting sends); without it the sandbox does not limit. A tap's latency runs from
the press to the moment the next question (or the final thanks) is shown, new or edited.
Onboarding is not measured; the bot's CPU time is counted from the first measured tap.

``--offered R`` gates the patients' taps to R per second overall (patients tap as soon as
they see a question and the gate lets them); without it they tap as fast as the bot answers
(sustained taps/s). Printed as a table; written to ``--out`` only when given. This is a
benchmark, not a test: nothing here asserts. Targets are in the README.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bench.zones import midday_zone

if TYPE_CHECKING:  # the bots' processes never load the sandbox (their memory is measured)
    from bot.sandbox import BotApiSandbox, SentMessage

__all__ = ["main"]

CAP = 30
TOKEN = "1000001:sandbox-token"  # the sandbox's default token
SECRET = "tap-bench"
NURSES, NURSE = -100, 9001
FIRST_CHAT = 20_000_000
TAPS_FOLLOWUP = (
    ("8", "2/"),
    ("6", "3/"),
    ("Yes", "4/"),
    ("▫️ Left leg", "✅ Left leg"),
    ("Done ✔", "5/"),
    ("50–100 m", "Thank you"),
)
BARE_QUESTIONS = 6
TAPS_BARE = tuple(
    ("8", f"{n + 1}/{BARE_QUESTIONS}" if n < BARE_QUESTIONS else "Thank you")
    for n in range(1, BARE_QUESTIONS + 1)
)


@dataclass
class Result:
    bot: str
    limiter: bool
    patients: int
    offered: float | None
    taps: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    cpu_ms_per_tap: float = 0.0
    rss_mib: float = 0.0
    sends: int = 0
    rejected: int = 0
    failures: int = 0

    @property
    def taps_per_second(self) -> float:
        return self.taps / self.seconds if self.seconds else 0.0

    def percentile(self, q: int) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else float("nan")
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[q - 1]


# ------------------------------------------------------------------------- the patients


class Inbox:
    """Each chat's bot messages and edits, as the sandbox records them."""

    def __init__(self, sandbox: BotApiSandbox) -> None:
        self._queues: dict[int, asyncio.Queue[SentMessage]] = {}
        sandbox.listen(self._record)

    def _record(self, message: SentMessage) -> None:
        queue = self._queues.get(message.chat_id)
        if queue is not None:
            queue.put_nowait(message)

    def open(self, chat_id: int) -> None:
        self._queues[chat_id] = asyncio.Queue()

    async def wait(self, chat_id: int, contains: str, timeout: float = 120) -> None:  # noqa: ASYNC109
        queue = self._queues[chat_id]
        async with asyncio.timeout(timeout):
            while True:
                message = await queue.get()
                labels = " ".join(b.label for row in message.buttons for b in row)
                if contains in (message.text or "") + "\n" + labels:
                    return


class Gate:
    """Lets taps through at ``rate`` per second overall (None: at once)."""

    def __init__(self, rate: float | None) -> None:
        self._interval = 1 / rate if rate else 0.0
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def __call__(self) -> None:
        if not self._interval:
            return
        async with self._lock:
            now = time.perf_counter()
            at = max(now, self._next)
            self._next = at + self._interval
        if at > now:
            await asyncio.sleep(at - now)


async def patient(
    sandbox: BotApiSandbox,
    inbox: Inbox,
    chat_id: int,
    taps: tuple[tuple[str, str], ...],
    started: asyncio.Event,
    gate: Gate,
    result: Result,
) -> None:
    await started.wait()
    for label, shows in taps:
        await gate()
        pressed = time.perf_counter()
        await sandbox.press_button(chat_id, label)
        await inbox.wait(chat_id, shows)
        result.latencies.append(time.perf_counter() - pressed)
        result.taps += 1


async def onboard_followup(sandbox: BotApiSandbox, inbox: Inbox, chat_id: int, token: str) -> None:
    await sandbox.send_command(chat_id, "start", token)
    await inbox.wait(chat_id, "OK, I agree")
    await sandbox.press_button(chat_id, "OK, I agree")
    await inbox.wait(chat_id, "English")
    await sandbox.press_button(chat_id, "English")
    await inbox.wait(chat_id, "1/")


async def onboard_bare(sandbox: BotApiSandbox, inbox: Inbox, chat_id: int, _: str) -> None:
    await sandbox.send_command(chat_id, "start")
    await inbox.wait(chat_id, "1/")


# ------------------------------------------------------------------------- one scenario


async def scenario(
    bot: str, limiter: bool, patients: int, offered: float | None, profile: Path | None = None
) -> Result:
    from bot.sandbox import BotApiSandbox, RateLimits

    result = Result(bot, limiter, patients, offered)
    limits = RateLimits(CAP, 1) if limiter else RateLimits(None, None)
    with tempfile.TemporaryDirectory() as folder:
        database = f"sqlite+aiosqlite:///{folder}/taps.db"
        async with BotApiSandbox(TOKEN, rate_limits=limits) as sandbox:
            sandbox.create_private_chat(NURSE, "Nurse")
            sandbox.create_group(NURSES, "Nurses", {NURSE: "administrator"})
            inbox = Inbox(sandbox)
            chats = [FIRST_CHAT + n for n in range(patients)]
            for chat_id in chats:
                sandbox.create_private_chat(chat_id, f"P{chat_id}", language_code="en")
                inbox.open(chat_id)
            tokens = await _enrol(database, patients) if bot == "followup" else [""] * patients
            if profile is not None:
                profile = profile.with_name(f"{profile.name}.{bot}-{'on' if limiter else 'off'}")
            child = await _spawn(bot, limiter, sandbox.base_url, database, profile)
            try:
                onboard = onboard_followup if bot == "followup" else onboard_bare
                await asyncio.gather(*(onboard(sandbox, inbox, c, t)
                                       for c, t in zip(chats, tokens, strict=True)))  # fmt: skip
                await _tell(child, "mark")
                sends_before = sandbox.rate_stats
                started = asyncio.Event()
                gate = Gate(offered)
                taps = TAPS_FOLLOWUP if bot == "followup" else TAPS_BARE
                tasks = [asyncio.create_task(patient(sandbox, inbox, c, taps, started, gate,
                                                     result)) for c in chats]  # fmt: skip
                began = time.perf_counter()
                started.set()
                outcomes = await asyncio.gather(*tasks, return_exceptions=True)
                result.seconds = time.perf_counter() - began
                result.failures = sum(isinstance(o, BaseException) for o in outcomes)
                after = sandbox.rate_stats
                result.sends = after.accepted - sends_before.accepted
                result.rejected = after.rejected - sends_before.rejected
            finally:
                report = await _finish(child)
            result.cpu_ms_per_tap = report["cpu"] * 1000 / max(result.taps, 1)
            result.rss_mib = report["rss_mib"]
    return result


async def _enrol(database: str, patients: int) -> list[str]:
    from bot.clock import SystemClock
    from bot.services.enrolment import enrol_patient
    from storage.db import create_engine, session_factory, upgrade_async
    from surveys.loader import load_default_survey

    await upgrade_async(database)
    engine = create_engine(database)
    sessions = session_factory(engine)
    settings = _settings("http://unused/bot", database)
    survey, clock = load_default_survey(), SystemClock()
    now = clock.now()
    zone = midday_zone(now)
    surgery = now.astimezone(ZoneInfo(zone)).date() + dt.timedelta(days=1)
    tokens = []
    for n in range(patients):
        enrolment = await enrol_patient(
            sessions,
            survey,
            settings,
            clock,
            ref=f"T-{n:05}",
            surgery_date=surgery,
            timezone=zone,
        )
        tokens.append(enrolment.token)
    await engine.dispose()
    return tokens


def _settings(api: str, database: str, send_rate: float = CAP) -> Any:
    from bot.settings import load_settings

    return load_settings(
        _env_file=None, bot_token=TOKEN, telegram_api_url=api, database_url=database,
        callback_secret=SECRET, nurse_chat_id=NURSES, send_rate=send_rate,
        default_timezone="Europe/London", bot_username="followup_demo_bot",
    )  # fmt: skip


async def _spawn(
    bot: str, limiter: bool, api: str, database: str, profile: Path | None
) -> asyncio.subprocess.Process:
    arguments = ["-m", "bench.tap_bench", "--serve", bot, "--api", api, "--database", database,
                 "--limiter", "on" if limiter else "off"]  # fmt: skip
    if profile is not None:
        arguments += ["--profile", str(profile)]
    child = await asyncio.create_subprocess_exec(
        sys.executable, *arguments, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    assert child.stdout is not None
    line = await asyncio.wait_for(child.stdout.readline(), 300)
    if line.strip() != b"ready":
        raise RuntimeError(f"the {bot} bot did not start: {line!r}")
    return child


async def _tell(child: asyncio.subprocess.Process, word: str) -> None:
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(word.encode() + b"\n")
    await child.stdin.drain()
    await child.stdout.readline()  # the child's acknowledgement


async def _finish(child: asyncio.subprocess.Process) -> dict[str, float]:
    assert child.stdin is not None and child.stdout is not None
    child.stdin.close()
    line = await asyncio.wait_for(child.stdout.readline(), 60)
    await child.wait()
    return dict(json.loads(line)) if line else {"cpu": float("nan"), "rss_mib": float("nan")}


# ------------------------------------------------------------------------- the bots


async def serve(
    bot: str, limiter: bool, api: str, database: str, profile: Path | None = None
) -> None:
    """Run one bot until standard input closes; then print its CPU time and memory
    (``profile``: also write a cProfile of the measured taps there)."""
    import cProfile

    profiler = cProfile.Profile() if profile is not None else None
    from bot.telegram.polling import running  # python-telegram-bot only: the bare bot's RSS

    if bot == "followup":
        from bot.app import build_bot, build_services

        services = build_services(_settings(api, database))
        application: Any = build_bot(services, jobs=False, throttle=limiter).application
    else:
        application = _bare_bot(api, limiter)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    async with running(application, poll_timeout=10):
        print("ready", flush=True)
        cpu_from = time.process_time()
        while line := await reader.readline():
            if line.strip() == b"mark":
                cpu_from = time.process_time()
                if profiler is not None:
                    profiler.enable()
            print("ok", flush=True)
        cpu = time.process_time() - cpu_from
        if profiler is not None and profile is not None:
            profiler.disable()
            profiler.dump_stats(profile)
    print(json.dumps({"cpu": cpu, "rss_mib": _rss_mib()}), flush=True)


def _bare_bot(api: str, limiter: bool) -> Any:
    """Answer the callback, edit the message, send the next question: nothing else."""
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
    from telegram.ext import (
        AIORateLimiter,
        ApplicationBuilder,
        CallbackQueryHandler,
        CommandHandler,
        ContextTypes,
    )

    def keyboard(number: int) -> InlineKeyboardMarkup:
        values = [str(v) for v in range(11)]
        rows = [values[:6], values[6:]]
        return InlineKeyboardMarkup(
            [[InlineKeyboardButton(v, callback_data=f"{number}:{v}") for v in row] for row in rows]
        )

    def question(number: int) -> str:
        return f"{number}/{BARE_QUESTIONS}\nHow bad is the pain in your leg today?"

    async def start(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        await update.effective_chat.send_message(question(1), reply_markup=keyboard(1))

    async def tap(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None and query.message is not None
        number, _sep, value = query.data.partition(":")
        await query.answer()
        await query.edit_message_text(f"{question(int(number))}\n✔ {value}")
        following = int(number) + 1
        chat_id = query.message.chat.id
        if following > BARE_QUESTIONS:
            await query.get_bot().send_message(chat_id, "Thank you")
        else:
            await query.get_bot().send_message(
                chat_id, question(following), reply_markup=keyboard(following)
            )

    builder: Any = ApplicationBuilder().token(TOKEN).base_url(api)
    if limiter:
        builder = builder.rate_limiter(AIORateLimiter(overall_max_rate=CAP, max_retries=3))
    application = builder.build()
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(tap))
    return application


def _rss_mib() -> float:
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2**20 if sys.platform == "darwin" else rss / 2**10


# ------------------------------------------------------------------------- report


def table(results: list[Result]) -> str:
    lines = [
        f"Tap benchmark, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, Python "
        f"{platform.python_version()}, {os.cpu_count()} CPUs",
        "",
        "| bot | limiter | patients | offered | taps | taps/s | p50 | p95 | p99 | CPU/tap |"
        " RSS | sends | 429s | failed |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        offered = f"{r.offered:g}/s" if r.offered else "max"
        lines.append(
            f"| {r.bot} | {'on' if r.limiter else 'off'} | {r.patients} | {offered} | {r.taps} |"
            f" {r.taps_per_second:.1f} | {_ms(r.percentile(50))} | {_ms(r.percentile(95))} |"
            f" {_ms(r.percentile(99))} | {r.cpu_ms_per_tap:.1f} ms | {r.rss_mib:.1f} MiB |"
            f" {r.sends} | {r.rejected} | {r.failures} |"
        )
    ratios = []
    for r in results:
        if r.bot != "followup":
            continue
        bare = next((b for b in results if b.bot == "bare" and (b.limiter, b.offered, b.patients)
                     == (r.limiter, r.offered, r.patients)), None)  # fmt: skip
        if bare is not None and bare.taps_per_second:
            offered = f"{r.offered:g}/s offered" if r.offered else "as fast as possible"
            ratios.append(
                f"- limiter {'on' if r.limiter else 'off'}, {offered}: followup / bare taps/s ="
                f" {r.taps_per_second / bare.taps_per_second:.2f}; CPU per tap"
                f" {r.cpu_ms_per_tap / max(bare.cpu_ms_per_tap, 1e-9):.2f}×"
            )
    return "\n".join([*lines, "", *ratios]) + "\n"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


async def run(args: argparse.Namespace) -> list[Result]:
    results = []
    for _ in range(args.repeat):
        for limiter in (True, False) if args.limiter == "both" else (args.limiter == "on",):
            for offered in args.offered or [None]:
                for bot in args.bots:
                    result = await scenario(bot, limiter, args.patients, offered, args.profile)
                    print(table([result]).splitlines()[4], flush=True)
                    results.append(result)
    return results


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=300)
    parser.add_argument(
        "--offered", type=float, nargs="*", default=None,
        help="taps per second offered (several: one run each; none: as fast as answered)",
    )  # fmt: skip
    parser.add_argument("--limiter", choices=("on", "off", "both"), default="both")
    parser.add_argument("--bots", nargs="+", choices=("followup", "bare"),
                        default=["followup", "bare"])  # fmt: skip
    parser.add_argument("--repeat", type=int, default=1, help="interleaved runs of each")
    parser.add_argument("--out", type=Path, default=None, help="also write the table here")
    parser.add_argument(
        "--profile", type=Path, default=None,
        help="write a cProfile of each bot's measured taps to PROFILE.<bot>-<limiter>",
    )  # fmt: skip
    parser.add_argument("--serve", choices=("followup", "bare"), help=argparse.SUPPRESS)
    parser.add_argument("--api", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    if args.serve:
        asyncio.run(serve(args.serve, args.limiter == "on", args.api, args.database, args.profile))
        return
    results = asyncio.run(run(args))
    report = table(results)
    print(report)
    if args.out is not None:
        args.out.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
