"""Flag rules of the default survey: boundaries, comparisons, evidence."""

from __future__ import annotations

from pathlib import Path

import pytest
from survey_builders import put, text, write_definition

from surveys.loader import load_survey
from surveys.model import AnswerValue, Survey, Text
from surveys.rules import FlagHit, RuleContext, evaluate_rules


def _walk(category: str) -> dict[str, AnswerValue]:
    return {"metres": None, "category": category}


def _fired(
    survey: Survey,
    answers: dict[str, AnswerValue],
    *,
    day: int | None = 7,
    form: str = "early",
    previous: dict[str, AnswerValue] | None = None,
    baseline: dict[str, AnswerValue] | None = None,
) -> list[str]:
    context = RuleContext(form, day, answers, previous or {}, baseline or {})
    return [hit.rule_id for hit in evaluate_rules(survey, context)]


def _hit(survey: Survey, rule_id: str, context: RuleContext) -> FlagHit:
    return next(h for h in evaluate_rules(survey, context) if h.rule_id == rule_id)


@pytest.mark.parametrize(
    ("answers", "fired"),
    [
        ({"leg_pain": 7}, ["amber_leg_pain_high"]),
        ({"leg_pain": 6}, []),
        ({"leg_pain": 10, "back_pain": 7}, ["amber_leg_pain_high", "amber_back_pain_high"]),
        ({"back_pain": 6}, []),
        ({"numbness": "worse"}, ["amber_numbness_worse"]),
        ({"numbness": "same"}, []),
        ({"pgic": "much_worse"}, ["amber_pgic_worse"]),
        ({"pgic": "very_much_worse"}, ["amber_pgic_worse"]),
        ({"pgic": "a_little_worse"}, []),
        ({"note": "The wound itches"}, ["info_note"]),
        ({"note": None}, []),
        ({"red_flags": ["none"]}, []),
        ({}, []),
    ],
)
def test_answer_rules_fire_at_their_threshold(
    survey: Survey, answers: dict[str, AnswerValue], fired: list[str]
) -> None:
    assert _fired(survey, answers) == fired


@pytest.mark.parametrize(
    "item",
    ["bladder_bowel", "saddle_numbness", "leg_weakness", "fever", "wound", "headache", "calf",
     "chest"],
)  # fmt: skip
@pytest.mark.parametrize(("form", "day"), [("early", 1), ("late", 365)])
def test_each_red_flag_item_fires_its_own_red_rule(
    survey: Survey, item: str, form: str, day: int
) -> None:
    context = RuleContext(form, day, {"red_flags": [item]})
    assert [(h.rule_id, h.level) for h in evaluate_rules(survey, context)] == [
        (f"red_{item}", "red")
    ]


def test_several_red_flag_items_fire_several_rules(survey: Survey) -> None:
    assert _fired(survey, {"red_flags": ["fever", "wound", "calf"]}) == [
        "red_fever",
        "red_wound",
        "red_calf",
    ]


def test_red_flag_evidence_names_the_item(survey: Survey) -> None:
    hit = _hit(survey, "red_fever", RuleContext("early", 3, {"red_flags": ["fever", "wound"]}))
    assert hit.level == "red"
    assert hit.description == Text(
        "Red flag: fever of 38 °C or more, or chills", "红色警报：发烧38 °C或以上，或寒战"
    )
    assert hit.evidence == {
        "form": "early",
        "question": "red_flags",
        "value": ["fever", "wound"],
        "day_post_op": 3,
        "matched": ["fever"],
    }


def test_saddle_numbness_from_where_is_red(survey: Survey) -> None:
    answers: dict[str, AnswerValue] = {"numbness": "same", "numbness_where": ["left_leg", "saddle"]}
    hit = _hit(survey, "red_saddle_numbness", RuleContext("early", 7, answers))
    assert hit.level == "red"
    assert hit.evidence["question"] == "numbness_where"
    assert hit.evidence["matched"] == ["saddle"]


def test_answers_hidden_by_show_if_do_not_fire(survey: Survey) -> None:
    answers: dict[str, AnswerValue] = {"numbness": "none", "numbness_where": ["saddle"]}
    assert _fired(survey, answers) == []


