"""What the assembly wires: the nurse sweep job, the nurse command menu, append-only audit."""

from __future__ import annotations

import re
from pathlib import Path

from telegram.ext import ApplicationBuilder

from bot.sandbox import DEFAULT_TOKEN
from bot.telegram.nurse_handlers import (
    NURSE_COMMANDS,
    NURSE_COMMANDS_ZH,
    NURSE_JOB,
    register_nurse_commands,
    schedule_nurse_jobs,
)
from tests.bot.nurse.conftest import ANNA, GROUP, SAM, NurseHarness

ROOT = Path(__file__).resolve().parents[3]


class _Counter:
    def __init__(self) -> None:
        self.sweeps = 0

    async def sweep(self) -> None:
        self.sweeps += 1


async def test_the_sweep_is_one_named_job_however_often_it_is_scheduled() -> None:
    application = ApplicationBuilder().token(DEFAULT_TOKEN).build()
    assert application.job_queue is not None
    counter = _Counter()
    schedule_nurse_jobs(application.job_queue, counter, 30)
    schedule_nurse_jobs(application.job_queue, counter, 30)
    jobs = [job for job in application.job_queue.jobs() if job.name == NURSE_JOB]
    assert len([job for job in jobs if not job.removed]) == 1
    await jobs[-1].callback(None)  # type: ignore[arg-type]
    assert counter.sweeps == 1


async def test_nurse_commands_show_in_the_group_and_listed_nurses_chats(
    nurse_harness: NurseHarness,
) -> None:
    h = nurse_harness
    await register_nurse_commands(h.bot, h.settings)
    expected = [{"command": name, "description": text} for name, text in NURSE_COMMANDS]
    chinese = [{"command": name, "description": text} for name, text in NURSE_COMMANDS_ZH]
    for chat_id in (GROUP, ANNA, SAM):
        assert h.sandbox.my_commands({"type": "chat", "chat_id": chat_id}) == expected
        assert h.sandbox.my_commands({"type": "chat", "chat_id": chat_id}, "zh") == chinese
    assert h.sandbox.my_commands() == []  # patients' menus are left alone


def test_no_code_updates_or_deletes_audit_events() -> None:
    changes = re.compile(
        r"(update|delete)\(\s*(models\.)?AuditEvent\b|AuditEvent\)\.(update|delete)"
    )
    offenders = [
        str(path.relative_to(ROOT))
        for package in ("bot", "storage")
        for path in (ROOT / package).rglob("*.py")
        if changes.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
    assert changes.search("await session.execute(delete(AuditEvent).where(...))")
