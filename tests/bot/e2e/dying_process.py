"""A bot process for the kill tests: it claims the due outbox messages and check-ins and
starts sending them, until the test kills it with SIGKILL mid-send.

Run as ``python -m tests.bot.e2e.dying_process NOW`` with the settings in ``FOLLOWUP_*``;
its clock stands at ``NOW`` (ISO 8601), the test's fake time.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys

from bot.app import build_bot, build_services
from bot.clock import FakeClock
from bot.settings import load_settings


async def main(now: str) -> None:
    services = build_services(
        load_settings(_env_file=None), FakeClock(dt.datetime.fromisoformat(now))
    )
    bot = build_bot(services, jobs=False)
    await bot.application.initialize()
    await bot.heartbeat.start()
    await asyncio.gather(bot.outbox.sweep(), bot.dispatcher.dispatch_due())


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