@pytest.mark.parametrize(
    ("previous", "current", "fired"),
    [
        (2, 5, True),  # up exactly 3
        (2, 4, False),  # up 2
        (0, 10, True),
        (8, 2, False),  # better
    ],
)
def test_pain_rise_from_previous_checkin(
    survey: Survey, previous: int, current: int, fired: bool
) -> None:
    rules = _fired(survey, {"back_pain": current}, previous={"back_pain": previous})
    assert ("amber_back_pain_rise" in rules) is fired


def test_pain_rise_evidence(survey: Survey) -> None:
    context = RuleContext(
        "early", 14, {"leg_pain": 5}, previous={"leg_pain": 2}, baseline={"leg_pain": 8}
    )
    assert _hit(survey, "amber_leg_pain_rise", context).evidence == {
        "form": "early",
        "question": "leg_pain",
        "value": 5,
        "day_post_op": 14,
        "previous": 2,
        "baseline": 8,
        "change": 3,
        "unit": "points",
        "at_least": 3,
    }


def test_pain_rise_needs_a_previous_checkin(survey: Survey) -> None:
    assert _fired(survey, {"leg_pain": 6}, baseline={"leg_pain": 1}) == []


@pytest.mark.parametrize(
    ("previous", "current", "fired"),
    [
        ("m100_500", "under_50", True),  # down 2 categories
        ("m100_500", "m50_100", False),  # down 1
        ("no_limit", "cannot_walk", True),
        ("under_50", "no_limit", False),
    ],
)
def test_walking_drop_from_previous_checkin(
    survey: Survey, previous: str, current: str, fired: bool
) -> None:
    rules = _fired(survey, {"walking": _walk(current)}, previous={"walking": _walk(previous)})
    assert ("amber_walking_drop" in rules) is fired


def test_walking_drop_evidence_counts_categories(survey: Survey) -> None:
    context = RuleContext(
        "early",
        7,
        {"walking": {"metres": 30.0, "category": "under_50"}},
        previous={"walking": {"metres": 300.0, "category": "m100_500"}},
    )
    assert _hit(survey, "amber_walking_drop", context).evidence == {
        "form": "early",
        "question": "walking",
        "value": {"metres": 30.0, "category": "under_50"},
        "day_post_op": 7,
        "previous": {"metres": 300.0, "category": "m100_500"},
        "change": -2,
        "unit": "categories",
        "at_most": -2,
    }


@pytest.mark.parametrize(
    ("day", "current", "fired"),
    [
        (28, "m50_100", True),
        (27, "m50_100", False),
        (28, "m100_500", False),  # same as before surgery
        (42, "m500_1000", False),
        (365, "cannot_walk", True),
    ],
)
def test_walking_worse_than_baseline_from_day_28(
    survey: Survey, day: int, current: str, fired: bool
) -> None:
    form = "late" if day >= 90 else "early"
    rules = _fired(
        survey,
        {"walking": _walk(current)},
        day=day,
        form=form,
        baseline={"walking": _walk("m100_500")},
    )
    assert ("amber_walking_below_baseline" in rules) is fired


@pytest.mark.parametrize(
    ("day", "baseline", "current", "fired"),
    [
        (90, 8, 7, True),  # improved 1: below 2 points and below 30%
        (89, 8, 7, False),  # too early
        (90, 8, 6, False),  # improved 2 points
        (90, 3, 2, False),  # improved 33%
        (90, 5, 4, True),  # improved 20%
        (90, 5, 7, True),  # worse
        (90, 0, 0, False),  # nothing to improve
        (180, 10, 8, False),  # improved 2 points
        (365, 10, 9, True),
    ],
)
def test_leg_pain_minimal_important_change_from_day_90(
    survey: Survey, day: int, baseline: int, current: int, fired: bool
) -> None:
    form = "late" if day >= 90 else "early"
    rules = _fired(
        survey, {"leg_pain": current}, day=day, form=form, baseline={"leg_pain": baseline}
    )
    assert ("info_leg_pain_mic_not_reached" in rules) is fired


