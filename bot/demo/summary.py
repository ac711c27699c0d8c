"""What the auto demo prints at the end: the cohort per time point and the flags raised.

The per-time-point numbers come from the nurses' cohort summary
(:func:`bot.nurse.recovery.cohort_summary`), so the demo shows what ``followup report``
would; this module only reads the stored check-ins and flags and lays out a short table.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.nurse.recovery import CohortSummary, cohort_summary, trajectory
from bot.nurse.summary import label, point_name
from bot.scheduling import MISSED_RULE, UNREACHABLE_RULE
from storage.answers import current_answers
from storage.audit import list_audit
from storage.checkins import checkins_for_enrolment
from storage.flags import list_flags
from storage.patients import list_patients
from surveys.model import Survey

__all__ = ["FLAG_LEVELS", "SYSTEM_RULES", "DemoSummary", "load_summary", "render_summary"]

FLAG_LEVELS: Final = ("red", "amber", "info")
_EVERY_STATUS: Final = ("open", "acknowledged", "resolved")
SYSTEM_RULES: Final = {
    MISSED_RULE: "Check-ins missed in a row",
    UNREACHABLE_RULE: "Patient cannot be reached (blocked the bot or chat gone)",
}
"""Flags the scheduler raises, which are not rules of the survey."""


@dataclass(frozen=True)
class DemoSummary:
    cohort: CohortSummary
    flags_raised: dict[str, int]
    """Every flag ever raised, by level, whatever its status now."""
    rules_raised: tuple[tuple[str, str, int], ...]
    """(level, rule id, count) of every flag ever raised, red first, then the most frequent."""
    nurse_messages: dict[str, int]
    """What the nurses' group received: ``cards``, ``escalations``, ``digests``."""
    completed_checkins: int

    @property
    def cards_per_100(self) -> float:
        """Cards the nurses received per 100 completed check-ins."""
        done = self.completed_checkins
        return 100 * self.nurse_messages["cards"] / done if done else 0.0


async def load_summary(sessions: async_sessionmaker[AsyncSession], survey: Survey) -> DemoSummary:
    async with sessions() as session:
        trajectories = []
        for patient, enrolment in await list_patients(session):
            if enrolment is None:
                continue
            checkins = await checkins_for_enrolment(session, enrolment.id)
            answers: dict[int, dict[str, Any]] = {
                c.id: await current_answers(session, c.id)
                for c in checkins
                if c.status == "completed"
            }
            trajectories.append(trajectory(survey, patient.ref, checkins, answers))
        flags = await list_flags(session, statuses=_EVERY_STATUS, limit=1_000_000)
        sent = {action: await list_audit(session, action=action, limit=1_000_000)
                for action in ("card.posted", "card.escalated", "digest.sent")}  # fmt: skip
    completed = sum(1 for t in trajectories for point in t.points if point.status == "completed")
    nurse_messages = {
        "cards": len(sent["card.posted"]),
        "escalations": len(sent["card.escalated"]),
        "digests": sum(1 for e in sent["digest.sent"] if e.detail.get("message")),
    }
    levels = Counter(flag.level for flag in flags)
    rules = Counter((flag.level, flag.rule_id) for flag in flags)
    rank = {level: index for index, level in enumerate(FLAG_LEVELS)}
    return DemoSummary(
        cohort=cohort_summary(survey, trajectories, flags),
        flags_raised={level: levels.get(level, 0) for level in FLAG_LEVELS},
        rules_raised=tuple(
            (level, rule, count)
            for (level, rule), count in sorted(
                rules.items(), key=lambda item: (rank.get(item[0][0], 9), -item[1], item[0][1])
            )
        ),
        nurse_messages=nurse_messages,
        completed_checkins=completed,
    )


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def render_summary(survey: Survey, summary: DemoSummary) -> str:
    """Response rate, median leg pain and walking per time point; flags raised by level."""
    cohort = summary.cohort
    header = f"{'Time point':<15} {'Answered':>9} {'Rate':>5} {'Leg pain':>9}  Walking (median)"
    lines = [header, "─" * len(header)]
    for point in cohort.time_points:
        rate = "–" if point.response_rate is None else f"{point.response_rate:.0%}"
        lines.append(
            f"{point_name(point.day):<15} {f'{point.answered}/{point.due}':>9} {rate:>5} "
            f"{_number(point.median_leg_pain):>9}  {label(survey, 'walking', point.median_walking)}"
        )
    raised = summary.flags_raised
    lines.append("")
    lines.append(
        "Flags raised: " + " · ".join(f"{level} {raised.get(level, 0)}" for level in FLAG_LEVELS)
    )
    sent = summary.nurse_messages
    lines.append(
        f"Nurses' group: {sent['cards']} cards ({summary.cards_per_100:.1f} per 100 completed "
        f"check-ins), {sent['escalations']} escalations, {sent['digests']} daily digests"
    )
    described = {rule.id: rule.description.en for rule in survey.rules} | SYSTEM_RULES
    for level, rule_id, count in summary.rules_raised:
        why = described.get(rule_id, rule_id.replace("_", " "))
        lines.append(f"  {level:<6}{count:>3} × {why}")
    return "\n".join(lines)
