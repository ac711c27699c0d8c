"""Flag rules: which of a survey's rules a check-in's answers trigger, and why.

Pure and cheap, so it can run after every answer: a rule whose question is not answered yet
(or was skipped, or is hidden by ``show_if``) simply does not fire. Each hit carries JSON-ready
evidence (question, value, threshold or change, previous and baseline values, day post-op) so a
nurse sees at a glance why it fired.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from surveys._visibility import visible_questions
from surveys.model import AnswerValue, FlagLevel, FlagRule, RuleCheck, Survey, Text

__all__ = ["FlagHit", "RuleContext", "evaluate_rules"]

_EPSILON = 1e-9


@dataclass(frozen=True)
class RuleContext:
    """What the rules see.

    ``answers`` are the current check-in's answers so far; ``previous`` the values of the
    previous completed post-op check-in (empty if none); ``baseline`` the baseline form's
    values (empty if none). ``day_post_op`` is ``None`` before surgery.
    """

    form_id: str
    day_post_op: int | None
    answers: Mapping[str, AnswerValue]
    previous: Mapping[str, AnswerValue] = field(default_factory=dict)
    baseline: Mapping[str, AnswerValue] = field(default_factory=dict)


@dataclass(frozen=True)
class FlagHit:
    rule_id: str
    level: FlagLevel
    description: Text
    evidence: dict[str, object]


def evaluate_rules(survey: Survey, context: RuleContext) -> tuple[FlagHit, ...]:
    """The rules that fire, in definition order, each with the evidence of its first true check."""
    form = survey.form(context.form_id)
    answers = {
        q.id: context.answers[q.id]
        for q in visible_questions(form, context.answers)
        if q.id in context.answers
    }
    hits = []
    for rule in survey.rules:
        if not _applies(rule, context):
            continue
        for check in rule.any_of:
            evidence = _evidence(survey, check, answers, context)
            if evidence is not None:
                hits.append(FlagHit(rule.id, rule.level, rule.description, evidence))
                break
    return tuple(hits)


def _applies(rule: FlagRule, context: RuleContext) -> bool:
    if rule.forms and context.form_id not in rule.forms:
        return False
    day = context.day_post_op
    if rule.from_day is not None and (day is None or day < rule.from_day):
        return False
    return rule.until_day is None or (day is not None and day <= rule.until_day)


def _evidence(
    survey: Survey, check: RuleCheck, answers: Mapping[str, AnswerValue], context: RuleContext
) -> dict[str, object] | None:
    """Why ``check`` holds, or ``None`` when it does not (or cannot be judged yet)."""
    value = answers.get(check.question)
    if value is None:
        return None
    previous = context.previous.get(check.question)
    baseline = context.baseline.get(check.question)
    found: dict[str, object] = {
        "form": context.form_id,
        "question": check.question,
        "value": _json(value),
        "day_post_op": context.day_post_op,
    }
    if previous is not None:
        found["previous"] = _json(previous)
    if baseline is not None:
        found["baseline"] = _json(baseline)
    reasons = _why(survey, check, value, previous, baseline)
    return None if reasons is None else found | reasons


def _why(
    survey: Survey,
    check: RuleCheck,
    value: AnswerValue,
    previous: AnswerValue,
    baseline: AnswerValue,
) -> dict[str, object] | None:
    match check.kind:
        case "answer_in":
            matched = [v for v in check.values if v in _ids(value)]
            return {"matched": matched} if matched else None
        case "at_least" | "at_most":
            number, threshold = _number(value), check.threshold
            if number is None or threshold is None:
                return None
            holds = number >= threshold if check.kind == "at_least" else number <= threshold
            return {"threshold": _plain(threshold)} if holds else None
        case "change_from_previous" | "change_from_baseline":
            other = previous if check.kind == "change_from_previous" else baseline
            return _change(survey, check, value, other)
        case "mic_not_reached":
            return _mic_not_reached(check, value, baseline)
        case "answered":
            empty = value == [] or (isinstance(value, str) and not value.strip())
            return None if empty else {}
    return None  # pragma: no cover - every kind is handled above


def _change(
    survey: Survey, check: RuleCheck, value: AnswerValue, other: AnswerValue
) -> dict[str, object] | None:
    difference = _difference(survey, value, other)
    if difference is None:
        return None
    change, unit = difference
    if check.at_least is not None and change < check.at_least:
        return None
    if check.at_most is not None and change > check.at_most:
        return None
    bounds = {"at_least": check.at_least, "at_most": check.at_most}
    return {
        "change": _plain(change),
        "unit": unit,
        **{key: _plain(limit) for key, limit in bounds.items() if limit is not None},
    }


def _difference(survey: Survey, value: AnswerValue, other: AnswerValue) -> tuple[float, str] | None:
    """``value - other`` in points, or in walking categories for distance answers."""
    current, earlier = _number(value), _number(other)
    if current is not None and earlier is not None:
        return current - earlier, "points"
    current_category, earlier_category = _category(value), _category(other)
    if current_category is None or earlier_category is None:
        return None
    try:
        change = survey.category_rank(current_category) - survey.category_rank(earlier_category)
    except KeyError:  # a value stored under an older definition
        return None
    return float(change), "categories"


def _mic_not_reached(
    check: RuleCheck, value: AnswerValue, baseline: AnswerValue
) -> dict[str, object] | None:
    """Improvement from baseline below both ``points`` and ``fraction`` of baseline."""
    current, before = _number(value), _number(baseline)
    if current is None or before is None or check.points is None or check.fraction is None:
        return None
    improvement = before - current
    needed = min(check.points, check.fraction * before)
    if improvement >= needed - _EPSILON:
        return None
    return {
        "improvement": _plain(improvement),
        "needed": _plain(round(needed, 2)),
        "points": _plain(check.points),
        "fraction": check.fraction,
    }


def _ids(value: AnswerValue) -> tuple[str, ...]:
    """Option ids, a walking category or ``yes``/``no`` an answer stands for."""
    if isinstance(value, bool):
        return ("yes",) if value else ("no",)
    if isinstance(value, list):
        return tuple(value)
    category = _category(value)
    if category is not None:
        return (category,)
    return (value,) if isinstance(value, str) else ()


def _category(value: AnswerValue) -> str | None:
    if isinstance(value, dict):
        category = value.get("category")
        return category if isinstance(category, str) else None
    return None


def _number(value: AnswerValue) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _plain(number: float) -> float | int:
    return int(number) if float(number).is_integer() else number


def _json(value: AnswerValue) -> object:
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value
