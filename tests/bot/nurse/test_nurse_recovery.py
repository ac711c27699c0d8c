"""Recovery against baseline and the cohort summary: pure functions over records."""

from __future__ import annotations

from typing import Any

import pytest

from bot.nurse.recovery import (
    DEFAULT_MIC,
    Change,
    Measures,
    Mic,
    cohort_summary,
    measures_of,
    mic_of,
    mic_reached,
    trajectory,
)
from surveys.loader import load_default_survey
from surveys.model import Survey
from surveys.rules import RuleContext, evaluate_rules
from tests.bot.nurse.nurse_builders import checkin, flag, walk

SURVEY = load_default_survey()


@pytest.mark.parametrize(
    ("baseline", "value", "reached"),
    [
        (8, 6, True),  # improved exactly 2 points
        (8, 7, False),  # 1 point, 12.5%
        (3, 2, True),  # 1 point but 33%
        (10, 7, True),  # 3 points (30% too)
        (10, 8, True),  # 2 points, 20%
        (10, 9, False),
        (5, 4, False),  # 20%
        (4, 3, False),  # 25%
        (1, 0, True),  # 100%
        (5, 5, False),
        (5, 7, False),  # worse
        (0, 0, None),  # nothing to improve
        (0, 3, False),  # no pain before, some now
    ],
)
def test_minimal_important_change_is_2_points_or_30_percent(
    baseline: int, value: int, reached: bool | None
) -> None:
    assert mic_reached(baseline, value, DEFAULT_MIC) is reached


@pytest.mark.parametrize(("baseline", "value"), [(b, v) for b in range(11) for v in range(11)])
def test_report_agrees_with_the_day_90_flag_rule(baseline: int, value: int) -> None:
    context = RuleContext("late", 90, {"leg_pain": value}, baseline={"leg_pain": baseline})
    fired = "info_leg_pain_mic_not_reached" in [h.rule_id for h in evaluate_rules(SURVEY, context)]
    reached = mic_reached(baseline, value, mic_of(SURVEY))
    assert fired is (reached is False)


def test_mic_thresholds_come_from_the_survey_rule() -> None:
    assert mic_of(SURVEY) == Mic(points=2, fraction=0.3)
    assert mic_of(SURVEY, "back_pain") == DEFAULT_MIC  # no rule: the published default


@pytest.mark.parametrize(
    ("answers", "measures"),
    [
        (
            {"leg_pain": 8, "back_pain": 6, "numbness_before": True, "walking": walk("m50_100")},
            Measures(8, 6, "present", "m50_100", None),
        ),
        ({"numbness_before": False}, Measures(numbness="none")),
        (
            {"leg_pain": 3, "numbness": "better", "pgic": "much_improved",
             "walking": walk("no_limit")},
            Measures(3, None, "better", "no_limit", "much_improved"),
        ),
        ({"leg_pain": None, "walking": None, "note": "hello"}, Measures()),
        ({"leg_pain": True}, Measures()),  # never read a bool as a score
    ],
)  # fmt: skip
def test_measures_are_read_from_baseline_and_follow_up_answers(
    answers: dict[str, Any], measures: Measures
) -> None:
    assert measures_of(answers) == measures


def _patient(survey: Survey, ref: str, days: dict[int | None, tuple[str, dict[str, Any]]]) -> Any:
    checkins, answers = [], {}
    for i, (day, (status, given)) in enumerate(days.items(), start=1):
        checkins.append(checkin(i, day, status))
        if status == "completed":
            answers[i] = given
    return trajectory(survey, ref, checkins, answers)


