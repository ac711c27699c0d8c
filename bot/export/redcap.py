"""The REDCap export: a data dictionary, the events and their instruments, and a matching
longitudinal import file, so a ward's REDCap project takes the data without hand mapping.

Each survey form is an instrument; each scheduled time point an event (``day_7_arm_1``).
Field names are ``<form>_<question>`` (REDCap needs them unique across the project);
choices are coded 1, 2, 3 … in the definition's order (yes/no fields 1/0, REDCap's own) and
labelled in English and Simplified Chinese; ``show_if`` becomes branching logic.
"""

from __future__ import annotations

import csv
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from bot.export.checkins import ExportedCheckin
from bot.export.labels import ANSWERED_BY
from bot.export.tables import open_csv
from bot.export.variables import number
from surveys.model import Condition, Form, Question, Survey, Text

__all__ = [
    "DICTIONARY_COLUMNS",
    "REDCAP_FILES",
    "RedcapField",
    "event_name",
    "redcap_fields",
    "write_redcap",
]

REDCAP_FILES: Final = {
    "dictionary": "redcap_data_dictionary.csv",
    "events": "redcap_events.csv",
    "mapping": "redcap_instrument_event_mapping.csv",
    "import": "redcap_import.csv",
}
DICTIONARY_COLUMNS: Final = (
    "Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
    "Choices, Calculations, OR Slider Labels", "Field Note",
    "Text Validation Type OR Show Slider Number", "Text Validation Min", "Text Validation Max",
    "Identifier?", "Branching Logic (Show field only if...)", "Required Field?",
    "Custom Alignment", "Question Number (surveys only)", "Matrix Group Name", "Matrix Ranking?",
    "Field Annotation",
)  # fmt: skip
RECORD_ID: Final = "record_id"
ARM: Final = 1
WHO_CODES: Final = {"patient": "1", "caregiver": "2"}


def _both(text: Text) -> str:
    return f"{text.en} / {text.zh_hans}"


@dataclass(frozen=True)
class RedcapField:
    name: str
    form: str
    kind: str  # text | notes | radio | checkbox | yesno
    label: str
    choices: tuple[tuple[str, str], ...] = ()
    """(code, label) pairs; for a choice question, code i+1 is the option at position i."""
    validation: str = ""
    minimum: str = ""
    maximum: str = ""
    branching: str = ""
    required: bool = False
    annotation: str = ""
    section: str = ""
    source: str = ""
    """What fills it: ``question:<id>``, ``metres:<id>`` or a check-in property."""

    def row(self) -> list[str]:
        choices = " | ".join(f"{code}, {label}" for code, label in self.choices)
        if self.kind == "yesno":
            choices = ""
        return [self.name, self.form, self.section, self.kind, self.label, choices, "",
                self.validation, self.minimum, self.maximum, "", self.branching,
                "y" if self.required else "", "", "", "", "", self.annotation]  # fmt: skip

    def import_columns(self) -> list[str]:
        if self.kind == "checkbox":
            return [f"{self.name}___{code}" for code, _ in self.choices]
        return [self.name]


def event_name(spec_id: str) -> str:
    return f"{spec_id.lower()}_arm_{ARM}"


def _field(form: Form, question_id: str) -> str:
    return f"{form.id}_{question_id}".lower()


def _codes(question: Question, survey: Survey) -> dict[str, str]:
    ids = ([c.id for c in survey.distance_categories] if question.type == "distance"
           else [o.id for o in question.options])  # fmt: skip
    return {option_id: str(i + 1) for i, option_id in enumerate(ids)}


