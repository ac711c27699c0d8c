"""``followup extend``: a nurse extends a patient's follow-up with check-ins on later days."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import click

from bot.cli.root import CliApp, CliError, configured_survey, open_database, pass_app, run
from bot.services.enrolment import EnrolmentError
from bot.services.extension import MAX_DAY, Extended, extend_follow_up

__all__ = ["extend"]


class _Days(click.ParamType[tuple[int, ...]]):
    name = "DAYS"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[int, ...]:
        if isinstance(value, tuple):
            return value
        try:
            days = tuple(int(part) for part in str(value).replace(" ", "").split(",") if part)
        except ValueError:
            self.fail(f"{value!r} is not a list of days like 545,730", param, ctx)
        if not days or any(not 1 <= day <= MAX_DAY for day in days):
            self.fail(f"days after surgery must be from 1 to {MAX_DAY}", param, ctx)
        return days


@click.command()
@click.argument("ref")
@click.option(
    "--days", required=True, type=_Days(),
    help="Days after surgery of the new check-ins, comma-separated (e.g. 545,730).",
)  # fmt: skip
@pass_app
def extend(app: CliApp, ref: str, days: tuple[int, ...]) -> None:
    """Extend a patient's follow-up with check-ins on later days after surgery."""
    survey = configured_survey(app.settings)

    async def add() -> Extended:
        async with open_database(app.settings) as sessions:
            return await extend_follow_up(sessions, survey, app.clock, ref, days, "cli")

    try:
        done = run(add())
    except EnrolmentError as exc:
        raise CliError(str(exc)) from None
    zone = ZoneInfo(done.timezone)
    planned = ", ".join(
        f"day {c.day} on {c.due_at.astimezone(zone):%Y-%m-%d %H:%M}" for c in done.added
    )
    count = len(done.added)
    click.echo(
        f"Follow-up of {done.ref} extended: {count} check-in{'' if count == 1 else 's'} added"
        + (f" ({planned})." if planned else ".")
    )
    if done.already:
        click.echo("Already planned, left as they are: " + _days(done.already) + ".")
    if done.over:
        click.echo("Not planned, their time is over: " + _days(done.over) + ".")


def _days(days: tuple[int, ...]) -> str:
    return ", ".join(f"day {day}" for day in days)
