"""Which questions of a form are shown, given the answers so far (``show_if``)."""

from __future__ import annotations

from collections.abc import Mapping

from surveys.model import AnswerValue, Condition, Form, Question

__all__ = ["condition_holds", "visible_questions"]


def _selected(value: AnswerValue) -> tuple[str, ...] | None:
    """The option or category ids an answer stands for, or ``None`` for other answers."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, dict):
        category = value.get("category")
        return (category,) if isinstance(category, str) else None
    return None


def condition_holds(condition: Condition, answers: Mapping[str, AnswerValue]) -> bool:
    """Whether one ``show_if`` clause holds; an unanswered or skipped question never matches."""
    value = answers.get(condition.question)
    if value is None:
        return False
    if isinstance(value, bool):
        return condition.equals is value
    selected = _selected(value)
    if selected is None:
        return False
    if condition.equals is not None and condition.equals not in selected:
        return False
    if condition.any_of and not set(selected) & set(condition.any_of):
        return False
    return not set(selected) & set(condition.none_of)


def visible_questions(form: Form, answers: Mapping[str, AnswerValue]) -> tuple[Question, ...]:
    """The questions shown, in order; answers to hidden questions are ignored."""
    shown: list[Question] = []
    seen: dict[str, AnswerValue] = {}
    for question in form.questions:
        if all(condition_holds(c, seen) for c in question.show_if):
            shown.append(question)
            if question.id in answers:
                seen[question.id] = answers[question.id]
    return tuple(shown)
