"""The survey engine: which question comes next, what a reply does, Skip and Back."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import pytest

from surveys.engine import (
    NOT_CURRENT,
    REQUIRED,
    Accepted,
    Ask,
    Completed,
    advance,
    current_step,
    previous_question,
    visible_questions,
)
from surveys.model import AnswerValue, Question, Survey
from surveys.parsing import Rejected

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
FULL: dict[str, AnswerValue] = {
    "leg_pain": 3,
    "back_pain": 2,
    "numbness": "same",
    "numbness_where": ["left_leg"],
    "walking": {"metres": None, "category": "m100_500"},
    "pgic": "much_improved",
    "red_flags": ["none"],
    "note": None,
}


def _ids(questions: Iterable[Question]) -> list[str]:
    return [q.id for q in questions]


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({}, ["leg_pain", "back_pain", "numbness", "walking", "pgic", "red_flags", "note"]),
        (
            {"numbness": "none"},
            ["leg_pain", "back_pain", "numbness", "walking", "pgic", "red_flags", "note"],
        ),
        (
            {"numbness": "worse"},
            [
                "leg_pain",
                "back_pain",
                "numbness",
                "numbness_where",
                "walking",
                "pgic",
                "red_flags",
                "note",
            ],
        ),
        (
            {"numbness": None},
            ["leg_pain", "back_pain", "numbness", "walking", "pgic", "red_flags", "note"],
        ),
    ],
)
def test_visible_questions_follow_show_if(
    survey: Survey, answers: dict[str, AnswerValue], expected: list[str]
) -> None:
    assert _ids(visible_questions(survey.form("early"), answers)) == expected


def test_baseline_asks_where_only_after_yes(survey: Survey) -> None:
    baseline = survey.form("baseline")
    assert "numbness_where" not in _ids(visible_questions(baseline, {"numbness_before": False}))
    assert "numbness_where" in _ids(visible_questions(baseline, {"numbness_before": True}))


@pytest.mark.parametrize(
    ("answers", "question_id", "number", "total"),
    [
        ({}, "leg_pain", 1, 7),
        ({"leg_pain": 3}, "back_pain", 2, 7),
        ({"leg_pain": 3, "back_pain": 2}, "numbness", 3, 7),
        ({"leg_pain": 3, "back_pain": 2, "numbness": "worse"}, "numbness_where", 4, 8),
        ({"leg_pain": 3, "back_pain": 2, "numbness": "none"}, "walking", 4, 7),
        ({k: v for k, v in FULL.items() if k != "note"}, "note", 8, 8),
    ],
)
def test_current_step_asks_first_unanswered_visible_question(
    survey: Survey,
    answers: dict[str, AnswerValue],
    question_id: str,
    number: int,
    total: int,
) -> None:
    step = current_step(survey.form("early"), answers)
    assert isinstance(step, Ask)
    assert (step.question.id, step.number, step.total) == (question_id, number, total)


def test_current_step_completes_with_visible_answers_only(survey: Survey) -> None:
    answers = {**FULL, "numbness": "none"}  # where was answered before numbness changed
    step = current_step(survey.form("early"), answers)
    assert step == Completed({k: v for k, v in answers.items() if k != "numbness_where"})
    assert isinstance(step, Completed)
    assert list(step.answers) == [
        "leg_pain",
        "back_pain",
        "numbness",
        "walking",
        "pgic",
        "red_flags",
        "note",
    ]


@pytest.mark.parametrize(
    ("question_id", "raw", "value"),
    [
        ("leg_pain", "7", 7),
        ("leg_pain", "０", 0),
        ("numbness", "worse", "worse"),
        ("walking", "m100_500", {"metres": None, "category": "m100_500"}),
        ("red_flags", "fever", ["fever"]),
    ],
)
def test_advance_accepts_valid_answer(
    survey: Survey, question_id: str, raw: str, value: AnswerValue
) -> None:
    form = survey.form("early")
    before = {q.id: FULL[q.id] for q in form.questions[: _index(survey, question_id)]}
    result = advance(survey, form, before, question_id, raw, NOW)
    assert isinstance(result, Accepted)
    assert (result.question_id, result.value, result.raw, result.answered_at) == (
        question_id,
        value,
        raw,
        NOW,
    )


def _index(survey: Survey, question_id: str) -> int:
    return _ids(survey.form("early").questions).index(question_id)


def test_advance_walks_the_whole_early_form(survey: Survey) -> None:
    form = survey.form("early")
    answers: dict[str, AnswerValue] = {}
    replies = [
        ("leg_pain", "4"),
        ("back_pain", "2"),
        ("numbness", "worse"),
        ("numbness_where", "left_leg"),
        ("walking", "m500_1000"),
        ("pgic", "much_improved"),
        ("red_flags", "none"),
        ("note", None),
    ]
    progress = []
    result: Accepted | Rejected | None = None
    for question_id, raw in replies:
        result = advance(survey, form, answers, question_id, raw, NOW)
        assert isinstance(result, Accepted), result
        answers[question_id] = result.value
        if isinstance(result.next, Ask):
            progress.append(f"{result.next.number}/{result.next.total}")
    assert progress == ["2/7", "3/7", "4/8", "5/8", "6/8", "7/8", "8/8"]
    assert isinstance(result, Accepted)
    assert result.next == Completed(
        {
            "leg_pain": 4,
            "back_pain": 2,
            "numbness": "worse",
            "numbness_where": ["left_leg"],
            "walking": {"metres": None, "category": "m500_1000"},
            "pgic": "much_improved",
            "red_flags": ["none"],
            "note": None,
        }
    )


def test_advance_rejects_out_of_range_score(survey: Survey) -> None:
    result = advance(survey, survey.form("early"), {}, "leg_pain", "11", NOW)
    assert isinstance(result, Rejected)
    assert result.reason == "out_of_range"


def test_advance_rejects_skipping_a_required_question(survey: Survey) -> None:
    result = advance(survey, survey.form("early"), {}, "leg_pain", None, NOW)
    assert result == REQUIRED
    assert result.message.en == "This question cannot be skipped. Please answer it."
    assert result.message.zh_hans == "这个问题不能跳过，请回答。"


def test_advance_skips_optional_note(survey: Survey) -> None:
    answers = {k: v for k, v in FULL.items() if k != "note"}
    result = advance(survey, survey.form("early"), answers, "note", None, NOW)
    assert isinstance(result, Accepted)
    assert (result.value, result.raw) == (None, None)
    assert isinstance(result.next, Completed)
    assert result.next.answers["note"] is None


@pytest.mark.parametrize(
    ("answers", "question_id"),
    [
        ({}, "back_pain"),  # ahead of the current question
        ({"leg_pain": 3}, "leg_pain"),  # an old button
        ({"leg_pain": 3, "back_pain": 2, "numbness": "none"}, "numbness_where"),  # hidden
        (FULL, "note"),  # the check-in is finished
        ({}, "no_such_question"),
    ],
)
def test_advance_rejects_stale_input(
    survey: Survey, answers: dict[str, AnswerValue], question_id: str
) -> None:
    result = advance(survey, survey.form("early"), answers, question_id, "3", NOW)
    assert result == NOT_CURRENT
    assert result.reason == "not_current"
    assert result.message.en == "That question is closed. Please answer the latest question."


def test_advance_does_not_change_the_callers_answers(survey: Survey) -> None:
    answers: dict[str, AnswerValue] = {"leg_pain": 3}
    advance(survey, survey.form("early"), answers, "back_pain", "5", NOW)
    assert answers == {"leg_pain": 3}


@pytest.mark.parametrize(
    ("answers", "current", "expected"),
    [
        ({}, "leg_pain", None),
        ({"leg_pain": 3}, "back_pain", "leg_pain"),
        ({"leg_pain": 3, "back_pain": 2, "numbness": "none"}, "walking", "numbness"),
        ({"leg_pain": 3, "back_pain": 2, "numbness": "worse"}, "walking", "numbness_where"),
        ({"leg_pain": 3, "back_pain": 2, "numbness": "worse"}, "numbness_where", "numbness"),
    ],
)
def test_previous_question_skips_hidden_questions(
    survey: Survey, answers: dict[str, AnswerValue], current: str, expected: str | None
) -> None:
    previous = previous_question(survey.form("early"), answers, current)
    assert (previous.id if previous else None) == expected


def test_back_then_answer_again(survey: Survey) -> None:
    form = survey.form("early")
    answers: dict[str, AnswerValue] = {"leg_pain": 3, "back_pain": 2}
    previous = previous_question(form, answers, "numbness")
    assert previous is not None
    del answers[previous.id]
    result = advance(survey, form, answers, "back_pain", "6", NOW)
    assert isinstance(result, Accepted)
    assert result.value == 6
    assert isinstance(result.next, Ask)
    assert result.next.question.id == "numbness"


def test_previous_question_of_unknown_question_is_a_bug(survey: Survey) -> None:
    with pytest.raises(KeyError):
        previous_question(survey.form("early"), {}, "no_such_question")
