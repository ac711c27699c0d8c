"""Nurse actions from the command line: list flags, acknowledge or resolve one, send a
check-in now, and the recovery report.

These call the same :class:`~bot.nurse.service.NurseService` as the Telegram buttons, so
the audit trail is the same (actor ``cli:<name>``). With ``FOLLOWUP_BOT_TOKEN`` set, the
flag's card in the nurse group is edited too; without it the card is left as it was and
the command says so.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any
from zoneinfo import ZoneInfo

import click
from telegram import Bot
from telegram.error import TelegramError

from bot.cli.root import (
    EXIT_FAILED,
    EXIT_USAGE,
    CliApp,
    CliError,
    configured_survey,
    open_database,
    pass_app,
    run,
)
from bot.nurse.access import Nurse
from bot.nurse.cards import OUTCOMES
from bot.nurse.service import ActionResult, NurseService
from bot.nurse.summary import cohort_json, cohort_text
from bot.services.replies import Edit, Keyboard, Outgoing
from bot.services.transport import DeliveryError, Transport
from bot.settings import Settings
from bot.telegram.transport import TelegramTransport
from storage.records import FlagRecord

__all__ = ["checkin", "flag", "flags", "report"]

STATUSES = {
    "unresolved": ("open", "acknowledged"),
    "open": ("open",),
    "acknowledged": ("acknowledged",),
    "resolved": ("resolved",),
    "all": ("open", "acknowledged", "resolved"),
}


class _NoBot:
    """Used without a bot token: nothing can be sent, so cards stay as they are."""

    async def send(self, chat_id: int, message: Outgoing) -> int:
        raise DeliveryError("FOLLOWUP_BOT_TOKEN is not set")

    async def edit(self, chat_id: int, edit: Edit) -> None:
        raise DeliveryError("FOLLOWUP_BOT_TOKEN is not set")

    async def send_photo(
        self, chat_id: int, png: bytes, caption: str, keyboard: Keyboard = ()
    ) -> int:
        raise DeliveryError("FOLLOWUP_BOT_TOKEN is not set")


@asynccontextmanager
async def _service(app: CliApp) -> AsyncIterator[NurseService]:
    """The nurse service on the configured database; cards are edited when Telegram answers."""
    settings = app.settings
    survey = configured_survey(settings)
    async with open_database(settings) as sessions:
        bot = _bot(settings)
        if bot is not None:
            try:
                await bot.initialize()
            except TelegramError as exc:
                click.echo(f"Telegram unreachable ({exc.message}): cards are not edited.", err=True)
                bot = None
        transport: Transport = TelegramTransport(bot) if bot is not None else _NoBot()
        try:
            yield NurseService(sessions, survey, settings, app.clock, transport)
        finally:
            if bot is not None:
                await bot.shutdown()


def _bot(settings: Settings) -> Bot | None:
    if settings.bot_token is None:
        return None
    return Bot(
        settings.bot_token.get_secret_value(),
        base_url=settings.telegram_api_url,
        base_file_url=settings.telegram_api_url.replace("/bot", "/file/bot"),
    )


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in (header, *rows)
    )


def _why(flag: FlagRecord) -> str:
    """The rule, then the patient's own words when the flag is about them (a note, free text)."""
    why = flag.evidence.get("why")
    text = str(why.get("en")) if isinstance(why, dict) else flag.rule_id
    words = flag.evidence.get("text") if flag.evidence.get("source") == "free_text" else None
    if words is None and flag.evidence.get("question") == "note":
        words = flag.evidence.get("value")
    return f"{text}: “{' '.join(words.split())}”" if isinstance(words, str) else text


def _flag_json(flag: FlagRecord) -> dict[str, Any]:
    def at(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "id": flag.id, "level": flag.level, "status": flag.status, "patient": flag.patient_ref,
        "rule": flag.rule_id, "why": _why(flag), "day_post_op": flag.evidence.get("day_post_op"),
        "raised_at": at(flag.raised_at), "notified_at": at(flag.notified_at),
        "escalated_at": at(flag.escalated_at), "acknowledged_by": flag.acknowledged_by,
        "acknowledged_at": at(flag.acknowledged_at), "resolved_by": flag.resolved_by,
        "resolved_at": at(flag.resolved_at), "resolution": flag.resolution_note,
    }  # fmt: skip


