"""The ``followup`` command line (console script ``followup = "bot.cli:main"``).

Each module under ``bot/cli/`` defines click commands; registering one is one line in
:data:`COMMANDS` (name → module and attribute). A command's module is imported when the
command runs (or ``--help`` lists it), so ``followup run`` does not load the export's FHIR
models, the demo or the other commands' libraries into the bot process.
"""

from __future__ import annotations

import importlib
import os

import click

from bot.cli.root import root

__all__ = ["COMMANDS", "main", "root"]

COMMANDS: dict[str, tuple[str, str]] = {
    "db": ("bot.cli.admin", "db"),
    "surveys": ("bot.cli.admin", "surveys"),
    "enroll": ("bot.cli.admin", "enroll"),
    "invite": ("bot.cli.admin", "invite"),
    "reschedule": ("bot.cli.admin", "reschedule"),
    "patients": ("bot.cli.admin", "patients"),
    "flags": ("bot.cli.nurse", "flags"),
    "flag": ("bot.cli.nurse", "flag"),
    "checkin": ("bot.cli.nurse", "checkin"),
    "report": ("bot.cli.nurse", "report"),
    "extend": ("bot.cli.progress", "extend"),
    "patient": ("bot.cli.ops", "patient"),
    "run": ("bot.cli.run", "run_bot"),
    "demo": ("bot.cli.demo", "demo"),
    "export": ("bot.cli.export", "export"),
    "web": ("bot.cli.web", "web"),
    "nurse": ("bot.cli.web", "nurse"),
}


def _load(name: str) -> click.Command:
    module, attribute = COMMANDS[name]
    command: click.Command = getattr(importlib.import_module(module), attribute)
    if name == "db" and isinstance(command, click.Group):  # `db backup` lives with operations
        from bot.cli.ops import db_backup

        command.add_command(db_backup)
    if name == "patient" and isinstance(command, click.Group):  # pause/resume: nurse actions
        from bot.cli.nurse import patient_pause, patient_resume

        command.add_command(patient_pause)
        command.add_command(patient_resume)
    return command


root.lazy_commands(COMMANDS, _load)


def main() -> None:
    """Entry point of the ``followup`` console script."""
    # python-telegram-bot 22 returns durations as timedeltas when asked to (its next major
    # version always will); our code reads both, and this keeps its deprecation notice quiet.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    root(prog_name="followup")
