"""The ``followup`` command line (console script ``followup = "bot.cli:main"``).

Each module under ``bot/cli/`` defines click commands; registering one is one line here:
``root.add_command(<command>)``.
"""

from __future__ import annotations

import os

from bot.cli import admin, nurse, ops, progress, web
from bot.cli.demo import demo
from bot.cli.export import export
from bot.cli.root import root
from bot.cli.run import run_bot

__all__ = ["main", "root"]

root.add_command(admin.db)
admin.db.add_command(ops.db_backup)
root.add_command(admin.surveys)
root.add_command(admin.enroll)
root.add_command(admin.invite)
root.add_command(admin.reschedule)
root.add_command(admin.patients)
root.add_command(nurse.flags)
root.add_command(nurse.flag)
root.add_command(nurse.checkin)
root.add_command(nurse.report)
root.add_command(progress.extend)
root.add_command(ops.patient)
ops.patient.add_command(nurse.patient_pause)
ops.patient.add_command(nurse.patient_resume)
root.add_command(run_bot)
root.add_command(demo)
root.add_command(export)
root.add_command(web.web)
root.add_command(web.nurse)


def main() -> None:
    """Entry point of the ``followup`` console script."""
    # python-telegram-bot 22 returns durations as timedeltas when asked to (its next major
    # version always will); our code reads both, and this keeps its deprecation notice quiet.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    root(prog_name="followup")