def redcap_fields(survey: Survey) -> list[RedcapField]:
    """Every field of the project in instrument order, ``record_id`` first."""
    recalled_forms = {s.form for s in survey.schedule.checkins if s.day is None}
    fields = [RedcapField(RECORD_ID, survey.forms[0].id, "text",
                          _both(Text("Patient reference", "患者编号")))]  # fmt: skip
    for form in survey.forms:
        fields.append(RedcapField(
            f"{form.id}_day", form.id, "text",
            _both(Text("Day after surgery (blank: before surgery)", "术后天数（空白：手术前）")),
            validation="integer", section=_both(form.title), source="day",
        ))  # fmt: skip
        fields.append(RedcapField(
            f"{form.id}_completed_at", form.id, "text",
            _both(Text("Completed at (patient's local time)", "完成时间（患者当地时间）")),
            validation="datetime_seconds_ymd", source="completed_at",
        ))  # fmt: skip
        fields.append(RedcapField(
            f"{form.id}_answered_by", form.id, "radio",
            _both(Text("Who answered", "回答者")),
            choices=tuple((WHO_CODES[k], _both(v)) for k, v in ANSWERED_BY.items()),
            source="answered_by",
        ))  # fmt: skip
        fields.append(RedcapField(
            f"{form.id}_survey_version", form.id, "text",
            _both(Text("Survey version", "问卷版本")), source="survey_version",
        ))  # fmt: skip
        if form.id in recalled_forms:
            fields.append(RedcapField(
                f"{form.id}_recalled", form.id, "yesno",
                _both(Text("Answered after surgery (recalled)", "手术后填写（凭回忆）")),
                source="recalled",
            ))  # fmt: skip
        for question in form.questions:
            fields.extend(_question_fields(survey, form, question))
    return fields


def _question_fields(survey: Survey, form: Form, question: Question) -> Iterator[RedcapField]:
    name, label = _field(form, question.id), _both(question.text)
    branching = _branching(survey, form, question)
    common: dict[str, Any] = {"branching": branching, "required": question.required,
                              "source": f"question:{question.id}"}  # fmt: skip
    codes = _codes(question, survey)
    match question.type:
        case "scale":
            yield RedcapField(name, form.id, "text", label, validation="integer",
                              minimum=number(question.minimum), maximum=number(question.maximum),
                              **common)  # fmt: skip
        case "number":
            yield RedcapField(name, form.id, "text", label, validation="number", **common)
        case "text":
            yield RedcapField(name, form.id, "notes", label, **common)
        case "yes_no":
            yield RedcapField(name, form.id, "yesno", label, **common)
        case "single_choice" | "multi_choice":
            kind = "radio" if question.type == "single_choice" else "checkbox"
            choices = tuple((codes[o.id], _both(o.label)) for o in question.options)
            yield RedcapField(name, form.id, kind, label, choices=choices,
                              annotation=_annotation(codes), **common)  # fmt: skip
        case "distance":
            choices = tuple((codes[c.id], _both(c.label)) for c in survey.distance_categories)
            yield RedcapField(name, form.id, "radio", label, choices=choices,
                              annotation=_annotation(codes), **common)  # fmt: skip
            yield RedcapField(
                f"{name}_m", form.id, "text",
                _both(Text("Distance in metres, when the patient gave one",
                           "患者给出的距离（米）")),
                validation="number", branching=branching, source=f"metres:{question.id}",
            )  # fmt: skip


def _annotation(codes: dict[str, str]) -> str:
    return "Survey codes: " + ", ".join(f"{code}={option}" for option, code in codes.items())


def _branching(survey: Survey, form: Form, question: Question) -> str:
    parts = [_condition(survey, form, c) for c in question.show_if]
    return " and ".join(parts)


def _condition(survey: Survey, form: Form, condition: Condition) -> str:
    target = form.question(condition.question)
    name = _field(form, target.id)
    if isinstance(condition.equals, bool):
        return f"[{name}] = '{1 if condition.equals else 0}'"
    codes = _codes(target, survey)
    checkbox = target.type == "multi_choice"

    def chosen(option: str) -> str:
        return f"[{name}({codes[option]})] = '1'" if checkbox else f"[{name}] = '{codes[option]}'"

    def not_chosen(option: str) -> str:
        return f"[{name}({codes[option]})] = '0'" if checkbox else f"[{name}] <> '{codes[option]}'"

    parts: list[str] = []
    if isinstance(condition.equals, str):
        parts.append(chosen(condition.equals))
    if condition.any_of:
        parts.append("(" + " or ".join(chosen(o) for o in condition.any_of) + ")")
    if condition.none_of:
        if not checkbox:
            parts.append(f"[{name}] <> ''")
        parts.extend(not_chosen(o) for o in condition.none_of)
    return " and ".join(parts)


