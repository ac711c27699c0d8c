"""Commands for the ward's administrator: schema, survey files, enrolment, patient list."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
from alembic.runtime.migration import MigrationContext
from alembic.util import CommandError
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.cli.root import (
    EXIT_FAILED,
    CliApp,
    CliError,
    app_of,
    configured_survey,
    database_engine,
    open_database,
    pass_app,
    run,
)
from bot.nurse.statuses import patient_state, point_status
from bot.services.enrolment import (
    DEFAULT_PROCEDURE,
    Enrolment,
    EnrolmentError,
    Invitation,
    PatientSummary,
    Rescheduled,
    change_surgery_date,
    enrol_patient,
    list_enrolled,
    new_invite,
)
from bot.services.enrolment_input import parse_date
from storage.db import upgrade
from storage.records import CheckinRecord
from surveys.loader import SurveyDefinitionError, load_default_survey, load_survey

__all__ = ["db", "enroll", "invite", "patients", "reschedule", "surveys"]


class _Date(click.ParamType[dt.date]):
    """A date as :func:`~bot.services.enrolment.parse_date` reads it (2025-03-10,
    2025/3/10, 2025年3月10日, 3月10日 for this year…)."""

    name = "DATE"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> dt.date:
        if isinstance(value, dt.date):
            return value
        today = dt.date.today()
        if ctx is not None:
            app = app_of(ctx)
            today = app.clock.now().astimezone(ZoneInfo(app.settings.default_timezone)).date()
        found = parse_date(str(value), today)
        if found is None:
            self.fail(f"{value!r} is not a date like 2025-03-14 or 2025年3月14日", param, ctx)
        return found


_DATE = _Date()


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in (header, *rows)
    )


def _local(moment: dt.datetime, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def _plan_table(checkins: Sequence[CheckinRecord], timezone: str) -> str:
    rows = [
        (
            c.spec_id,
            c.form,
            "-" if c.day is None else str(c.day),
            _local(c.due_at, timezone),
            c.status + (", recalled" if c.recalled else ""),
        )
        for c in checkins
    ]
    return _table(("check-in", "form", "day", f"due ({timezone})", "status"), rows)


def _checkin_json(checkin: CheckinRecord) -> dict[str, Any]:
    return {
        "spec_id": checkin.spec_id,
        "form": checkin.form,
        "day": checkin.day,
        "due_at": checkin.due_at.isoformat(),
        "closes_at": checkin.closes_at.isoformat(),
        "status": checkin.status,
        "recalled": checkin.recalled,
    }


def _next_json(checkin: CheckinRecord) -> dict[str, str]:
    return {"spec_id": checkin.spec_id, "due_at": checkin.due_at.isoformat()}


def _outcome(checkin: CheckinRecord) -> str:
    """``answered``, ``missed``, ``paused``, ``invite not opened``…"""
    if checkin.status == "completed":
        return "answered"
    return point_status(checkin.status, checkin.last_error) or checkin.status


def _last(checkin: CheckinRecord | None) -> dict[str, Any] | None:
    if checkin is None:
        return None
    return {"spec_id": checkin.spec_id, "day": checkin.day, "outcome": _outcome(checkin)}


def _last_text(checkin: CheckinRecord | None) -> str:
    """``day 7: paused``, ``baseline: answered``, or ``-``."""
    if checkin is None:
        return "-"
    name = "baseline" if checkin.day is None else f"day {checkin.day}"
    return f"{name}: {_outcome(checkin)}"


def _enrolment_error(exc: EnrolmentError) -> CliError:
    return CliError(str(exc))


# --- db ---------------------------------------------------------------------------------------


@click.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@pass_app
def db_upgrade(app: CliApp) -> None:
    """Create the database or bring its schema up to date."""
    url = app.settings.database_url
    before = run(_revision(url))  # also refuses an unusable URL or an unreachable database
    shown = make_url(url).render_as_string(hide_password=True)
    try:
        upgrade(url)
    except (CommandError, SQLAlchemyError, OSError) as exc:
        raise CliError(f"cannot upgrade {shown}: {exc}", EXIT_FAILED) from None
    after = run(_revision(url))
    if before == after:
        click.echo(f"database {shown} is up to date (revision {after})")
    else:
        click.echo(f"database {shown} upgraded from {before or 'empty'} to revision {after}")


async def _revision(url: str) -> str | None:
    def current(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    engine = database_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(current)
    finally:
        await engine.dispose()


# --- surveys ----------------------------------------------------------------------------------


@click.group()
def surveys() -> None:
    """Survey definition files."""


@surveys.command("check")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@pass_app
def surveys_check(app: CliApp, file: Path | None) -> None:
    """Check a survey file (default: FOLLOWUP_SURVEY_PATH or the built-in survey)."""
    path = file or app.settings.survey_path
    try:
        survey = load_survey(path) if path is not None else load_default_survey()
    except SurveyDefinitionError as exc:
        raise CliError(str(exc), EXIT_FAILED) from None
    questions = sum(len(form.questions) for form in survey.forms)
    click.echo(
        f"ok: {survey.id} v{survey.version}, {_plural(len(survey.forms), 'form')}, "
        f"{_plural(questions, 'question')}, {_plural(len(survey.rules), 'rule')}"
    )


# --- enrolment --------------------------------------------------------------------------------


@click.command()
@click.option("--ref", required=True, help="Pseudonymous study code, never a name.")
@click.option(
    "--surgery-date",
    required=True,
    type=_DATE,
    help="2025-03-10, 2025/3/10, 2025年3月10日 or 3月10日 (this year).",
)
@click.option("--language", default="en", show_default=True, help="en or zh-Hans (zh, 中文).")
@click.option("--timezone", default=None, help="Area/City; default FOLLOWUP_DEFAULT_TIMEZONE.")
@click.option("--caregiver/--no-caregiver", default=False, help="A relative helps answering.")
@click.option("--levels", default=None, help="Operated levels, e.g. L4-L5.")
@click.option("--procedure", default=DEFAULT_PROCEDURE, show_default=True)
@click.option("--send-at", default=None, help="Local HH:MM for check-ins; default the survey's.")
@click.option("--json", "as_json", is_flag=True, help="Print ref, token, link and plan as JSON.")
@pass_app
def enroll(
    app: CliApp,
    ref: str,
    surgery_date: dt.date,
    language: str,
    timezone: str | None,
    caregiver: bool,
    levels: str | None,
    procedure: str,
    send_at: str | None,
    as_json: bool,
) -> None:
    """Enrol a patient and print their single-use invite link."""
    survey = configured_survey(app.settings)

    async def enrol() -> Enrolment:
        async with open_database(app.settings) as sessions:
            return await enrol_patient(
                sessions,
                survey,
                app.settings,
                app.clock,
                ref=ref,
                surgery_date=surgery_date,
                language=language,
                timezone=timezone,
                procedure=procedure,
                levels=levels,
                caregiver_helps=caregiver,
                send_at=send_at,
                actor="cli",
            )

    try:
        done = run(enrol())
    except EnrolmentError as exc:
        raise _enrolment_error(exc) from None
    if as_json:
        click.echo(
            json.dumps(
                {
                    "ref": done.ref,
                    "token": done.token,
                    "link": done.link,
                    "checkins": [_checkin_json(c) for c in done.checkins],
                },
                ensure_ascii=False,
            )
        )
        return
    patient = done.patient
    click.echo(
        f"Enrolled {done.ref} ({patient.language}, {patient.timezone}), "
        f"surgery {done.enrolment.surgery_date}, survey {survey.id} v{survey.version}."
    )
    expires = _local(done.invite_expires_at, patient.timezone)
    click.echo(f"Invite link, single use, valid until {expires} ({patient.timezone}):")
    click.echo(f"  {done.link}")
    if done.recalled_baseline:
        click.echo("Enrolled after the surgery date: baseline answers will be marked as recalled.")
    click.echo()
    click.echo(_plan_table(done.checkins, patient.timezone))


@click.command()
@click.option("--ref", required=True, help="The patient's study code.")
@click.option("--json", "as_json", is_flag=True, help="Print ref, token and link as JSON.")
@pass_app
def invite(app: CliApp, ref: str, as_json: bool) -> None:
    """Issue a new invite link; the patient's unused links stop working."""

    async def issue() -> Invitation:
        async with open_database(app.settings) as sessions:
            return await new_invite(sessions, app.settings, app.clock, ref, "cli")

    try:
        issued = run(issue())
    except EnrolmentError as exc:
        raise _enrolment_error(exc) from None
    if as_json:
        click.echo(json.dumps({"ref": issued.ref, "token": issued.token, "link": issued.link}))
        return
    expires = issued.expires_at.strftime("%Y-%m-%d %H:%M UTC")
    click.echo(f"New invite link for {issued.ref}, single use, valid until {expires}:")
    click.echo(f"  {issued.link}")
    if issued.revoked == 1:
        click.echo("The earlier unused link no longer works.")
    elif issued.revoked:
        click.echo(f"The {issued.revoked} earlier unused links no longer work.")
    if issued.already_linked:
        click.echo(f"Note: {issued.ref} already has a linked Telegram chat.")


