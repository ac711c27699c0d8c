"""Operations commands: ``followup db backup`` and ``followup patient erase``."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.root import EXIT_FAILED, CliApp, CliError, pass_app
from bot.ops.backup import BackupError, backup_sqlite, sqlite_path

__all__ = ["db_backup"]


@click.command("backup")
@click.option(
    "--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
    help="The new backup file (must not exist).",
)  # fmt: skip
@pass_app
def db_backup(app: CliApp, out: Path) -> None:
    """Copy the SQLite database to a new file, safely while the bot runs."""
    try:
        source = sqlite_path(app.settings.database_url)
        pages = backup_sqlite(source, out)
    except BackupError as exc:
        raise CliError(str(exc), EXIT_FAILED) from None
    click.echo(f"backed up {source} to {out} ({pages} pages, integrity ok)")