def _redcap_time(value: Any) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M:%S")


def _cells(survey: Survey, fields: list[RedcapField], checkin: ExportedCheckin) -> dict[str, str]:
    form = survey.form(checkin.form)
    values = checkin.values()
    cells: dict[str, str] = {}
    for field in fields:
        if field.form != form.id or field.name == RECORD_ID:
            continue
        kind, _, question_id = field.source.partition(":")
        if kind == "day":
            cells[field.name] = "" if checkin.day is None else str(checkin.day)
        elif kind == "completed_at":
            cells[field.name] = _redcap_time(checkin.completed_at)
        elif kind == "answered_by":
            cells[field.name] = WHO_CODES.get(checkin.answered_by or "", "")
        elif kind == "survey_version":
            cells[field.name] = checkin.survey_version
        elif kind == "recalled":
            cells[field.name] = "1" if checkin.recalled else "0"
        elif kind in ("question", "metres"):
            cells.update(_answer_cells(survey, form, field, kind, question_id, values))
    cells[f"{form.id}_complete"] = "2" if checkin.status == "completed" else "0"
    return cells


def _answer_cells(
    survey: Survey, form: Form, field: RedcapField, kind: str, question_id: str,
    values: dict[str, Any],
) -> dict[str, str]:  # fmt: skip
    value = values.get(question_id)
    if value is None:
        return {}
    question = form.question(question_id)
    if kind == "metres":
        return {field.name: number(value.get("metres")) if isinstance(value, dict) else ""}
    codes = _codes(question, survey)
    match question.type:
        case "multi_choice":
            picked = set(value) if isinstance(value, list) else set()
            return {f"{field.name}___{codes[o.id]}": "1" if o.id in picked else "0"
                    for o in question.options}  # fmt: skip
        case "single_choice":
            return {field.name: codes.get(str(value), "")}
        case "distance":
            category = value.get("category") if isinstance(value, dict) else None
            return {field.name: codes.get(str(category), "")}
        case "yes_no":
            return {field.name: "1" if value else "0"}
        case _:
            return {field.name: number(value) if isinstance(value, int | float) else str(value)}


async def write_redcap(
    folder: Path, survey: Survey, checkins: AsyncIterator[ExportedCheckin], *, bom: bool
) -> int:
    """Write the dictionary, events, instrument mapping and import file; returns import rows."""
    fields = redcap_fields(survey)
    with open_csv(folder / REDCAP_FILES["dictionary"], bom=bom) as file:
        writer = csv.writer(file)
        writer.writerow(DICTIONARY_COLUMNS)
        writer.writerows(field.row() for field in fields)
    with open_csv(folder / REDCAP_FILES["events"], bom=bom) as file:
        writer = csv.writer(file)
        writer.writerow(("event_name", "arm_num", "day_offset", "offset_min", "offset_max",
                         "unique_event_name"))  # fmt: skip
        for spec in survey.schedule.checkins:
            writer.writerow((spec.id, ARM, spec.day or 0, 0, 0, event_name(spec.id)))
    with open_csv(folder / REDCAP_FILES["mapping"], bom=bom) as file:
        writer = csv.writer(file)
        writer.writerow(("arm_num", "unique_event_name", "form"))
        for spec in survey.schedule.checkins:
            writer.writerow((ARM, event_name(spec.id), spec.form))
    header = [RECORD_ID, "redcap_event_name"]
    for form in survey.forms:
        header += [c for f in fields if f.form == form.id and f.name != RECORD_ID
                   for c in f.import_columns()] + [f"{form.id}_complete"]  # fmt: skip
    rows = 0
    with open_csv(folder / REDCAP_FILES["import"], bom=bom) as file:
        rows_writer = csv.DictWriter(file, header, restval="")
        rows_writer.writeheader()
        async for checkin in checkins:
            if not checkin.answers:
                continue
            cells = _cells(survey, fields, checkin)
            cells[RECORD_ID] = checkin.patient_ref
            cells["redcap_event_name"] = event_name(checkin.spec_id)
            rows_writer.writerow(cells)
            rows += 1
    return rows
