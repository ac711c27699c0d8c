"""Walk a patient through one form: a pure function of (definition, answers, input, now).

The caller keeps the answers (a mapping of question id to normalised value, ``None`` for a
skipped optional question) and the clock; nothing here does I/O. Patient mistakes come back
as ``Rejected`` values; definition bugs raise.

Back button: ``previous_question`` names the question to go back to; the caller drops its
answer (and may drop later ones), after which ``current_step`` asks it again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from surveys._normalize import key
from surveys._visibility import visible_questions
from surveys.model import AnswerValue, Form, Question, Survey, Text
from surveys.parsing import Parsed, Rejected, parse_answer

__all__ = [
    "NOT_CURRENT",
    "REQUIRED",
    "Accepted",
    "Ask",
    "Completed",
    "advance",
    "current_step",
    "previous_question",
    "visible_questions",
]

NOT_CURRENT = Rejected(
    "not_current",
    Text(
        en="That question is closed. Please answer the latest question.",
        zh_hans="这个问题已经结束了，请回答最新的问题。",
    ),
)
REQUIRED = Rejected(
    "required",
    Text(
        en="This question cannot be skipped. Please answer it.",
        zh_hans="这个问题不能跳过，请回答。",
    ),
)


@dataclass(frozen=True)
class Ask:
    """Ask ``question``; it is number ``number`` of ``total`` visible so far (e.g. 3/8)."""

    question: Question
    number: int
    total: int


@dataclass(frozen=True)
class Completed:
    """Every visible question is answered; ``answers`` holds only visible ones, in form order."""

    answers: dict[str, AnswerValue]


@dataclass(frozen=True)
class Accepted:
    """The answer was taken; store it and show ``next``."""

    question_id: str
    value: AnswerValue
    raw: str | None
    answered_at: datetime
    next: Ask | Completed


def current_step(form: Form, answers: Mapping[str, AnswerValue]) -> Ask | Completed:
    """The first visible unanswered question, or ``Completed``."""
    shown = visible_questions(form, answers)
    for number, question in enumerate(shown, start=1):
        if question.id not in answers:
            return Ask(question, number, len(shown))
    return Completed({q.id: answers[q.id] for q in shown})


def advance(
    survey: Survey,
    form: Form,
    answers: Mapping[str, AnswerValue],
    question_id: str,
    raw: str | None,
    now: datetime,
) -> Accepted | Rejected:
    """Answer ``question_id`` with ``raw`` (``None`` = Skip) if it is the current question."""
    step = current_step(form, answers)
    if not isinstance(step, Ask) or step.question.id != question_id:
        return NOT_CURRENT
    question = step.question
    if raw is None or (not question.required and key(raw) in survey.words.skip.all()):
        if question.required:
            return REQUIRED
        value: AnswerValue = None  # skipped: "skip", "no thank you", 不知道 are not notes
    else:
        parsed = parse_answer(question, raw, survey.distance_categories, survey.words)
        if not isinstance(parsed, Parsed):
            return parsed
        value = parsed.value
    after = {**answers, question_id: value}
    return Accepted(question_id, value, raw, now, current_step(form, after))


def previous_question(
    form: Form, answers: Mapping[str, AnswerValue], current_question_id: str
) -> Question | None:
    """The visible question before ``current_question_id`` (``None`` at the first one)."""
    form.question(current_question_id)  # unknown ids are a caller bug: KeyError
    shown = {q.id for q in visible_questions(form, answers)}
    earlier: Question | None = None
    for question in form.questions:
        if question.id == current_question_id:
            return earlier
        if question.id in shown:
            earlier = question
    raise AssertionError("unreachable: the question is in the form")
