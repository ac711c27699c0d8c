"""What a patient is told about their progress: exact words, both languages, honest verdicts."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.nurse.recovery import Measures
from bot.services.progress import (
    Progress,
    comparison_text,
    milestone_of,
    progress_of,
    summary_text,
    verdict,
)
from storage.records import CheckinRecord
from surveys.loader import load_default_survey

SURVEY = load_default_survey()
BEFORE = Measures(leg_pain=8, back_pain=6, walking="under_50")


def m(leg: int | None, back: int | None, walking: str | None) -> Measures:
    return Measures(leg_pain=leg, back_pain=back, walking=walking)


@pytest.mark.parametrize(
    ("now", "day", "expected"),
    [
        (m(6, 4, "under_50"), 7, "better"),  # leg pain down 2 points: the minimal change
        (m(7, 6, "m50_100"), 7, "better"),  # one band further
        (m(7, 5, "under_50"), 7, "slow_start"),  # a one-point wobble is no change
        (m(7, 5, "under_50"), 90, "none"),  # no "slow at first" from 3 months on
        (m(8, 8, "under_50"), 7, "worse"),  # back pain up 2
        (m(2, 2, "cannot_walk"), 42, "worse"),  # walking worse outweighs less pain
        (m(None, None, None), 7, "slow_start"),  # nothing to compare
    ],
)
def test_verdict_needs_a_real_change(now: Measures, day: int, expected: str) -> None:
    assert verdict(SURVEY, BEFORE, now, day) == expected


def test_line_after_a_check_in_in_english() -> None:
    progress = Progress(BEFORE, ((1, m(3, 2, "m500_1000")),))
    assert comparison_text(SURVEY, progress, "en", today=True) == (
        "Compared with before surgery:\n"
        "Leg pain today 3 — before surgery 8.\n"
        "Back pain today 2 — before surgery 6.\n"
        "Walking today 500 m – 1 km — before surgery less than 50 m.\n"
        "That is better than before surgery."
    )


def test_worse_line_in_chinese_says_the_team_will_look() -> None:
    progress = Progress(BEFORE, ((3, m(8, 9, "cannot_walk")),))
    assert comparison_text(SURVEY, progress, "zh-Hans", today=True) == (
        "和手术前比：\n"
        "腿痛：今天8分，手术前8分。\n"
        "腰背痛：今天9分，手术前6分。\n"
        "走路：今天不能走路，手术前不到50米。\n"
        "有的情况比手术前差。团队会查看。"
    )


def test_a_flagged_check_in_gets_the_numbers_without_a_verdict() -> None:
    progress = Progress(BEFORE, ((3, m(9, 6, "under_50")),))
    text = comparison_text(SURVEY, progress, "en", today=True, concern=True)
    assert text is not None
    assert text.splitlines()[-1] == "Walking today less than 50 m — before surgery less than 50 m."


def test_skipped_answers_and_a_missing_baseline() -> None:
    assert comparison_text(SURVEY, Progress(None, ((1, m(3, 2, None)),)), "en", today=True) is None
    partial = Progress(m(8, None, None), ((1, m(3, 2, None)),))
    assert comparison_text(SURVEY, partial, "en", today=True) == (
        "Compared with before surgery:\nLeg pain today 3 — before surgery 8.\n"
        "That is better than before surgery."
    )


def test_summary_lists_every_answered_check_in() -> None:
    progress = Progress(BEFORE, ((1, m(6, 5, "under_50")), (42, m(3, None, "m100_500"))))
    assert summary_text(SURVEY, progress, "en") == (
        "Your answers so far:\n"
        "Before surgery: leg pain 8, back pain 6, walking less than 50 m.\n"
        "Day 1: leg pain 6, back pain 5, walking less than 50 m.\n"
        "Day 42: leg pain 3, walking 100–500 m.\n"
        "Pain: 0 = no pain, 10 = worst pain.\n"
        "\n"
        "Your last check-in (day 42) compared with before surgery:\n"
        "Leg pain 3 — before surgery 8.\n"
        "Walking 100–500 m — before surgery less than 50 m.\n"
        "That is better than before surgery."
    )
    assert summary_text(SURVEY, progress, "zh-Hans").splitlines()[:4] == [
        "您到现在的回答：",
        "手术前：腿痛8分，腰背痛6分，走路不到50米。",
        "术后第1天：腿痛6分，腰背痛5分，走路不到50米。",
        "术后第42天：腿痛3分，走路100到500米。",
    ]


def test_summary_before_the_first_follow_up() -> None:
    assert summary_text(SURVEY, Progress(BEFORE, ()), "zh-Hans") == (
        "手术后您还没有完成随访。完成第一次随访后，这里会显示您的恢复情况。"
    )


@pytest.mark.parametrize("language", ["en", "zh-Hans"])
def test_no_jargon_reaches_the_patient(language: str) -> None:
    progress = Progress(BEFORE, ((90, m(9, 9, "cannot_walk")), (180, m(1, 1, "no_limit"))))
    text = summary_text(SURVEY, progress, language)  # type: ignore[arg-type]
    for word in ("PGIC", "MCID", "MIC", "category", "NRS", "baseline"):
        assert word not in text


def test_milestones_are_six_weeks_three_months_and_a_year() -> None:
    named = {day: milestone_of(day) for day in (1, 28, 42, 90, 180, 365, None)}
    shown = {d: t.en for d, t in named.items() if t}
    assert shown == {42: "6 weeks", 90: "3 months", 365: "1 year"}


def checkin(id_: int, day: int | None, status: str) -> CheckinRecord:
    due = dt.datetime(2026, 3, 2, tzinfo=dt.UTC) + dt.timedelta(days=day or 0)
    return CheckinRecord(
        id=id_, enrolment_id=1, spec_id=f"day_{day}", form="early", day=day, due_at=due,
        closes_at=due, reminder_times=(), status=status, position=None, draft=None,
        answered_by="patient", reminder_count=0, next_reminder_at=None, sent_at=None,
        started_at=None, completed_at=None, message_id=None, recalled=False,
    )  # fmt: skip


def test_progress_reads_completed_check_ins_in_day_order() -> None:
    checkins = [checkin(3, 7, "completed"), checkin(1, None, "completed"),
                checkin(2, 1, "missed"), checkin(4, 14, "scheduled")]  # fmt: skip
    answers = {
        1: {"leg_pain": 8, "walking": {"metres": 40, "category": "under_50"}},
        3: {"leg_pain": 4, "back_pain": 3},
    }
    progress = progress_of(checkins, answers)
    assert progress.baseline == m(8, None, "under_50")
    assert progress.follow_ups == ((7, m(4, 3, None)),)
