"""The two demos end to end: a person at the terminal, or a synthetic cohort over a year."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from bot.demo.cohort import CohortDriver, make_cohort
from bot.demo.dashboard import demo_dashboard
from bot.demo.session import STEP_AFTER_EVENT, DemoSession
from bot.demo.summary import DemoSummary, load_summary, render_summary
from bot.demo.terminal import Reader, Terminal, Writer
from bot.settings import Settings
from surveys.model import Survey

__all__ = ["AutoResult", "run_auto_demo", "run_interactive_demo"]

DEMO_PATIENT_CHAT: Final = 10_001


@dataclass(frozen=True)
class AutoResult:
    summary: DemoSummary
    database_path: Path
    seconds: float
    actions: int
    """Button presses and typed answers the synthetic patients sent."""


async def run_auto_demo(
    data_dir: Path,
    *,
    patients: int = 20,
    seed: int = 7,
    base_settings: Settings | None = None,
    write: Writer = print,
    web: bool = False,
) -> AutoResult:
    """Run a seeded synthetic cohort through every check-in of the survey, then summarise;
    with ``web`` keep serving the nurses' dashboard on that database until interrupted."""
    started = time.perf_counter()
    async with DemoSession(data_dir, base_settings=base_settings) as demo:
        survey = demo.services.survey
        driver = CohortDriver(demo, make_cohort(patients, seed))
        write(f"Enrolling {_patients(patients)} (seed {seed}) …")
        await driver.enrol()
        await driver.respond_all()
        first_surgery = demo.local_today()
        now = demo.clock.now()
        moments = sorted({t + STEP_AFTER_EVENT for t in driver.planned_times()} - {now})
        milestones = sorted({spec.day for spec in survey.schedule.checkins if spec.day})
        for moment in (m for m in moments if m > now):
            demo.clock.set(moment)
            await demo.run_jobs(until_idle=False)
            await driver.respond_all()
            day = (demo.local_today() - first_surgery).days
            while milestones and day >= milestones[0]:
                write(f"  … day {milestones.pop(0)} after surgery")
        await demo.run_jobs()
        summary = await load_summary(demo.services.sessions, survey)
        seconds = time.perf_counter() - started
        _write_summary(write, survey, summary, patients, seconds, demo)
        if web:
            async with demo_dashboard(demo, write) as server:
                write("Press Ctrl-C to stop.")
                await server.wait()
    return AutoResult(summary, demo.database_path, seconds, demo.user_actions)


def _write_summary(
    write: Writer, survey: Survey, summary: DemoSummary, patients: int, seconds: float,
    demo: DemoSession,
) -> None:  # fmt: skip
    write("")
    write(
        f"Synthetic cohort: {patients} patient{'' if patients == 1 else 's'}, a year of "
        f"check-ins in {seconds:.1f} s ({demo.user_actions:,} taps and typed answers)."
    )
    write("")
    write(render_summary(survey, summary))
    write("")
    write(f"Database: {demo.database_path}")


def _patients(count: int) -> str:
    return f"{count} synthetic patient{'' if count == 1 else 's'}"


async def run_interactive_demo(
    data_dir: Path,
    *,
    base_settings: Settings | None = None,
    read: Reader = input,
    write: Writer = print,
    web: bool = False,
) -> Path:
    """Enrol one patient whose phone is this terminal, and chat until /quit; the nurses'
    dashboard is served meanwhile with ``web``."""
    nurses = frozenset({DEMO_PATIENT_CHAT})  # the person at the terminal may act as a nurse
    async with DemoSession(data_dir, base_settings=base_settings, nurses=nurses) as demo:
        patient = await demo.enrol_patient(
            "DEMO-001", chat_id=DEMO_PATIENT_CHAT, name="You", surgery_date=demo.local_today()
        )
        if not web:
            await Terminal(demo, patient, read=read, write=write).run()
        else:
            async with demo_dashboard(demo, write):
                await Terminal(demo, patient, read=read, write=write).run()
    write(f"Database: {demo.database_path}")
    return demo.database_path
