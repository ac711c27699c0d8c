"""The patient's progress in the conversation: a line after each check-in, the summary and
chart at milestones, on /progress and at the end, and the programme's closing words."""

from __future__ import annotations

from bot.services.conversation._core import Chat, Context, Core
from bot.services.progress import (
    P,
    Progress,
    comparison_text,
    milestone_of,
    patient_chart,
    progress_of,
    summary_text,
)
from bot.services.replies import Reply
from storage.checkins import checkins_for_enrolment
from storage.flags import list_flags
from storage.progress import completed_answers
from storage.records import CheckinRecord

__all__ = ["ProgressReport"]

CONCERN_LEVELS = ("red", "amber")


class ProgressReport:
    def __init__(self, core: Core) -> None:
        self.core = core

    async def load(self, ctx: Context) -> Progress:
        checkins = await checkins_for_enrolment(ctx.session, ctx.enrolment.id)
        return progress_of(checkins, await completed_answers(ctx.session, ctx.enrolment.id))

    async def after_checkin(
        self, ctx: Context, reply: Reply, checkin: CheckinRecord, *, last: bool
    ) -> None:
        """What follows the thanks for a completed follow-up: the closing words after the
        last one, the summary and chart at a milestone, else one comparison line."""
        if checkin.day is None:
            return
        progress = await self.load(ctx)
        concern = await self.concern(ctx, checkin)
        if last:
            self.summary(ctx, reply, progress, P.closing.get(ctx.language), concern=concern)
            reply.say(P.thank_you.format(ctx.language, phone=self.core.phone(ctx.language)))
            return
        milestone = milestone_of(checkin.day)
        if milestone is not None:
            heading = P.milestone.format(ctx.language, time=milestone.get(ctx.language))
            self.summary(ctx, reply, progress, heading, concern=concern)
            return
        line = comparison_text(
            self.core.survey, progress, ctx.language, today=True, concern=concern
        )
        if line is not None:
            reply.say(line)

    async def concern(self, ctx: Context, checkin: CheckinRecord) -> bool:
        """Whether the check-in raised a red or amber flag still open (its message said
        what happens next; no verdict is added to it)."""
        flags = await list_flags(ctx.session, levels=CONCERN_LEVELS, patient_id=ctx.patient.id)
        return any(flag.checkin_id == checkin.id for flag in flags)

    def summary(
        self, ctx: Context, reply: Reply, progress: Progress, heading: str | None = None,
        *, concern: bool = False,
    ) -> None:  # fmt: skip
        """The summary over all check-ins so far, then the chart when one can be drawn."""
        survey, language = self.core.survey, ctx.language
        text = summary_text(survey, progress, language, concern=concern)
        reply.say(f"{heading}\n\n{text}" if heading else text)
        chart = patient_chart(survey, progress, language)
        if chart is not None:
            reply.show(chart, P.chart_caption.get(language))

    async def command(self, chat: Chat) -> Reply:
        """``/progress``: the summary over all check-ins so far, with the chart."""

        async def show(ctx: Context, reply: Reply) -> None:
            self.summary(ctx, reply, await self.load(ctx))

        return await self.core.with_patient(chat, show, allow_paused=True)

    def ended(self, ctx: Context, reply: Reply) -> None:
        """Nothing is due any more: the follow-up has ended; how to reach the ward."""
        reply.say(P.ended.format(ctx.language, phone=self.core.phone(ctx.language)))