def test_minimal_important_change_evidence(survey: Survey) -> None:
    context = RuleContext("late", 90, {"leg_pain": 4}, baseline={"leg_pain": 5})
    assert _hit(survey, "info_leg_pain_mic_not_reached", context).evidence == {
        "form": "late",
        "question": "leg_pain",
        "value": 4,
        "day_post_op": 90,
        "baseline": 5,
        "improvement": 1,
        "needed": 1.5,
        "points": 2,
        "fraction": 0.3,
    }


@pytest.mark.parametrize(
    ("day", "pgic", "fired"),
    [
        (90, "no_change", ["info_pgic_not_improved"]),
        (90, "a_little_worse", ["info_pgic_not_improved"]),
        (90, "much_worse", ["amber_pgic_worse", "info_pgic_not_improved"]),
        (90, "a_little_improved", []),
        (42, "no_change", []),
    ],
)
def test_pgic_no_better_from_day_90(survey: Survey, day: int, pgic: str, fired: list[str]) -> None:
    form = "late" if day >= 90 else "early"
    assert _fired(survey, {"pgic": pgic}, day=day, form=form) == fired


def test_baseline_answers_never_flag(survey: Survey) -> None:
    answers: dict[str, AnswerValue] = {
        "leg_pain": 10,
        "back_pain": 9,
        "numbness_before": True,
        "numbness_where": ["saddle"],
        "walking": _walk("cannot_walk"),
    }
    assert _fired(survey, answers, form="baseline", day=None) == []


def test_rules_with_a_day_window_need_a_day(survey: Survey) -> None:
    rules = _fired(survey, {"pgic": "no_change"}, form="late", day=None)
    assert rules == []


def test_rules_run_after_each_answer(survey: Survey) -> None:
    answers: dict[str, AnswerValue] = {}
    seen = []
    for question_id, value in [
        ("leg_pain", 8),
        ("back_pain", 3),
        ("numbness", "worse"),
        ("numbness_where", ["both_legs"]),
        ("walking", _walk("m50_100")),
        ("pgic", "no_change"),
        ("red_flags", ["headache"]),
        ("note", None),
    ]:
        answers[question_id] = value
        seen.append(_fired(survey, answers, previous={"leg_pain": 4}))
    assert seen == [
        ["amber_leg_pain_high", "amber_leg_pain_rise"],
        ["amber_leg_pain_high", "amber_leg_pain_rise"],
        ["amber_leg_pain_high", "amber_leg_pain_rise", "amber_numbness_worse"],
        ["amber_leg_pain_high", "amber_leg_pain_rise", "amber_numbness_worse"],
        ["amber_leg_pain_high", "amber_leg_pain_rise", "amber_numbness_worse"],
        ["amber_leg_pain_high", "amber_leg_pain_rise", "amber_numbness_worse"],
        ["red_headache", "amber_leg_pain_high", "amber_leg_pain_rise", "amber_numbness_worse"],
        ["red_headache", "amber_leg_pain_high", "amber_leg_pain_rise", "amber_numbness_worse"],
    ]


def test_values_stored_under_an_older_definition_do_not_crash(survey: Survey) -> None:
    rules = _fired(survey, {"walking": _walk("under_50")}, previous={"walking": _walk("miles")})
    assert rules == []


@pytest.mark.parametrize(("answer", "fired"), [(True, ["amber_numb"]), (False, [])])
def test_yes_no_answers_match_yes_and_no(tmp_path: Path, answer: bool, fired: list[str]) -> None:
    survey = load_survey(
        write_definition(
            tmp_path,
            put(
                "forms.followup.questions[1]",
                {"id": "numbness", "type": "yes_no", "text": text("Numb?")},
            ),
            put("forms.followup.questions[2].show_if", [{"question": "numbness", "equals": True}]),
            put(
                "rules[2]",
                {
                    "id": "amber_numb",
                    "level": "amber",
                    "description": text("Numb"),
                    "any_of": [{"kind": "answer_in", "question": "numbness", "values": ["yes"]}],
                },
            ),
        )
    )
    assert _fired(survey, {"numbness": answer}, form="followup") == fired


def test_evidence_does_not_share_the_answers(survey: Survey) -> None:
    flags = ["fever"]
    hit = _hit(survey, "red_fever", RuleContext("early", 1, {"red_flags": flags}))
    flags.append("wound")
    assert hit.evidence["value"] == ["fever"]