@click.command()
@click.option("--ref", required=True, help="The patient's study code.")
@click.option("--surgery-date", required=True, type=_DATE, help="New date, as for enroll.")
@pass_app
def reschedule(app: CliApp, ref: str, surgery_date: dt.date) -> None:
    """Move the surgery date; check-ins not sent yet are planned again."""
    survey = configured_survey(app.settings)

    async def move() -> Rescheduled:
        async with open_database(app.settings) as sessions:
            return await change_surgery_date(sessions, survey, app.clock, ref, surgery_date, "cli")

    try:
        done = run(move())
    except EnrolmentError as exc:
        raise _enrolment_error(exc) from None
    click.echo(
        f"Surgery date of {done.ref} moved from {done.previous_surgery_date} to "
        f"{done.surgery_date}: {done.replanned} re-planned, {done.added} added, "
        f"{done.cancelled} cancelled, {done.kept} already under way kept."
    )


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@pass_app
def patients(app: CliApp, as_json: bool) -> None:
    """List patients by study code (no answers or health data)."""

    async def fetch() -> list[PatientSummary]:
        async with open_database(app.settings) as sessions:
            return await list_enrolled(sessions, app.clock)

    listed = run(fetch())
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "ref": p.ref,
                        "language": p.language,
                        "timezone": p.timezone,
                        "linked": p.linked,
                        "status": p.status,
                        "surgery_date": None if p.surgery_date is None else str(p.surgery_date),
                        "day_post_op": p.day_post_op,
                        "state": patient_state(p.status, p.linked),
                        "last_checkin": _last(p.last_checkin),
                        "next_checkin": None
                        if p.next_checkin is None
                        else _next_json(p.next_checkin),
                    }
                    for p in listed
                ]
            )
        )
        return
    if not listed:
        click.echo("No patients enrolled yet.")
        return
    rows = [
        (
            p.ref,
            p.language,
            p.timezone,
            "yes" if p.linked else "no",
            patient_state(p.status, p.linked),
            str(p.surgery_date or "-"),
            "-" if p.day_post_op is None else str(p.day_post_op),
            _last_text(p.last_checkin),
            "-"
            if p.next_checkin is None
            else f"{p.next_checkin.spec_id} {_local(p.next_checkin.due_at, p.timezone)}",
        )
        for p in listed
    ]
    header = ("ref", "lang", "timezone", "linked", "status", "surgery", "day", "last check-in",
              "next check-in")  # fmt: skip
    click.echo(_table(header, rows))
