"""Flag rule boundaries of the default survey, reached through the engine.

Each answer is given the way a patient gives it: a button's value, or typed in English or
Chinese. Whatever the route, the same boundary decides: pain 7 flags and 6 does not; a rise
of exactly 3 flags; walking down 2 categories flags and down 1 does not; walking below the
pre-op baseline flags from day 28, not on day 27.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pytest

from surveys.engine import Accepted, Completed, advance, current_step
from surveys.loader import load_default_survey
from surveys.model import AnswerValue
from surveys.rules import RuleContext, evaluate_rules

SURVEY = load_default_survey()
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
# Answers that raise nothing, for the questions a case does not care about (None = Skip).
QUIET: Mapping[str, str | None] = {
    "leg_pain": "0", "back_pain": "0", "numbness": "none", "numbness_where": "left_leg",
    "numbness_before": "no",
    "walking": "no_limit", "pgic": "much_improved", "red_flags": "none", "note": None,
}  # fmt: skip


def fill(form_id: str, raws: Mapping[str, str | None]) -> dict[str, AnswerValue]:
    """Answer a whole form through the engine, question by question, as typed or tapped."""
    form = SURVEY.form(form_id)
    answers: dict[str, AnswerValue] = {}
    while not isinstance(step := current_step(form, answers), Completed):
        question = step.question.id
        raw = raws[question] if question in raws else QUIET[question]
        result = advance(SURVEY, form, answers, question, raw, NOW)
        assert isinstance(result, Accepted), (question, raw, result)
        answers[question] = result.value
    return step.answers


def fired(
    answers: dict[str, AnswerValue],
    *,
    day: int = 7,
    previous: dict[str, AnswerValue] | None = None,
    baseline: dict[str, AnswerValue] | None = None,
) -> set[str]:
    form = "late" if day >= 90 else "early"
    context = RuleContext(form, day, answers, previous or {}, baseline or {})
    return {hit.rule_id for hit in evaluate_rules(SURVEY, context)}


@pytest.mark.parametrize("question", ["leg_pain", "back_pain"])
@pytest.mark.parametrize(
    ("raw", "flags"),
    [
        ("7", True),  # button
        ("6", False),
        ("7/10", True),  # typed, English
        ("seven", True),
        ("6 out of 10", False),
        ("七", True),  # typed, Chinese
        ("7分", True),
        ("六分", False),
        ("10", True),
    ],
)
def test_pain_of_7_or_more_is_amber(question: str, raw: str, flags: bool) -> None:
    rule = "amber_leg_pain_high" if question == "leg_pain" else "amber_back_pain_high"
    assert (rule in fired(fill("early", {question: raw}))) is flags


@pytest.mark.parametrize("question", ["leg_pain", "back_pain"])
@pytest.mark.parametrize(
    ("before", "now", "flags"),
    [
        ("2", "5", True),  # up exactly 3, buttons
        ("2", "4", False),  # up 2
        ("two", "five", True),  # typed, English
        ("二", "五", True),  # typed, Chinese
        ("2分", "4分", False),
        ("6", "3", False),  # down 3 is better, not a rise
    ],
)
def test_a_rise_of_exactly_3_points_is_amber(
    question: str, before: str, now: str, flags: bool
) -> None:
    rule = "amber_leg_pain_rise" if question == "leg_pain" else "amber_back_pain_rise"
    previous = fill("early", {question: before})
    assert (rule in fired(fill("early", {question: now}), previous=previous)) is flags


@pytest.mark.parametrize(
    ("before", "now", "flags"),
    [
        ("m100_500", "under_50", True),  # buttons: down 2 categories
        ("m100_500", "m50_100", False),  # down 1
        ("100 m", "49 m", True),  # typed at the metre boundaries
        ("100 m", "50 m", False),
        ("300米", "四十米", True),  # typed, Chinese
        ("300米", "80米", False),
        ("half a mile", "cannot walk", True),  # 805 m (500 m – 1 km) to 0 m: down 4
        ("no limit", "两公里", False),  # no limit to > 1 km: down 1
    ],
)
def test_walking_down_2_categories_is_amber(before: str, now: str, flags: bool) -> None:
    previous = fill("early", {"walking": before})
    assert ("amber_walking_drop" in fired(fill("early", {"walking": now}),
                                          previous=previous)) is flags  # fmt: skip


@pytest.mark.parametrize(
    ("day", "now", "flags"),
    [
        (28, "m50_100", True),  # a category below the pre-op baseline, from day 28
        (27, "m50_100", False),  # not yet
        (28, "80 m", True),
        (27, "80米", False),
        (28, "300米", False),  # the same category as before surgery
        (28, "100 m", False),
        (90, "99 m", True),
    ],
)
def test_walking_below_baseline_counts_from_day_28(day: int, now: str, flags: bool) -> None:
    baseline = fill("baseline", {"walking": "200 m"})  # 100–500 m before surgery
    form = "late" if day >= 90 else "early"
    answers = fill(form, {"walking": now})
    assert ("amber_walking_below_baseline" in fired(answers, day=day,
                                                    baseline=baseline)) is flags  # fmt: skip


@pytest.mark.parametrize(
    ("raws", "rules"),
    [
        ({"red_flags": "fever"}, {"red_fever"}),
        ({"red_flags": "Fever of 38 °C or more, or chills"}, {"red_fever"}),
        ({"red_flags": "发烧38 °C或以上，或发冷打寒战"}, {"red_fever"}),
        ({"red_flags": "以上都没有"}, set()),
        ({"numbness": "worse"}, {"amber_numbness_worse"}),
        ({"numbness": "更重了", "numbness_where": "saddle"},
         {"amber_numbness_worse", "red_saddle_numbness"}),
        ({"numbness": "same", "numbness_where": "left_leg"}, set()),
    ],
)  # fmt: skip
def test_choices_typed_in_either_language_match_their_button(
    raws: dict[str, str], rules: set[str]
) -> None:
    assert fired(fill("early", raws)) == rules


def test_the_quiet_answers_raise_nothing() -> None:
    for form, day in (("early", 1), ("early", 42), ("late", 90), ("late", 365)):
        answers = fill(form, {})
        assert fired(answers, day=day, previous=answers, baseline=fill("baseline", {})) == set()
