"""``followup export csv|fhir|redcap``: data out for statistics, registries and hospital
systems, de-identified by default (see ``bot.export``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from bot.cli.root import CliApp, CliError, configured_survey, open_database, pass_app, run
from bot.export import ExportError, ExportOptions, ExportService, FhirExportError
from storage.export.queries import ExportFilter

__all__ = ["export"]


def _options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options every export takes."""
    for option in reversed((
        click.option("--since", type=click.DateTime(["%Y-%m-%d"]),
                     help="Only check-ins planned (and flags raised) on or after this date "
                     "(YYYY-MM-DD, UTC)."),
        click.option("--patients", "refs", metavar="REF,...",
                     help="Only these patients (comma-separated reference codes)."),
        click.option("--shift-dates", is_flag=True,
                     help="Shift each patient's dates by a secret per-patient number of days "
                     "(FOLLOWUP_EXPORT_SALT); days after surgery stay exact."),
        click.option("--bom", is_flag=True,
                     help="Start CSV files with a UTF-8 byte-order mark (for Excel)."),
    )):  # fmt: skip
        command = option(command)
    return command


@click.group()
def export() -> None:
    """Export the follow-up data (de-identified: no Telegram ids, names or usernames)."""


@export.command("csv")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for the CSV files.")  # fmt: skip
@_options
@pass_app
def export_csv(app: CliApp, /, out: Path, **options: Any) -> None:
    """Answers (long and wide), flags and a data dictionary, as CSV."""
    _report(run(_export(app, "csv", out, **options)), out)


@export.command("fhir")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The bundle file to write (JSON).")  # fmt: skip
@_options
@pass_app
def export_fhir(app: CliApp, /, out: Path, **options: Any) -> None:
    """A FHIR R4 Bundle: Questionnaires, Patients, QuestionnaireResponses and Flags."""
    _report(run(_export(app, "fhir", out, **options)), out)


@export.command("redcap")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for the REDCap files.")  # fmt: skip
@_options
@pass_app
def export_redcap(app: CliApp, /, out: Path, **options: Any) -> None:
    """A REDCap data dictionary, events, instrument mapping and longitudinal import file."""
    _report(run(_export(app, "redcap", out, **options)), out)


async def _export(
    app: CliApp, kind: str, out: Path, *, since: dt.datetime | None, refs: str | None,
    shift_dates: bool, bom: bool,
) -> dict[str, int]:  # fmt: skip
    settings = app.settings
    survey = configured_survey(settings)
    salt = settings.export_salt.get_secret_value().encode() if settings.export_salt else None
    selection = ExportFilter(
        since=since.date() if since else None,
        patient_refs=tuple(r.strip() for r in (refs or "").split(",") if r.strip()),
    )
    options = ExportOptions(selection, shift_dates=shift_dates, salt=salt, bom=bom)
    async with open_database(settings) as sessions:
        service = ExportService(sessions, survey, app.clock)
        try:
            if kind == "csv":
                return await service.csv(out, options)
            if kind == "fhir":
                return await service.fhir(out, options)
            return await service.redcap(out, options)
        except (ExportError, FhirExportError) as exc:
            raise CliError(str(exc)) from None
        except OSError as exc:
            raise CliError(f"cannot write {out}: {exc.strerror or exc}") from None


def _report(counts: dict[str, int], out: Path) -> None:
    summary = ", ".join(f"{count:,} {what}" for what, count in counts.items())
    click.echo(f"Exported {summary} to {out}")
