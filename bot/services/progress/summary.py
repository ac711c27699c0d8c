"""A patient's own progress in plain words: today against before surgery, and every check-in.

Pure functions over check-ins and their answers: no I/O, no clock. Pain counts as better
when it fell by the survey's minimal important change (the thresholds of its
``mic_not_reached`` rule, 2 points or 30% by default) and as worse when it rose by as many
points, so a one-point wobble is neither; walking compares distance bands, never metres.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from bot.nurse.recovery import Measures, measures_of, mic_of, mic_reached
from bot.services.progress.texts import P
from storage.records import CheckinRecord
from surveys.model import Language, Survey, Text

__all__ = [
    "MILESTONES",
    "Progress",
    "Verdict",
    "comparison_text",
    "milestone_of",
    "progress_of",
    "summary_text",
    "verdict",
    "walking_label",
]

MILESTONES: Mapping[int, Text] = {42: P.six_weeks, 90: P.three_months, 365: P.one_year}
"""Days after surgery whose check-in brings the summary and the chart (6 weeks, 3 months,
1 year)."""

SLOW_START_UNTIL_DAY = 90
"""Before this day, no clear change is met with "recovery is often slow at first"."""

Verdict = Literal["better", "worse", "slow_start", "none"]


@dataclass(frozen=True)
class Progress:
    """The baseline (before surgery) and each answered follow-up by day, in time order."""

    baseline: Measures | None
    follow_ups: tuple[tuple[int, Measures], ...]

    @property
    def latest(self) -> tuple[int, Measures] | None:
        return self.follow_ups[-1] if self.follow_ups else None


def progress_of(
    checkins: Iterable[CheckinRecord], answers: Mapping[int, Mapping[str, Any]]
) -> Progress:
    """Read a patient's progress from their check-ins; ``answers`` maps completed ones' ids."""
    ordered = sorted(checkins, key=lambda c: (c.day is not None, c.day or 0, c.due_at, c.id))
    baseline: Measures | None = None
    follow_ups: list[tuple[int, Measures]] = []
    for checkin in ordered:
        if checkin.status != "completed":
            continue
        measures = measures_of(answers.get(checkin.id, {}))
        if checkin.day is None:
            baseline = measures
        else:
            follow_ups.append((checkin.day, measures))
    return Progress(baseline, tuple(follow_ups))


def milestone_of(day: int | None) -> Text | None:
    """The milestone a check-in on ``day`` marks ("6 weeks"…), if any."""
    return MILESTONES.get(day) if day is not None else None


def walking_label(survey: Survey, category: str, language: Language) -> str:
    """A walking band as it reads inside a sentence ("less than 50 m", "500 m – 1 km")."""
    found = next((c for c in survey.distance_categories if c.id == category), None)
    if found is None:
        return category
    label = found.label.get(language)
    if language == "en" and len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


def _rank(survey: Survey, category: str | None) -> int | None:
    ids = [c.id for c in survey.distance_categories]
    return ids.index(category) if category in ids else None


def _pain_change(survey: Survey, item: str, before: int, now: int) -> int:
    """+1 better, -1 worse, 0 about the same."""
    mic = mic_of(survey, item)
    if mic_reached(before, now, mic):
        return 1
    return -1 if now - before >= mic.points else 0


def verdict(survey: Survey, baseline: Measures, now: Measures, day: int) -> Verdict:
    """How ``now`` compares with before surgery, as the patient is told it."""
    changes = []
    for item in ("leg_pain", "back_pain"):
        before, value = getattr(baseline, item), getattr(now, item)
        if before is not None and value is not None:
            changes.append(_pain_change(survey, item, before, value))
    walked_before, walks = _rank(survey, baseline.walking), _rank(survey, now.walking)
    if walked_before is not None and walks is not None:
        changes.append((walks > walked_before) - (walks < walked_before))
    if -1 in changes:
        return "worse"
    if 1 in changes:
        return "better"
    return "slow_start" if day < SLOW_START_UNTIL_DAY else "none"


VERDICTS: Mapping[Verdict, Text] = {"better": P.better, "worse": P.worse,
                                    "slow_start": P.slow_start}  # fmt: skip


def comparison_text(
    survey: Survey, progress: Progress, language: Language, *, today: bool, concern: bool = False
) -> str | None:
    """The latest check-in against before surgery, or None when there is nothing to compare.

    ``today``: the check-in was just answered. ``concern``: it raised a red or amber flag,
    whose own message already says what happens next, so no verdict is added.
    """
    latest = progress.latest
    base = progress.baseline
    if latest is None or base is None:
        return None
    day, now = latest
    when = (" today" if today else "") if language == "en" else ("今天" if today else "")
    lines = []
    for item, text in (("leg_pain", P.leg_today), ("back_pain", P.back_today)):
        before, value = getattr(base, item), getattr(now, item)
        if before is not None and value is not None:
            lines.append(text.format(language, value=value, baseline=before, when=when))
    if base.walking is not None and now.walking is not None:
        lines.append(
            P.walking_today.format(
                language, when=when, value=walking_label(survey, now.walking, language),
                baseline=walking_label(survey, base.walking, language),
            )
        )  # fmt: skip
    if not lines:
        return None
    heading = P.compare_heading if today else P.compare_latest_heading
    lines.insert(0, heading.format(language, day=day))
    said = verdict(survey, base, now, day)
    if not concern and said in VERDICTS:
        lines.append(VERDICTS[said].get(language))
    return "\n".join(lines)


def _measures_text(survey: Survey, measures: Measures, language: Language) -> str | None:
    parts = []
    if measures.leg_pain is not None:
        parts.append(P.leg_part.format(language, value=measures.leg_pain))
    if measures.back_pain is not None:
        parts.append(P.back_part.format(language, value=measures.back_pain))
    if measures.walking is not None:
        parts.append(
            P.walking_part.format(language, value=walking_label(survey, measures.walking, language))
        )
    if not parts:
        return None
    return (", " if language == "en" else "，").join(parts)


def summary_text(
    survey: Survey, progress: Progress, language: Language, *, concern: bool = False
) -> str:
    """Every answered check-in in one line each, then the latest against before surgery
    (``concern``: as in :func:`comparison_text`)."""
    if not progress.follow_ups:
        return P.nothing_yet.get(language)
    rows = [P.summary_heading.get(language)]
    if progress.baseline is not None:
        shown = _measures_text(survey, progress.baseline, language)
        if shown is not None:
            rows.append(P.before_row.format(language, measures=shown))
    for day, measures in progress.follow_ups:
        shown = _measures_text(survey, measures, language)
        if shown is not None:
            rows.append(P.day_row.format(language, day=day, measures=shown))
    rows.append(P.pain_scale.get(language))
    comparison = comparison_text(survey, progress, language, today=False, concern=concern)
    return "\n".join(rows) + (f"\n\n{comparison}" if comparison else "")
