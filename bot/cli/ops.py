"""Operations commands: ``followup db backup`` and ``followup patient erase``."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from bot.cli.root import EXIT_FAILED, CliApp, CliError, open_database, pass_app, run
from bot.ops.backup import BackupError, backup_sqlite, sqlite_path
from storage.audit import record_audit
from storage.erasure import ERASED, Erased, erase_patient
from storage.patients import patient_by_ref

__all__ = ["db_backup", "patient"]


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


@click.group()
def patient() -> None:
    """One patient's data."""


@patient.command("erase")
@click.argument("ref")
@click.option("--by", "by", required=True, help="Who erases (for the audit trail).")
@click.option("--yes", is_flag=True, help="Confirm: this cannot be undone.")
@pass_app
def patient_erase(app: CliApp, ref: str, by: str, yes: bool) -> None:
    """Erase a patient's health data and chat link on request (an audit stub stays)."""
    if not yes:
        raise CliError(f"erasing {ref} cannot be undone: add --yes to confirm")

    async def erase() -> Erased:
        async with open_database(app.settings) as sessions, sessions.begin() as session:
            found = await patient_by_ref(session, ref)
            if found is None:
                raise CliError(f"no patient {ref}")
            if found.status == ERASED:
                raise CliError(f"patient {ref} was already erased")
            erased = await erase_patient(session, found.id)
            await record_audit(
                session, at=app.clock.now(), actor=f"cli:{by}"[:120], action="patient.erased",
                entity="patient", entity_id=found.id, detail=asdict(erased),
            )  # fmt: skip
            return erased

    erased = run(erase())
    click.echo(
        f"erased {ref}: {erased.enrolments} enrolment(s), {erased.checkins} check-in(s), "
        f"{erased.answers} answer(s), {erased.flags} flag(s); chat unlinked, audit kept"
    )
