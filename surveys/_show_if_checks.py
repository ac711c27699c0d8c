"""Checks of a form's ``show_if`` conditions: they may use only earlier choice or yes/no
questions, and every conditional question must be reachable by some answers."""

from __future__ import annotations

import itertools
import math
from typing import Final

from surveys._readers import _at, _Invalid
from surveys._visibility import visible_questions
from surveys.model import AnswerValue, Condition, Form, Question

__all__ = ["_CONDITION_TYPES", "_YES_NO_VALUES", "_check_show_if"]

_CONDITION_TYPES: Final = ("single_choice", "multi_choice", "yes_no")
_YES_NO_VALUES: Final = ("yes", "no")
_MAX_REACHABILITY_CASES: Final = 20_000


def _check_show_if(form: Form, place: str) -> None:
    """``show_if`` may only use earlier choice or yes/no questions, and must be satisfiable."""
    index = {q.id: i for i, q in enumerate(form.questions)}
    for i, question in enumerate(form.questions):
        at = _at(_at(place, i), "show_if")
        for condition in question.show_if:
            ref = condition.question
            if ref == question.id:
                raise _Invalid(at, "refers to its own question")
            if ref not in index:
                raise _Invalid(at, f"refers to missing question '{ref}'")
            if index[ref] > i:
                raise _Invalid(at, f"refers to question '{ref}', which comes later")
            _check_condition(condition, form.questions[index[ref]], at)
        if question.show_if and not _reachable(form, i):
            names = ", ".join(f"'{ref}'" for ref in dict.fromkeys(_closure(form, question)))
            raise _Invalid(at, f"can never hold given the options of {names}")


def _check_condition(condition: Condition, target: Question, place: str) -> None:
    ref = target.id
    if target.type not in _CONDITION_TYPES:
        raise _Invalid(
            place, f"refers to '{ref}', a {target.type} question (use a choice or yes_no question)"
        )
    if target.type == "yes_no":
        if not isinstance(condition.equals, bool) or condition.any_of or condition.none_of:
            raise _Invalid(place, f"'{ref}' is a yes_no question: use only equals: true or false")
        return
    if isinstance(condition.equals, bool):
        raise _Invalid(place, f"'{ref}' is a choice question: equals needs an option id")
    if target.type == "multi_choice" and condition.equals is not None:
        raise _Invalid(place, f"'{ref}' is a multi_choice question: use any_of or none_of")
    wanted = (
        *((condition.equals,) if condition.equals is not None else ()),
        *condition.any_of,
        *condition.none_of,
    )
    for option_id in wanted:
        if target.option(option_id) is None:
            raise _Invalid(place, f"refers to missing option '{option_id}' of question '{ref}'")


def _closure(form: Form, question: Question) -> list[str]:
    """Ids of the questions ``question``'s visibility depends on, nearest first."""
    found: list[str] = []
    pending = [c.question for c in question.show_if]
    while pending:
        ref = pending.pop(0)
        if ref not in found:
            found.append(ref)
            pending.extend(c.question for c in form.question(ref).show_if)
    return found


def _candidates(question: Question) -> list[AnswerValue]:
    if question.type == "yes_no":
        return [True, False]
    if question.type == "single_choice":
        return [o.id for o in question.options]
    singles: list[AnswerValue] = [[o.id] for o in question.options]
    return [*singles, [o.id for o in question.options if not o.exclusive]]


def _reachable(form: Form, index: int) -> bool:
    """Try the possible answers of the questions it depends on (a small, bounded search)."""
    question = form.questions[index]
    prefix = Form(form.id, form.title, form.questions[: index + 1])
    refs = _closure(form, question)
    choices = [[None, *_candidates(form.question(ref))] for ref in refs]
    if math.prod(len(c) for c in choices) > _MAX_REACHABILITY_CASES:
        return True
    for combination in itertools.product(*choices):
        answers = {
            ref: value for ref, value in zip(refs, combination, strict=True) if value is not None
        }
        if question in visible_questions(prefix, answers):
            return True
    return False
