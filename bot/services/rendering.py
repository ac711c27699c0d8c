"""Questions and answers as text and buttons, for elderly readers on a phone."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bot.services.replies import Button, Keyboard
from bot.texts import T
from surveys.model import Language, Question, Survey

__all__ = ["answer_label", "question_keyboard", "question_text"]

MakePayload = Callable[[str, str], str]
"""(kind, value) → signed callback payload for the question being rendered."""


def question_text(
    question: Question, language: Language, number: int, total: int, note: str | None = None
) -> str:
    lines = [f"{number}/{total}", question.text.get(language)]
    if question.type == "scale" and question.low_anchor and question.high_anchor:
        low = int(question.minimum or 0)
        high = int(question.maximum if question.maximum is not None else 10)
        lines.append(
            f"{low} = {question.low_anchor.get(language)} · "
            f"{high} = {question.high_anchor.get(language)}"
        )
    if question.hint is not None:
        lines.append(question.hint.get(language))
    if question.type == "multi_choice":
        lines.append(T.choose_then_done.get(language))
    elif question.type in ("text", "number"):
        lines.append(T.type_answer.get(language))
    if note:
        lines.insert(0, note)
    return "\n".join(lines)


def question_keyboard(
    survey: Survey,
    question: Question,
    language: Language,
    payload: MakePayload,
    *,
    selected: Sequence[str] = (),
    can_go_back: bool,
) -> Keyboard:
    rows: list[tuple[Button, ...]] = []
    if question.type == "scale":
        low = int(question.minimum or 0)
        high = int(question.maximum if question.maximum is not None else 10)
        values = [str(v) for v in range(low, high + 1)]
        half = (len(values) + 1) // 2
        for chunk in (values[:half], values[half:]):
            rows.append(tuple(Button(v, payload("a", v)) for v in chunk))
    elif question.type == "yes_no":
        rows.append(
            (Button(T.yes.get(language), payload("a", "yes")),
             Button(T.no.get(language), payload("a", "no")))
        )  # fmt: skip
    elif question.type == "single_choice":
        for index, option in enumerate(question.options):
            rows.append((Button(option.label.get(language), payload("a", str(index))),))
    elif question.type == "multi_choice":
        for index, option in enumerate(question.options):
            mark = "✅ " if option.id in selected else "▫️ "
            rows.append((Button(mark + option.label.get(language), payload("t", str(index))),))
        rows.append((Button(T.done_button.get(language), payload("d", "0")),))
    elif question.type == "distance":
        for index, category in enumerate(survey.distance_categories):
            rows.append((Button(category.label.get(language), payload("a", str(index))),))
    navigation: list[Button] = []
    if can_go_back:
        navigation.append(Button(T.back_button.get(language), payload("b", "0")))
    if not question.required:
        navigation.append(Button(T.skip_button.get(language), payload("s", "0")))
    if navigation:
        rows.append(tuple(navigation))
    return tuple(rows)


def answer_label(survey: Survey, question: Question, value: Any, language: Language) -> str:
    """How an accepted answer reads back to the patient (no free text echoed at length)."""
    if value is None:
        return T.skipped.get(language)
    if question.type == "yes_no":
        return (T.yes if value else T.no).get(language)
    if question.type == "single_choice":
        option = question.option(str(value))
        return option.label.get(language) if option else str(value)
    if question.type == "multi_choice":
        labels = [o.label.get(language) for o in question.options if o.id in value]
        return ", ".join(labels) if language == "en" else "、".join(labels)
    if question.type == "distance":
        category = next(c for c in survey.distance_categories if c.id == value["category"])
        label = category.label.get(language)
        metres = value.get("metres")
        if metres is not None and metres > 0:
            if language == "zh-Hans":
                shown = f"{metres / 1000:g}公里" if metres >= 1000 else f"{metres:g}米"
                return f"{shown}（{label}）"
            shown = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"
            return f"{shown} ({label})"
        return label
    if question.type == "number":
        return f"{value:g} {question.unit or ''}".strip()
    if question.type == "text":
        return T.saved.get(language)
    return str(value)
