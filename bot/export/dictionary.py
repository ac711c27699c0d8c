"""The data dictionary: every column of every CSV file and every coded value, in English
and Simplified Chinese, built from the survey definition.

One row per column (``code`` blank) and one per coded value of it. Answer variables get a
row per form that asks the question (``form`` set), because wording differs between forms
(e.g. "in the last 24 hours" early on, "in the last week" later).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from bot.export import labels
from bot.export.columns import FLAGS, LONG, WIDE_HEAD
from bot.export.variables import question_codes, question_forms, time_point_label, wide_columns
from surveys.model import Survey, Text

__all__ = ["DICTIONARY_HEADER", "FILES", "dictionary_rows"]

FILES: Final = {
    "long": "answers_long.csv",
    "wide": "answers_wide.csv",
    "flags": "flags.csv",
    "dictionary": "data_dictionary.csv",
}
DICTIONARY_HEADER: Final = (
    "file", "variable", "question", "form", "code", "type", "unit", "label_en", "label_zh",
)  # fmt: skip

Row = list[str]


def _row(file: str, variable: str, label: Text, *, question: str = "", form: str = "",
         code: str = "", kind: str = "", unit: str = "") -> Row:  # fmt: skip
    return [file, variable, question, form, code, kind, unit, label.en, label.zh_hans]


def _codes(file: str, variable: str, codes: dict[str, Text], form: str = "") -> Iterator[Row]:
    for code, label in codes.items():
        yield _row(file, variable, label, code=code, form=form)


def _shared_codes(survey: Survey) -> dict[str, dict[str, Text]]:
    """Codes of the fixed columns, by column name."""
    points = {spec.id: time_point_label(spec.day) for spec in survey.schedule.checkins}
    return {
        "time_point": points,
        "form": {form.id: form.title for form in survey.forms},
        "answered_by": labels.ANSWERED_BY,
        "recalled_baseline": labels.YES_NO,
        "status": labels.CHECKIN_STATUS,
    }


def dictionary_rows(survey: Survey) -> Iterator[Row]:
    """Every row of ``data_dictionary.csv`` (without the header)."""
    shared = _shared_codes(survey)
    long_file, wide_file, flags_file = FILES["long"], FILES["wide"], FILES["flags"]

    for name, kind, label in LONG:
        yield _row(long_file, name, label, kind=kind)
        if name in shared and name != "status":
            yield from _codes(long_file, name, shared[name])
        if name == "question_id":
            for form, question in question_forms(survey):
                yield _row(long_file, name, question.text, code=question.id, form=form.id)
        if name == "value":
            for form, question in question_forms(survey):
                if question.type == "distance":  # the value is metres; see ``category``
                    continue
                for code in question_codes(survey, question):
                    yield _row(long_file, name, code.label, question=question.id,
                               form=form.id, code=code.code)  # fmt: skip
        if name == "category":
            for category in survey.distance_categories:
                yield _row(long_file, name, category.label, code=category.id)

    yield from _wide_rows(survey, wide_file, shared)
    yield from _flag_rows(survey, flags_file, shared)
    for name, label in (
        ("file", Text("File the variable is in", "变量所在文件")),
        ("variable", Text("Column name", "列名")),
        ("question", Text("Question the coded value belongs to", "编码所属的问题")),
        ("form", Text("Form whose wording applies", "适用其措辞的表单")),
        ("code", Text("Coded value (blank on the row describing the column)",
                      "编码值（描述列本身的行为空）")),
        ("type", Text("Type of the column", "列的类型")),
        ("unit", Text("Unit", "单位")),
        ("label_en", Text("Label in English", "英文标签")),
        ("label_zh", Text("Label in Simplified Chinese", "简体中文标签")),
    ):  # fmt: skip
        yield _row(FILES["dictionary"], name, label, kind="text")


def _wide_rows(survey: Survey, file: str, shared: dict[str, dict[str, Text]]) -> Iterator[Row]:
    for name, kind, label in WIDE_HEAD:
        yield _row(file, name, label, kind=kind)
        if name in shared:
            yield from _codes(file, name, shared[name])
    columns = wide_columns(survey)
    asked = {(form.id, question.id) for form, question in question_forms(survey)}
    for column in columns:
        for form in survey.forms:
            if (form.id, column.question) not in asked:
                continue
            question = form.question(column.question)
            label = column.label
            if column.option is not None:
                option = question.option(column.option)
                if option is None:
                    continue
                label = Text(f"{question.text.en} — {option.label.en}",
                             f"{question.text.zh_hans} — {option.label.zh_hans}")  # fmt: skip
            else:
                label = question.text
            yield _row(file, column.name, label, question=question.id, form=form.id,
                       kind=column.kind, unit=column.unit)  # fmt: skip
            for code in column.codes:
                yield _row(file, column.name, code.label, question=question.id, form=form.id,
                           code=code.code)  # fmt: skip


def _flag_rows(survey: Survey, file: str, shared: dict[str, dict[str, Text]]) -> Iterator[Row]:
    codes = {
        "time_point": shared["time_point"],
        "rule_id": labels.rule_labels(survey),
        "level": labels.FLAG_LEVEL,
        "status": labels.FLAG_STATUS,
    }
    for name, kind, label in FLAGS:
        yield _row(file, name, label, kind=kind)
        yield from _codes(file, name, codes.get(name, {}))