@click.command()
@click.option(
    "--status", type=click.Choice(list(STATUSES)), default="unresolved", show_default=True,
    help="unresolved = open or acknowledged.",
)  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the flags as JSON.")
@pass_app
def flags(app: CliApp, status: str, as_json: bool) -> None:
    """List flags: red first, then oldest first."""

    async def listing() -> list[FlagRecord]:
        async with _service(app) as service:
            return await service.open_flags(STATUSES[status])

    found = run(listing())
    if as_json:
        click.echo(json.dumps([_flag_json(f) for f in found], ensure_ascii=False, indent=2))
        return
    if not found:
        click.echo(f"No {status} flags." if status != "all" else "No flags.")
        return
    zone = ZoneInfo(app.settings.default_timezone)
    rows = [
        (str(f.id), f.level, f.status, f.patient_ref, str(f.evidence.get("day_post_op", "-")),
         f.raised_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"), _why(f))
        for f in found
    ]  # fmt: skip
    click.echo(_table(("id", "level", "status", "patient", "day", "raised", "why"), rows))


@click.group()
def flag() -> None:
    """Acknowledge or resolve one flag."""


def _report(app: CliApp, result: ActionResult) -> None:
    """Print the outcome; a refused action is one line on stderr (exit 2 bad input, 1 else)."""
    if not result.ok:
        raise CliError(result.message, EXIT_USAGE if result.flag is None else EXIT_FAILED)
    click.echo(result.message)
    if result.card_updated is False:
        reason = (
            "FOLLOWUP_BOT_TOKEN is not set" if app.settings.bot_token is None else "see the log"
        )
        click.echo(f"The card in the nurse group was not updated ({reason}).")


@flag.command("ack")
@click.argument("flag_id", metavar="ID", type=int)
@click.option("--by", "by", required=True, help="Who acknowledges (shown on the card).")
@pass_app
def flag_ack(app: CliApp, flag_id: int, by: str) -> None:
    """Acknowledge flag ID."""

    async def act() -> ActionResult:
        async with _service(app) as service:
            return await service.flags.acknowledge(flag_id, Nurse(by))

    _report(app, run(act()))


@flag.command("resolve")
@click.argument("flag_id", metavar="ID", type=int)
@click.option("--by", "by", required=True, help="Who resolves (shown on the card).")
@click.option("--outcome", type=click.Choice(list(OUTCOMES)), default=None,
              help="fine = called patient, fine; ed = advised emergency department; "
                   "clinic = booked clinic review.")  # fmt: skip
@click.option("--note", default=None, help="A short note (at most 500 characters).")
@pass_app
def flag_resolve(app: CliApp, flag_id: int, by: str, outcome: str | None, note: str | None) -> None:
    """Resolve flag ID with an outcome, a note, or both."""
    if outcome is None and not (note and note.strip()):
        raise CliError("give --outcome or --note (or both)")

    async def act() -> ActionResult:
        async with _service(app) as service:
            return await service.flags.resolve(flag_id, Nurse(by), outcome=outcome, note=note)

    _report(app, run(act()))


@flag.command("resolve-recovered")
@click.option("--by", "by", required=True, help="Who resolves (shown on the cards).")
@click.option("--note", default=None, help="A short note added to each (at most 500 characters).")
@pass_app
def flag_resolve_recovered(app: CliApp, by: str, note: str | None) -> None:
    """Resolve every flag whose answer has since recovered (e.g. leg pain 2 since day 28)."""

    async def act() -> ActionResult:
        async with _service(app) as service:
            return await service.flags.resolve_recovered(Nurse(by), note)

    _report(app, run(act()))


@click.group()
def checkin() -> None:
    """Check-ins outside their schedule."""


@checkin.command("now")
@click.option("--ref", required=True, help="The patient's study code.")
@click.option("--by", "by", default="cli", show_default=True, help="Who asks (for the audit).")
@pass_app
def checkin_now(app: CliApp, ref: str, by: str) -> None:
    """Send the patient's next check-in now (the running bot sends it within a tick)."""

    async def act() -> ActionResult:
        async with _service(app) as service:
            return await service.send_checkin_now(Nurse(by), ref)

    result = run(act())
    if not result.ok:
        raise CliError(result.message, EXIT_FAILED)
    click.echo(result.message)


def _set_paused(app: CliApp, ref: str, by: str, *, pause: bool) -> None:
    async def act() -> ActionResult:
        async with _service(app) as service:
            return await service.set_paused(Nurse(by), ref, pause=pause)

    result = run(act())
    if not result.ok:
        raise CliError(result.message, EXIT_FAILED)
    click.echo(result.message)


@click.command("pause")
@click.argument("ref")
@click.option("--by", "by", default="cli", show_default=True, help="Who pauses (for the audit).")
@pass_app
def patient_pause(app: CliApp, ref: str, by: str) -> None:
    """Pause the patient's check-ins: none are sent, and no reminders, until resumed."""
    _set_paused(app, ref, by, pause=True)


@click.command("resume")
@click.argument("ref")
@click.option("--by", "by", default="cli", show_default=True, help="Who resumes (for the audit).")
@pass_app
def patient_resume(app: CliApp, ref: str, by: str) -> None:
    """Resume the patient's check-ins: the current one goes out if its window is open."""
    _set_paused(app, ref, by, pause=False)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_app
def report(app: CliApp, as_json: bool) -> None:
    """Recovery by time point (medians, response rates, MIC), open flags, and each patient."""

    async def build() -> tuple[str, dict[str, Any]]:
        async with _service(app) as service:
            found = await service.report()
        zone = ZoneInfo(app.settings.default_timezone)
        today = app.clock.now().astimezone(zone).date()
        text = cohort_text(found.survey, found.cohort, found.patients, today)
        return text, cohort_json(found.cohort, found.patients)

    text, data = run(build())
    click.echo(json.dumps(data, ensure_ascii=False, indent=2) if as_json else text)
