"""Flag rules of a survey definition: each rule's level, advice and check, and the questions
and values a check names."""

from __future__ import annotations

from typing import Any, Final, get_args, get_type_hints

from surveys._readers import (
    _at,
    _fields,
    _id,
    _ids,
    _int,
    _Invalid,
    _list,
    _number,
    _one_of,
    _str,
    _text,
    _unique,
)
from surveys._show_if_checks import _YES_NO_VALUES
from surveys.model import (
    DistanceCategory,
    FlagLevel,
    FlagRule,
    Form,
    Question,
    QuestionType,
    RuleCheck,
)

__all__ = ["_LEVELS", "_rules"]

_LEVELS: Final[tuple[str, ...]] = get_args(FlagLevel)
_QUESTION_TYPES: Final[tuple[str, ...]] = get_args(QuestionType)
_CHECK_KINDS: Final[tuple[str, ...]] = get_args(get_type_hints(RuleCheck)["kind"])
_CHECK_KEYS: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "answer_in": (("values",), ()),
    "at_least": (("threshold",), ()),
    "at_most": (("threshold",), ()),
    "change_from_previous": ((), ("at_least", "at_most")),
    "change_from_baseline": ((), ("at_least", "at_most")),
    "mic_not_reached": (("points", "fraction"), ()),
    "answered": ((), ()),
}
_CHECK_TYPES: Final[dict[str, tuple[str, ...]]] = {
    "answer_in": ("single_choice", "multi_choice", "yes_no", "distance"),
    "at_least": ("scale", "number"),
    "at_most": ("scale", "number"),
    "change_from_previous": ("scale", "number", "distance"),
    "change_from_baseline": ("scale", "number", "distance"),
    "mic_not_reached": ("scale", "number"),
    "answered": _QUESTION_TYPES,
}


def _rules(
    data: object,
    place: str,
    forms: tuple[Form, ...],
    categories: tuple[DistanceCategory, ...],
) -> tuple[FlagRule, ...]:
    rules = tuple(
        _rule(item, _at(place, i), forms, categories)
        for i, item in enumerate(_list(data, place, empty=True))
    )
    _unique((_at(_at(place, i), "id"), r.id) for i, r in enumerate(rules))
    return rules


def _rule(
    data: object,
    place: str,
    forms: tuple[Form, ...],
    categories: tuple[DistanceCategory, ...],
) -> FlagRule:
    fields = _fields(
        data, place, ("id", "level", "description", "any_of"), ("from_day", "until_day", "forms")
    )
    level: FlagLevel = _one_of(  # type: ignore[assignment]
        fields["level"], _at(place, "level"), _LEVELS, "flag level"
    )
    from_day = _optional_day(fields, "from_day", place)
    until_day = _optional_day(fields, "until_day", place)
    if from_day is not None and until_day is not None and until_day < from_day:
        raise _Invalid(_at(place, "until_day"), f"must not be before from_day ({from_day})")
    forms_at = _at(place, "forms")
    form_ids = _ids(fields["forms"], forms_at) if "forms" in fields else ()
    known = {f.id: f for f in forms}
    for i, form_id in enumerate(form_ids):
        if form_id not in known:
            raise _Invalid(_at(forms_at, i), f"refers to missing form '{form_id}'")
    targets = [known[f] for f in form_ids] if form_ids else list(forms)
    checks_at = _at(place, "any_of")
    checks = tuple(
        _check(item, _at(checks_at, i), targets, bool(form_ids), categories)
        for i, item in enumerate(_list(fields["any_of"], checks_at))
    )
    return FlagRule(
        id=_id(fields["id"], _at(place, "id")),
        level=level,
        description=_text(fields["description"], _at(place, "description")),
        any_of=checks,
        from_day=from_day,
        until_day=until_day,
        forms=form_ids,
    )


def _optional_day(fields: dict[str, Any], key: str, place: str) -> int | None:
    return None if fields.get(key) is None else _int(fields[key], _at(place, key))


def _check(
    data: object,
    place: str,
    forms: list[Form],
    forms_listed: bool,
    categories: tuple[DistanceCategory, ...],
) -> RuleCheck:
    if not isinstance(data, dict):
        raise _Invalid(place, "must be a mapping of keys to values")
    if "kind" not in data:
        raise _Invalid(_at(place, "kind"), "missing")
    kind = _one_of(data["kind"], _at(place, "kind"), _CHECK_KINDS, "check kind")
    required, optional = _CHECK_KEYS[kind]
    fields = _fields(data, place, ("kind", "question", *required), optional)
    if kind.startswith("change_") and not {"at_least", "at_most"} & fields.keys():
        raise _Invalid(place, "needs at_least or at_most")
    question_id = _id(fields["question"], _at(place, "question"))
    questions = _questions_named(question_id, forms, forms_listed, _at(place, "question"))
    values = _values(fields, place, kind, questions, categories)

    def number(key: str) -> float | None:
        return _number(fields[key], _at(place, key)) if key in fields else None

    points, fraction = number("points"), number("fraction")
    if points is not None and points <= 0:
        raise _Invalid(_at(place, "points"), "must be more than 0")
    if fraction is not None and not 0 < fraction <= 1:
        raise _Invalid(_at(place, "fraction"), "must be more than 0 and at most 1")
    return RuleCheck(
        kind=kind,  # type: ignore[arg-type]
        question=question_id,
        values=values,
        threshold=number("threshold"),
        points=points,
        fraction=fraction,
        at_least=number("at_least"),
        at_most=number("at_most"),
    )


def _questions_named(
    question_id: str, forms: list[Form], forms_listed: bool, place: str
) -> list[Question]:
    found = [q for f in forms for q in f.questions if q.id == question_id]
    if not found:
        raise _Invalid(place, f"refers to missing question '{question_id}'")
    if forms_listed:
        for form in forms:
            if all(q.id != question_id for q in form.questions):
                raise _Invalid(
                    place, f"refers to question '{question_id}', missing in form '{form.id}'"
                )
    return found


def _values(
    fields: dict[str, Any],
    place: str,
    kind: str,
    questions: list[Question],
    categories: tuple[DistanceCategory, ...],
) -> tuple[str, ...]:
    for question in questions:
        if question.type not in _CHECK_TYPES[kind]:
            raise _Invalid(
                _at(place, "kind"),
                f"{kind} cannot check '{question.id}', a {question.type} question",
            )
    if "values" not in fields:
        return ()
    at = _at(place, "values")
    values = tuple(_str(v, _at(at, i)) for i, v in enumerate(_list(fields["values"], at)))
    for question in questions:
        if question.type == "yes_no":
            known: tuple[str, ...] = _YES_NO_VALUES
            what = "answer"
        elif question.type == "distance":
            known = tuple(c.id for c in categories)
            what = "walking category"
        else:
            known = tuple(o.id for o in question.options)
            what = "option"
        for value in values:
            if value not in known:
                raise _Invalid(
                    at, f"refers to missing {what} '{value}' of question '{question.id}'"
                )
    return values
