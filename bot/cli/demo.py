"""``followup demo``: the offline demo (no token, no network).

Interactive by default: you are the patient, in the terminal. ``--auto`` runs a synthetic
cohort through a year of check-ins and prints a summary; so does a plain ``followup demo``
whose standard input is not a terminal (CI, ``make start`` in a pipeline).

Without ``--data`` the database lives in a new temporary folder, removed when the demo ends.
"""

from __future__ import annotations

import logging
import shutil
import sys
import tempfile
from pathlib import Path

import click

from bot.cli.root import CliApp, CliError, pass_app, run
from bot.demo.runner import run_auto_demo, run_interactive_demo
from bot.demo.session import DemoError, database_file

__all__ = ["demo"]

NOT_A_TERMINAL = "Standard input is not a terminal: running `followup demo --auto` instead."
REMOVED = "The demo database was temporary and is now removed (keep one with --data FOLDER)."


@click.command("demo")
@click.option("--auto", is_flag=True, help="Run a synthetic cohort instead of chatting.")
@click.option(
    "--patients",
    type=click.IntRange(1, 200),
    default=20,
    show_default=True,
    help="Synthetic patients in --auto.",
)
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the demo database, kept (default: a temporary folder, removed at the end).",
)
@click.option("--seed", type=int, default=7, show_default=True, help="Seed for --auto.")
@click.option(
    "--web/--no-web", default=None,
    help="Serve the nurses' dashboard (default: yes when chatting; with --auto, after the run).",
)  # fmt: skip
@pass_app
def demo(
    app: CliApp, auto: bool, patients: int, data_dir: Path | None, seed: int, web: bool | None
) -> None:
    """Try the bot offline: chat as a patient, or watch a synthetic cohort (--auto)."""
    if not auto and not sys.stdin.isatty():
        click.echo(NOT_A_TERMINAL)
        auto = True
    if data_dir is not None and database_file(data_dir).exists():
        raise CliError(
            f"{database_file(data_dir)} already exists: the demo starts from an empty "
            "database, so choose another --data folder or delete that file"
        )
    folder = data_dir or Path(tempfile.mkdtemp(prefix="followup-demo-"))
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        if auto:
            run(run_auto_demo(folder, patients=patients, seed=seed, base_settings=app.settings,
                              web=bool(web)))  # fmt: skip
        else:
            run(run_interactive_demo(folder, base_settings=app.settings, web=web is not False))
    except DemoError as exc:
        raise CliError(str(exc)) from None
    except KeyboardInterrupt:
        click.echo("\nStopped." + (f" Database: {database_file(folder)}" if data_dir else ""))
    finally:
        if data_dir is None:
            shutil.rmtree(folder, ignore_errors=True)
    if data_dir is None:
        click.echo(REMOVED)
