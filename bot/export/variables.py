"""What the survey definition says about each exported variable: names, types, codes, labels.

Every label and coded value comes from the survey definition (both languages) or, for the
few codes the bot itself defines (check-in status, who answered, flag level and status, the
scheduler's own flag rules), from :mod:`bot.export.labels`; nothing is re-typed here.

A question becomes wide-file columns by its type: a scale, number, single choice, yes/no or
text question is one column named after it; a distance question two (``<id>_category`` and
``<id>_metres``); a multi-choice question one 1/0 column per option (``<id>__<option>``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

from bot.texts import T
from surveys.model import Form, Question, Survey, Text

__all__ = [
    "Code",
    "WideColumn",
    "WideLayout",
    "number",
    "own_words",
    "question_codes",
    "question_forms",
    "time_point_label",
    "typed_words",
    "unit_of",
    "value_cells",
    "wide_cell",
    "wide_columns",
]

MULTI_SEPARATOR: Final = ";"


@dataclass(frozen=True)
class Code:
    code: str
    label: Text


@dataclass(frozen=True)
class WideColumn:
    """One wide-file column derived from a question (or one option of it)."""

    name: str
    question: str
    kind: str  # integer | decimal | code | yes_no | text | checked | category | metres
    label: Text
    unit: str = ""
    option: str | None = None
    codes: tuple[Code, ...] = ()


def time_point_label(day: int | None) -> Text:
    if day is None:
        return Text("Before surgery (at enrolment)", "手术前（入组时）")
    return Text(f"Day {day} after surgery", f"术后第{day}天")


def question_forms(survey: Survey) -> Iterator[tuple[Form, Question]]:
    for form in survey.forms:
        for question in form.questions:
            yield form, question


def question_codes(survey: Survey, question: Question) -> tuple[Code, ...]:
    """The coded values of a question's answer, as the long file writes them."""
    match question.type:
        case "single_choice" | "multi_choice":
            return tuple(Code(o.id, o.label) for o in question.options)
        case "yes_no":
            return (Code("1", T.yes), Code("0", T.no))
        case "distance":
            return tuple(Code(c.id, c.label) for c in survey.distance_categories)
        case _:
            return ()


def unit_of(question: Question) -> str:
    """The unit a question's value is in (``points 0-10`` for a scale)."""
    if question.unit:
        return question.unit
    if question.type == "scale":
        return f"points {question.minimum:g}-{question.maximum:g}"
    return ""


def wide_columns(survey: Survey) -> tuple[WideColumn, ...]:
    """The wide file's answer columns, in the order questions first appear in the forms."""
    columns: dict[str, WideColumn] = {}
    for _, question in question_forms(survey):
        for column in _columns_of(survey, question):
            columns.setdefault(column.name, column)
    return tuple(columns.values())


def _columns_of(survey: Survey, question: Question) -> Iterator[WideColumn]:
    q, text = question.id, question.text
    match question.type:
        case "scale":
            yield WideColumn(q, q, "integer", text, unit_of(question))
        case "number":
            yield WideColumn(q, q, "decimal", text, unit_of(question))
        case "single_choice":
            yield WideColumn(q, q, "code", text, codes=question_codes(survey, question))
        case "yes_no":
            yield WideColumn(q, q, "yes_no", text, codes=question_codes(survey, question))
        case "text":
            yield WideColumn(q, q, "text", text)
        case "distance":
            categories = question_codes(survey, question)
            yield WideColumn(f"{q}_category", q, "category", text, codes=categories)
            yield WideColumn(f"{q}_metres", q, "metres", text, "m")
        case "multi_choice":
            for option in question.options:
                label = Text(
                    f"{text.en} — {option.label.en}", f"{text.zh_hans} — {option.label.zh_hans}"
                )
                yield WideColumn(
                    f"{q}__{option.id}", q, "checked", label, option=option.id,
                    codes=(Code("1", T.yes), Code("0", T.no)),
                )  # fmt: skip


def number(value: object) -> str:
    """A number as a plain decimal (``300``, ``402.336``), blank for None."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def own_words(question: Question | None, raw: str | None, value: Any) -> str:
    """What the patient typed; blank when ``raw`` is only what a button press records."""
    if not raw:
        return ""
    if question is None:
        return raw
    return typed_words(raw, value)


def typed_words(raw: str, value: Any) -> str:
    """:func:`own_words` for an answer to a question of the survey."""
    pressed = raw.strip().lower()
    if isinstance(value, dict):
        button = {str(value.get("category"))}
    elif isinstance(value, list):
        button = {",".join(value), ";".join(value), *value}
    elif isinstance(value, bool):
        button = {"yes", "no", "true", "false", "1", "0"}
    else:
        button = {str(value).lower()}
    return "" if pressed in button else raw


def value_cells(question_type: str | None, value: Any) -> tuple[str, str, str]:
    """(value, unit, category) cells of the long file for one stored answer."""
    if value is None:
        return "", "", ""
    if question_type == "distance" and isinstance(value, dict):
        return number(value.get("metres")), "m", str(value.get("category") or "")
    if isinstance(value, bool):
        return ("1" if value else "0"), "", ""
    if isinstance(value, list):
        return MULTI_SEPARATOR.join(str(v) for v in value), "", ""
    if isinstance(value, float):
        return number(value), "", ""
    return str(value), "", ""


class WideLayout:
    """The wide columns indexed by question: a row fills only its answered questions' cells
    (a check-in answers one form, a few of the survey's many columns)."""

    def __init__(self, columns: tuple[WideColumn, ...]) -> None:
        self._width = len(columns)
        self._by_question: dict[str, list[tuple[int, WideColumn]]] = {}
        for index, column in enumerate(columns):
            self._by_question.setdefault(column.question, []).append((index, column))

    def cells(self, answers: dict[str, Any]) -> list[str]:
        """One wide row's answer cells; blank where a question was not asked or not answered."""
        cells = [""] * self._width
        for question, value in answers.items():
            if value is None:
                continue
            for index, column in self._by_question.get(question, ()):
                cells[index] = wide_cell(column.kind, column.option, value)
        return cells


def wide_cell(kind: str, option: str | None, value: Any) -> str:
    """The wide cell of a column of ``kind`` (``option``: of a multi-choice column)."""
    if kind == "checked":
        return "1" if isinstance(value, list) and option in value else "0"
    if kind == "category" and isinstance(value, dict):
        return str(value.get("category") or "")
    if kind == "metres" and isinstance(value, dict):
        return number(value.get("metres"))
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return number(value)
    return str(value)
