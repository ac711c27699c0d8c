"""The patient's own progress: plain-words comparisons with before surgery, and a chart."""

from __future__ import annotations

from bot.services.progress.chart import PatientChart, build_figure, patient_chart
from bot.services.progress.fonts import cjk_family, families_for
from bot.services.progress.summary import (
    MILESTONES,
    Progress,
    Verdict,
    comparison_text,
    milestone_of,
    progress_of,
    summary_text,
    verdict,
    walking_label,
)
from bot.services.progress.texts import P

__all__ = [
    "MILESTONES",
    "P",
    "PatientChart",
    "Progress",
    "Verdict",
    "build_figure",
    "cjk_family",
    "comparison_text",
    "families_for",
    "milestone_of",
    "patient_chart",
    "progress_of",
    "summary_text",
    "verdict",
    "walking_label",
]