def test_trajectory_orders_points_and_compares_with_baseline() -> None:
    t = _patient(SURVEY, "P-001", {
        7: ("completed", {"leg_pain": 2, "back_pain": 5, "walking": walk("m500_1000")}),
        None: ("completed", {"leg_pain": 8, "back_pain": 4, "walking": walk("under_50")}),
        1: ("completed", {"leg_pain": 6, "back_pain": 6, "walking": walk("under_50")}),
        3: ("missed", {}),
        14: ("scheduled", {}),
        28: ("cancelled", {}),
    })  # fmt: skip
    assert [(p.day, p.status) for p in t.points] == [
        (None, "completed"), (1, "completed"), (3, "missed"), (7, "completed"), (14, "scheduled"),
    ]  # fmt: skip
    assert t.baseline == Measures(8, 4, None, "under_50", None)
    assert [p.day for p in t.answered] == [1, 7]
    latest = t.latest
    assert latest is not None and latest.day == 7
    assert t.pain_change(latest, "leg_pain") == Change(2, 8, -6, True)
    assert t.pain_change(latest, "back_pain") == Change(5, 4, 1, False)
    assert t.walking_change(latest) == 3
    assert t.walking_change(t.points[1]) == 0


def test_trajectory_without_baseline_has_no_change() -> None:
    t = _patient(SURVEY, "P-002", {None: ("missed", {}), 1: ("completed", {"leg_pain": 5})})
    assert t.baseline is None
    assert t.latest is not None
    assert t.pain_change(t.latest, "leg_pain") is None
    assert t.walking_change(t.latest) is None


def test_cohort_medians_response_rates_and_open_flags() -> None:
    patients = [
        _patient(SURVEY, "A", {
            None: ("completed", {"leg_pain": 8, "walking": walk("under_50")}),
            1: ("completed", {"leg_pain": 6, "back_pain": 3, "walking": walk("under_50")}),
            3: ("completed", {"leg_pain": 5, "walking": walk("m100_500")}),
        }),
        _patient(SURVEY, "B", {
            None: ("completed", {"leg_pain": 6, "walking": walk("m50_100")}),
            1: ("missed", {}),
            3: ("completed", {"leg_pain": 2, "walking": walk("over_1000")}),
        }),
        _patient(SURVEY, "C", {
            None: ("completed", {"leg_pain": 9, "walking": walk("cannot_walk")}),
            1: ("completed", {"leg_pain": 9, "back_pain": 8, "walking": walk("cannot_walk")}),
            3: ("in_progress", {}),
        }),
    ]  # fmt: skip
    flags = [flag(1, level="red"), flag(2, level="amber", status="acknowledged"),
             flag(3, level="amber", status="resolved"), flag(4, level="info")]  # fmt: skip
    summary = cohort_summary(SURVEY, patients, flags)
    by_id = {p.spec_id: p for p in summary.time_points}
    assert summary.patients == 3
    assert summary.open_flags == {"red": 1, "amber": 1, "info": 1}

    baseline = by_id["baseline"]
    assert (baseline.day, baseline.answered, baseline.due, baseline.response_rate) == (
        None, 3, 3, 1.0,
    )  # fmt: skip
    assert baseline.median_leg_pain == 8
    assert baseline.median_walking == "under_50"  # ranks 0, 1, 2 → 1
    assert (baseline.mic_reached, baseline.mic_assessed) == (0, 0)  # no MIC before surgery

    day_1 = by_id["day_1"]
    assert (day_1.answered, day_1.due, day_1.pending) == (2, 3, 0)
    assert day_1.response_rate == pytest.approx(2 / 3)
    assert day_1.median_leg_pain == 7.5
    assert day_1.median_back_pain == 5.5
    assert day_1.median_walking == "cannot_walk"  # ranks 0 and 1: the lower median
    assert (day_1.mic_reached, day_1.mic_assessed) == (1, 2)  # A 8→6 yes, C 9→9 no

    day_3 = by_id["day_3"]
    assert (day_3.answered, day_3.due, day_3.pending, day_3.response_rate) == (2, 2, 1, 1.0)
    assert day_3.median_leg_pain == 3.5
    assert day_3.median_walking == "m100_500"  # ranks 3 and 5

    day_7 = by_id["day_7"]
    assert (day_7.answered, day_7.due, day_7.response_rate, day_7.median_leg_pain) == (
        0, 0, None, None,
    )  # fmt: skip
    assert [p.spec_id for p in summary.time_points] == [s.id for s in SURVEY.schedule.checkins]
